from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from cms.lib.errors import api_not_found

READ_ONLY = ["get", "head"]

urlpatterns = [
    path("api/v1/", include("api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(http_method_names=READ_ONLY), name="schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="schema", http_method_names=READ_ONLY),
        name="api-docs",
    ),
    # Every other /api/ path: a JSON 404 (or the redirect that adds a missing trailing slash).
    re_path(r"^api/", api_not_found),
    path("admin/", admin.site.urls),
]
if settings.DEBUG:
    # Uploaded images, for local work only: in production the web server (or the object storage)
    # serves MEDIA_URL, with X-Content-Type-Options: nosniff.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "cms.lib.errors.bad_request"
handler403 = "cms.lib.errors.permission_denied"
handler404 = "cms.lib.errors.page_not_found"
handler500 = "cms.lib.errors.server_error"

admin.site.site_header = "Careleaf"
admin.site.site_title = "Careleaf"
admin.site.index_title = "Clinic content"
# "View site" opens the API: Careleaf is headless, the clinic's own site lives elsewhere.
admin.site.site_url = "/api/v1/"
