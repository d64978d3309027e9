from django.contrib import admin
from django.urls import include, path

from govhall.api import api
from govhall.cases.results_views import result_pdf
from govhall.core.views import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("govhall.identity.urls")),
    path("datahub/", include("govhall.datahub.urls")),
    path("licences/", include("govhall.licences.urls")),
    path("o/", include("govhall.sso.oidc_urls")),
    path("sso/", include("govhall.sso.urls")),
    path("messages/", include("govhall.notifications.urls")),
    path("supervision/", include("govhall.supervision.urls")),
    path("analytics/", include("govhall.analytics.urls")),
    path("disclosure/", include("govhall.disclosure.urls")),
    path("ratings/", include("govhall.ratings.urls")),
    path("interaction/", include("govhall.complaints.urls")),
    path("documents/", include("govhall.documents.urls")),
    path("mailbox/", include("govhall.mailbox.urls")),
    path("surveys/", include("govhall.surveys.urls")),
    path("cases/<str:case_no>/result.pdf", result_pdf, name="cases-result-pdf"),
    path("workbench/", include("govhall.cases.workbench_urls")),
    path("", include("govhall.payments.urls")),
    path("", include("govhall.cases.urls")),
    path("", include("govhall.catalog.urls")),
    path("", include("govhall.portal.urls")),
]
handler500 = "govhall.core.views.server_error"
