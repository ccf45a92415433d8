"""Bulk exports on the page: ask for one, watch its progress, download it when done.

An export belongs to whoever asked for it; anybody else gets a 404. The teams are those
the reader could see when asking.
"""

from __future__ import annotations

from functools import partial

from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports import bulk_export, tasks
from reports.models import ExportJob, ExportStatus
from reports.permissions import teams_for_user

ALL_TEAMS = ""


class ExportForm(forms.Form):
    team = forms.ChoiceField(label=gettext_lazy("Teams"), required=False)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.teams = {t.slug: t for t in teams}
        choices = [(ALL_TEAMS, _("Every team I can read"))]
        choices += [(t.slug, t.name) for t in teams]
        self.fields["team"].choices = choices

    def chosen(self):
        slug = self.cleaned_data["team"]
        return [self.teams[slug]] if slug else list(self.teams.values())


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
        with transaction.atomic():
            job = bulk_export.export_job_create(teams=chosen, label=label, user=request.user)
            transaction.on_commit(partial(tasks.run_export.delay, job.pk))
        return redirect(job)
    jobs = ExportJob.objects.filter(requested_by=request.user)[:20]
    return render(request, "reports/export_list.html", {"form": form, "jobs": jobs})


@login_required
def export_detail(request, pk: int):
    job = _job_for(request.user, pk)
    return _not_a_read(request) or render(request, "reports/export_detail.html", {"job": job})


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
    response = StreamingHttpResponse(bulk_export.zip_chunks(job), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{bulk_export.download_name(job)}"'
    return response
