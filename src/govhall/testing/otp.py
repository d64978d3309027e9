"""Second-factor helpers for tests.

Staff whose roles need TOTP (approvers, supervisors, admins) are sent to the verification page
while ``GOVHALL_STAFF_OTP_REQUIRED`` is on (the test suite turns it off by default). A test that
turns it on and logs such a person in with ``force_login`` can mark the session as verified::

    client.force_login(approver)
    otp.verify_session(client, approver)
"""

from __future__ import annotations

import time
from typing import Any

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import hotp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_device(user: Any) -> TOTPDevice:
    """The user's confirmed authenticator, created if absent."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="测试验证器", confirmed=True)
    return device


def recovery_codes(user: Any, codes: list[str] | None = None) -> list[str]:
    """Give the user these recovery codes (or ten fixed ones) and return them."""
    codes = codes or [f"recov{n:03d}" for n in range(10)]
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="恢复码", confirmed=True)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def totp_code(device: TOTPDevice) -> str:
    """A code the device accepts now: the current step's, or the next one if that was used already."""
    device.refresh_from_db()
    current = (int(time.time()) - device.t0) // device.step + device.drift
    step = max(current, device.last_t + 1)
    if step > current + device.tolerance:
        raise RuntimeError("no unused code within the tolerance window; wait for the next time step")
    return f"{hotp(device.bin_key, step, digits=device.digits):0{device.digits}d}"


def verify_session(client: Any, user: Any) -> TOTPDevice:
    """Mark the test client's session (after ``force_login(user)``) as having passed TOTP."""
    device = totp_device(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
