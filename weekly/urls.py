from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

# The API's documentation page (Swagger UI) is served from this server's static files
# (drf-spectacular-sidecar), its start-up script as a file of its own (the split view),
# so the page needs no CDN and no inline script.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api_docs"),
    path("api/v1/", include("reports.api_urls")),
    path("", include("accounts.urls")),
    path("", include("exports.urls")),
    path("", include("reports.urls")),
]
