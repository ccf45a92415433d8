from django.urls import path

from exports import views

app_name = "exports"
urlpatterns = [
    path("exports/", views.export_list, name="export_list"),
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:pk>/status.json", views.export_status, name="export_status"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("teams/<slug:slug>/export.zip", views.team_zip, name="team_zip"),
]
