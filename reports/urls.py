from django.urls import path, register_converter

from reports import drafts, markdown_mode, quick, views
from reports.document import rules


class IsoDateConverter:
    regex = rules.DAY_PATTERN

    def to_python(self, value: str):
        day = rules.address_day(value)  # 2023-02-30 and 9999-12-31 are not pages
        if day is None:
            raise ValueError(value)
        return day

    def to_url(self, value) -> str:
        return value.isoformat() if hasattr(value, "isoformat") else str(value)


register_converter(IsoDateConverter, "isodate")

app_name = "reports"
urlpatterns = [
    path("", views.team_list, name="team_list"),
    path("preview/markdown/", views.markdown_preview, name="markdown_preview"),
    path("search/", views.search_page, name="search"),
    path("incidents/", views.incident_log, name="incident_log"),
    path("weeks/", views.week_latest, name="week_latest"),
    path("weeks/<isodate:day>/", views.week_rollup, name="week_rollup"),
    path("weeks/<isodate:day>.md", views.week_rollup_markdown, name="week_rollup_markdown"),
    path("teams/<slug:slug>/", views.team_detail, name="team_detail"),
    path("teams/<slug:slug>/new/", views.report_new, name="report_new"),
    path("teams/<slug:slug>/import/", views.report_import, name="report_import"),
    path("teams/<slug:slug>/settings/", views.team_settings, name="team_settings"),
    path(
        "teams/<slug:slug>/settings/layout/learn/",
        views.team_layout_learn,
        name="team_layout_learn",
    ),
    path("teams/<slug:slug>/trends/", views.team_trends, name="team_trends"),
    path("teams/<slug:slug>/daily/", views.daily_notes, name="daily_notes"),
    path(
        "teams/<slug:slug>/daily/<int:pk>/delete/",
        views.daily_note_delete,
        name="daily_note_delete",
    ),
    path("teams/<slug:slug>/<isodate:report_date>/", views.report_detail, name="report_detail"),
    path(
        "teams/<slug:slug>/<isodate:report_date>/diff/",
        views.report_diff,
        name="report_diff",
    ),
    path(
        "teams/<slug:slug>/<isodate:report_date>/history/",
        views.report_history,
        name="report_history",
    ),
    path(
        "teams/<slug:slug>/<isodate:report_date>/history/<int:number>/",
        views.report_revision,
        name="report_revision",
    ),
    path(
        "teams/<slug:slug>/<isodate:report_date>/edit/",
        views.report_edit,
        name="report_edit",
    ),
    path(
        "teams/<slug:slug>/<isodate:report_date>/quick/",
        quick.report_quick,
        name="report_quick",
    ),
    path(
        "teams/<slug:slug>/<isodate:report_date>/autosave/",
        drafts.report_autosave,
        name="report_autosave",
    ),
    path(
        "teams/<slug:slug>/<isodate:report_date>/markdown/",
        markdown_mode.report_markdown_edit,
        name="report_markdown_edit",
    ),
    path(
        "teams/<slug:slug>/<isodate:report_date>/markdown/parse/",
        markdown_mode.report_markdown_parse,
        name="report_markdown_parse",
    ),
    path(
        "teams/<slug:slug>/<isodate:report_date>/preview/",
        views.report_preview,
        name="report_preview",
    ),
    path(
        "teams/<slug:slug>/<isodate:report_date>/publish/",
        views.report_publish,
        name="report_publish",
    ),
    path(
        "teams/<slug:slug>/<isodate:report_date>/reopen/",
        views.report_reopen,
        name="report_reopen",
    ),
    path(
        "teams/<slug:slug>/<isodate:report_date>.md",
        views.report_markdown,
        name="report_markdown",
    ),
    path(
        "teams/<slug:slug>/<isodate:report_date>.json",
        views.report_json,
        name="report_json",
    ),
]
