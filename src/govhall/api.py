"""The JSON API at /api/v1/ (django-ninja); each app contributes a router."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(
    title="govhall API",
    version="1",
    description="一体化政务服务平台接口 Integrated government services platform API",
    urls_namespace="api",
)
