from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

# Where the shared navigation points. The catalogue owns these pages; keep their paths here, in one
# place, so the layout never needs a URL name that may not exist yet.
CATALOGUE_LINKS = {
    "items": "/items/",
    "citizen": "/items/?audience=citizen",
    "enterprise": "/items/?audience=enterprise",
    "departments": "/departments/",
}


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "site_name": settings.GOVHALL_SITE_NAME,
        "demo_mode": settings.DEMO_MODE,
        "catalogue_links": CATALOGUE_LINKS,
    }
