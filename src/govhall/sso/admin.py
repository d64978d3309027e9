"""Client systems and second-factor devices are managed on the platform admin's pages, through
audited services; the toolkit's and django-otp's own admin pages would change them unaudited."""

from __future__ import annotations

import contextlib

from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.db.models import Model
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from oauth2_provider.models import AccessToken, Application, Grant, IDToken, RefreshToken

_REPLACED: list[type[Model]] = [
    Application,
    AccessToken,
    Grant,
    IDToken,
    RefreshToken,
    TOTPDevice,
    StaticDevice,
]


def unregister_replaced() -> None:
    """Called from ``ready()``, after the admin autodiscovery has imported the other apps' admins."""
    for model in _REPLACED:
        with contextlib.suppress(NotRegistered):
            admin.site.unregister(model)
