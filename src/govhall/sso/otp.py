"""Who must pass a second factor (TOTP) after the password, and whether this session has.

Approvers, supervisors and department and platform admins decide cases, watch every department
or hold the keys of the platform; a stolen password alone must not be enough for them. Window
clerks, reviewers, citizens and enterprises sign in with the password only.

``GOVHALL_STAFF_OTP_REQUIRED`` switches the requirement; it is on everywhere except in the test
suite, whose tests of other apps log staff in with ``force_login`` and are not about this step
(tests of this step turn it on; :func:`govhall.testing.otp.verify_session` marks a session as
having passed it).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from govhall.core import permissions
from govhall.identity.models import Role

OTP_ROLES = frozenset({Role.APPROVER, Role.SUPERVISOR, Role.DEPARTMENT_ADMIN, Role.PLATFORM_ADMIN})
RECOVERY_CODE_COUNT = 10


def otp_enabled() -> bool:
    return bool(getattr(settings, "GOVHALL_STAFF_OTP_REQUIRED", True))


def otp_required_for(user: Any) -> bool:
    """Whether ``user`` must pass the second factor (regardless of whether they have)."""
    if not otp_enabled() or not permissions.is_authenticated(user):
        return False
    # Only staff hold roles; this spares citizens' requests the role query.
    if getattr(user, "kind", None) != "staff" and not getattr(user, "is_superuser", False):
        return False
    return bool(permissions.roles_of(user) & OTP_ROLES)


def is_verified(user: Any) -> bool:
    """Whether this request's session passed the second factor (set by django-otp's middleware)."""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def needs_second_factor(user: Any) -> bool:
    return otp_required_for(user) and not is_verified(user)


def confirmed_totp(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()


def recovery_device(user: Any) -> StaticDevice | None:
    return StaticDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()


def recovery_codes_left(user: Any) -> int:
    device = recovery_device(user)
    return device.token_set.count() if device is not None else 0
