"""Root URLs: each app mounts its pages under its own prefix; the JSON API lives under /api/."""

from django.contrib import admin
from django.urls import include, path

from haechi.api import api

admin.site.site_header = "해치 Haechi 관리"
admin.site.site_title = "해치 관리"
admin.site.index_title = "관리 화면"

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("firms/", include("firms.urls")),
    path("agencies/", include("agencies.urls")),
    path("regulations/", include("regulations.urls")),
    path("barriers/", include("barriers.urls")),
    path("routing/", include("routing.urls")),
    path("programs/", include("programs.urls")),
    path("surveys/", include("surveys.urls")),
    path("insights/", include("insights.urls")),
    path("register/", include("register.urls")),
    path("bulk/", include("bulk_filing.urls")),
    path("open311/", include("open311.urls")),
    path("privacy/", include("privacy.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
