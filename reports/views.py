from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from reports import exports, selectors
from reports.consistency import report_warnings
from reports.permissions import get_report_for_user, get_team_for_user, teams_for_user

HISTORY_PAGE_SIZE = 20


@login_required
def team_list(request):
    teams = selectors.teams_with_latest_report().filter(
        pk__in=teams_for_user(request.user).values("pk")
    )
    return render(request, "reports/team_list.html", {"teams": teams})


@login_required
def team_detail(request, slug: str):
    team = get_team_for_user(request.user, slug)
    page = Paginator(selectors.team_reports(team), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    definitions = selectors.team_kpi_definitions(team)
    ctx = {
        "team": team,
        "page": page,
        "kpi_names": [d.name for d in definitions],
        "rows": selectors.history_rows(definitions, list(page.object_list)),
    }
    return render(request, "reports/team_detail.html", ctx)


@login_required
def report_detail(request, slug: str, report_date: date):
    report = get_report_for_user(request.user, slug, report_date)
    doc = selectors.report_document(report)
    ctx = {"report": report, "team": report.team, "doc": doc, "warnings": report_warnings(doc)}
    return render(request, "reports/report_detail.html", ctx)


@login_required
def report_markdown(request, slug: str, report_date: date):
    report = get_report_for_user(request.user, slug, report_date)
    response = HttpResponse(
        exports.export_text(report), content_type="text/markdown; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.export_filename(report)}"'
    return response


@login_required
def report_json(request, slug: str, report_date: date):
    report = get_report_for_user(request.user, slug, report_date)
    return HttpResponse(exports.export_text(report, "json"), content_type="application/json")


@login_required
def team_export_zip(request, slug: str):
    team = get_team_for_user(request.user, slug)
    response = HttpResponse(exports.team_export_zip(team), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{team.slug}-reports.zip"'
    return response
