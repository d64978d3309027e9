"""The JSON API at /api/v1/ (django-ninja); each app contributes a router.

Every route requires a bearer token or a logged-in session unless it says ``auth=None``. The docs
page at /api/v1/docs loads Swagger UI from this deployment's static files, never from a CDN.
"""

from __future__ import annotations

from ninja import NinjaAPI, Swagger

from govhall.cases.api import router as cases_router
from govhall.cases.results_api import router as results_router
from govhall.catalog.api import router as catalog_router
from govhall.complaints.api import router as complaints_router
from govhall.core.api import ERROR_SHAPE_DESCRIPTION, install_error_handlers
from govhall.datahub.api import router as datahub_router
from govhall.disclosure.api import router as disclosure_router
from govhall.documents.api import router as documents_router
from govhall.identity.api import router as identity_router
from govhall.identity.auth import api_auth
from govhall.licences.api import router as licences_router
from govhall.mailbox.api import router as mailbox_router
from govhall.payments.api import router as payments_router
from govhall.ratings.api import router as ratings_router
from govhall.supervision.api import router as supervision_router
from govhall.surveys.api import router as votes_router

api = NinjaAPI(
    title="govhall API",
    version="1",
    description="一体化政务服务平台接口 Integrated government services platform API\n"
    + ERROR_SHAPE_DESCRIPTION,
    urls_namespace="api",
    auth=api_auth,
    # validatorUrl would make Swagger UI fetch a badge from validator.swagger.io.
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": True}),
)
install_error_handlers(api)

api.add_router("/auth/", identity_router)
api.add_router("/catalog/", catalog_router)
api.add_router("/datahub/", datahub_router)
api.add_router("/disclosure/", disclosure_router)
api.add_router("/documents/", documents_router)
api.add_router("/licences", licences_router)
api.add_router("/mailbox/", mailbox_router)
api.add_router("/payments/", payments_router)
api.add_router("/ratings/", ratings_router)
api.add_router("/interaction/", complaints_router)
api.add_router("/supervision/", supervision_router)
api.add_router("/votes/", votes_router)
api.add_router("/", cases_router)
api.add_router("/", results_router)
