"""Exports on the page: a team's weeks as a zip at once; bulk exports asked for, watched
while a worker builds them, and downloaded when done.

An export belongs to whoever asked for it; anybody else gets a 404. The teams are those
the reader could see when asking.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseNotAllowed, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from exports import jobs, services
from exports.archive import zip_stream
from exports.forms import ExportForm
from reports.files import export_filename, report_texts
from reports.models import ExportJob, ExportStatus, WeeklyReport
from reports.permissions import get_team_for_user, teams_for_user


@login_required
def team_zip(request, slug: str):
    """Every week of the team as Markdown files in a zip, streamed as it is written."""
    team = get_team_for_user(request.user, slug)
    weeks = WeeklyReport.objects.filter(team=team).order_by("report_date")
    files = ((export_filename(report), text) for report, text in report_texts(weeks))
    response = StreamingHttpResponse(zip_stream(files), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{team.slug}-reports.zip"'
    return response


def _job_for(user, pk: int) -> ExportJob:
    return get_object_or_404(ExportJob, pk=pk, requested_by=user)


def _not_a_read(request) -> HttpResponseNotAllowed | None:
    """The export is looked up first, so someone else's is a 404 whatever the method."""
    if request.method in ("GET", "HEAD"):
        return None
    return HttpResponseNotAllowed(["GET", "HEAD"])


@login_required
def export_list(request):
    teams = list(teams_for_user(request.user).order_by("name"))
    form = ExportForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        chosen = form.chosen()
        label = chosen[0].name if form.cleaned_data["team"] else _("All teams")
        job = services.export_request(teams=chosen, label=label, user=request.user)
        return redirect(job)
    found = ExportJob.objects.filter(requested_by=request.user)[:20]
    return render(request, "exports/export_list.html", {"form": form, "jobs": found})


@login_required
def export_detail(request, pk: int):
    job = _job_for(request.user, pk)
    return _not_a_read(request) or render(request, "exports/export_detail.html", {"job": job})


@login_required
def export_status(request, pk: int):
    job = _job_for(request.user, pk)
    if refused := _not_a_read(request):
        return refused
    done = job.status == ExportStatus.DONE
    return JsonResponse(
        {
            "status": job.status,
            "status_display": job.get_status_display(),
            "done": job.done,
            "total": job.total,
            "percent": job.percent,
            "download": request.build_absolute_uri(f"{job.get_absolute_url()}download/")
            if done
            else None,
        }
    )


@login_required
def export_download(request, pk: int):
    job = _job_for(request.user, pk)
    if refused := _not_a_read(request):
        return refused
    if job.status != ExportStatus.DONE:
        raise Http404("The export is not ready")
    response = StreamingHttpResponse(jobs.zip_chunks(job), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{jobs.download_name(job)}"'
    return response
