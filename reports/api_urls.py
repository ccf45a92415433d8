from django.urls import path

from reports import api

# Path parts are taken as any text and looked up, so a malformed one is a JSON 404 like
# a missing one, never Django's HTML page.
app_name = "api"
urlpatterns = [
    path("teams/", api.team_list, name="team_list"),
    path("teams/<str:slug>/", api.team_detail, name="team_detail"),
    path("teams/<str:slug>/reports/", api.report_list, name="report_list"),
    path("teams/<str:slug>/imports/", api.report_import, name="report_import"),
    path("teams/<str:slug>/reports/<str:report_date>/", api.report_detail, name="report_detail"),
    path("teams/<str:slug>/reports/<str:report_date>/kpis/", api.kpi_values, name="kpi_values"),
    path(
        "teams/<str:slug>/reports/<str:report_date>/events/",
        api.report_events,
        name="report_events",
    ),
]
