from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

# The interactive API viewers of drf-spectacular load their assets from a CDN,
# so only the OpenAPI schema itself is served.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("", include("reports.urls")),
]
