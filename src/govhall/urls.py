from django.contrib import admin
from django.urls import include, path

from govhall.api import api
from govhall.core.views import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("govhall.identity.urls")),
    path("o/", include("govhall.sso.oidc_urls")),
    path("sso/", include("govhall.sso.urls")),
    path("messages/", include("govhall.notifications.urls")),
    path("workbench/", include("govhall.cases.workbench_urls")),
    path("", include("govhall.cases.urls")),
    path("", include("govhall.catalog.urls")),
    path("", include("govhall.portal.urls")),
]
