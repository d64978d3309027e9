from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from govhall.core.health import run_checks
from govhall.core.middleware import database_unavailable_response, is_database_unavailable


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: 200 when database, queue and cache answer, else 503."""
    report = run_checks()
    status = 200 if report["status"] == "ok" else 503
    return JsonResponse(report, status=status, json_dumps_params={"ensure_ascii": False})


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: 503 ``database_unavailable`` when the database dropped out, else Django's 500.

    Django calls it while handling the exception, so ``sys.exc_info()`` is the error raised.
    """
    if is_database_unavailable(sys.exc_info()[1]):
        return database_unavailable_response(request)
    return defaults.server_error(request)
