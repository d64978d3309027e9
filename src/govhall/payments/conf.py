"""Payment settings and keys, read from Django settings first and the environment second.

| setting | default |
|---|---|
| ``GOVHALL_PAY_APP_ID`` | the sandbox's application id |
| ``GOVHALL_PAY_GATEWAY_URL`` | ``http://127.0.0.1:8001/gateway.do`` (the sandbox of ``make run``) |
| ``GOVHALL_PAY_KEY_DIR`` | ``GOVHALL_VAR/payments`` — ``app_private.pem`` / ``app_public.pem`` |
| ``GOVHALL_PAY_GATEWAY_PUBLIC_KEY_FILE`` | ``GOVHALL_VAR/paysandbox/gateway_public.pem`` |
| ``GOVHALL_PAY_NOTIFY_URL`` | empty: ``GOVHALL_SITE_URL`` or the request's own address + the notify path |
| ``GOVHALL_PAY_ORDER_DAYS`` | 15 — calendar days to pay an order before it expires |

No key is written in code: the platform's key pair is made on first use (``manage.py
payments_keys`` makes it ahead, and prints the public key to register with the gateway), the
gateway's public key is read from its file whenever that file changes.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

from govhall.payments import rsa2
from govhall.paysandbox import SANDBOX_APP_ID


def _setting(name: str, default: str) -> str:
    value = getattr(settings, name, None)
    if value not in (None, ""):
        return str(value)
    return os.environ.get(name, "") or default


@dataclass(frozen=True)
class GatewaySettings:
    app_id: str
    gateway_url: str
    key_dir: Path
    gateway_public_key_file: Path
    notify_url: str
    timeout: float

    @property
    def app_private_key_file(self) -> Path:
        return self.key_dir / "app_private.pem"

    @property
    def app_public_key_file(self) -> Path:
        return self.key_dir / "app_public.pem"


def gateway() -> GatewaySettings:
    var = Path(settings.VAR_DIR)
    return GatewaySettings(
        app_id=_setting("GOVHALL_PAY_APP_ID", SANDBOX_APP_ID),
        gateway_url=_setting("GOVHALL_PAY_GATEWAY_URL", "http://127.0.0.1:8001/gateway.do"),
        key_dir=Path(_setting("GOVHALL_PAY_KEY_DIR", str(var / "payments"))),
        gateway_public_key_file=Path(
            _setting("GOVHALL_PAY_GATEWAY_PUBLIC_KEY_FILE", str(var / "paysandbox" / "gateway_public.pem"))
        ),
        notify_url=_setting("GOVHALL_PAY_NOTIFY_URL", ""),
        timeout=float(_setting("GOVHALL_PAY_GATEWAY_TIMEOUT", "10")),
    )


def order_days() -> int:
    return int(_setting("GOVHALL_PAY_ORDER_DAYS", "15"))


_KEYS: dict[tuple[str, str], tuple[float, Any]] = {}
_LOCK = threading.Lock()


def app_private_key(config: GatewaySettings | None = None) -> rsa.RSAPrivateKey:
    """The platform's signing key, made (with its public half) on first use."""
    config = config or gateway()
    path = config.app_private_key_file
    with _LOCK:
        if not path.is_file():
            rsa2.ensure_key_pair(path, config.app_public_key_file)
        return _cached("private", path, rsa2.load_private_key)


def gateway_public_key(config: GatewaySettings | None = None) -> rsa.RSAPublicKey:
    """The gateway's public key; ``OSError`` when its file is not there (yet)."""
    config = config or gateway()
    with _LOCK:
        return _cached("public", config.gateway_public_key_file, rsa2.load_public_key)


def _cached(kind: str, path: Path, load: Any) -> Any:
    mtime = path.stat().st_mtime
    key = (kind, str(path))
    hit = _KEYS.get(key)
    if hit is None or hit[0] != mtime:
        hit = (mtime, load(path.read_bytes()))
        _KEYS[key] = hit
    return hit[1]
