from django.urls import path, register_converter

from reports import views


class IsoDateConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str):
        from datetime import date

        try:
            return date.fromisoformat(value)
        except ValueError as exc:  # 2023-02-30 is not a page
            raise ValueError(value) from exc

    def to_url(self, value) -> str:
        return value.isoformat() if hasattr(value, "isoformat") else str(value)


register_converter(IsoDateConverter, "isodate")

app_name = "reports"
urlpatterns = [
    path("", views.team_list, name="team_list"),
    path("teams/<slug:slug>/", views.team_detail, name="team_detail"),
    path("teams/<slug:slug>/export.zip", views.team_export_zip, name="team_export_zip"),
    path("teams/<slug:slug>/<isodate:report_date>/", views.report_detail, name="report_detail"),
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
