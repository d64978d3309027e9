"""Payment test wiring: the platform's and the sandbox's key pairs (made once per session), the
sandbox gateway served in-process for each test, and the platform pointed at it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from govhall.cases.models import Case
from govhall.identity.models import Department
from govhall.payments import conf, rsa2
from govhall.payments.channels import gateway
from govhall.payments.models import FeeOrder
from govhall.payments.tests.helpers import PlatformTransport, decide, publish_fee_item
from govhall.paysandbox import SANDBOX_APP_ID
from govhall.paysandbox.app import Sandbox, SandboxConfig
from govhall.paysandbox.wsgi_client import WsgiTransport

SANDBOX_URL = "http://sandbox.test/gateway.do"


@pytest.fixture(scope="session")
def key_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("pay-keys")
    platform, gateway_dir = root / "platform", root / "gateway"
    rsa2.ensure_key_pair(platform / "app_private.pem", platform / "app_public.pem")
    rsa2.ensure_key_pair(gateway_dir / "gateway_private.pem", gateway_dir / "gateway_public.pem")
    return {"platform": platform, "gateway": gateway_dir}


@pytest.fixture(autouse=True)
def _isolated(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sandbox_factory(key_dirs: dict[str, Path], tmp_path: Path) -> Any:
    def make(name: str = "sandbox", transport: Any = None) -> Sandbox:
        var = tmp_path / name
        var.mkdir(exist_ok=True)
        for key in ("gateway_private.pem", "gateway_public.pem"):
            shutil.copy(key_dirs["gateway"] / key, var / key)
        config = SandboxConfig(
            var_dir=var, app_id=SANDBOX_APP_ID, app_public_key_file=key_dirs["platform"] / "app_public.pem"
        )
        return Sandbox(config, transport=transport)

    return make


@pytest.fixture
def platform_transport() -> PlatformTransport:
    return PlatformTransport()


@pytest.fixture
def sandbox(
    sandbox_factory: Any,
    platform_transport: PlatformTransport,
    settings: Any,
    key_dirs: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> Sandbox:
    """The sandbox gateway in-process, the platform's adapter talking to it with real signatures."""
    box = sandbox_factory(transport=platform_transport)
    settings.GOVHALL_PAY_GATEWAY_URL = SANDBOX_URL
    settings.GOVHALL_PAY_APP_ID = SANDBOX_APP_ID
    settings.GOVHALL_PAY_KEY_DIR = str(key_dirs["platform"])
    settings.GOVHALL_PAY_GATEWAY_PUBLIC_KEY_FILE = str(box.public_key_path)
    settings.GOVHALL_PAY_NOTIFY_URL = "http://testserver/payments/notify/"
    monkeypatch.setattr(gateway, "TRANSPORT", WsgiTransport(box))
    assert conf.gateway().gateway_url == SANDBOX_URL
    return box


@pytest.fixture
def fee_item(dept_a: Department) -> Any:
    return publish_fee_item(dept_a)


@pytest.fixture
def approved(citizen: Any, fee_item: Any, clerk: Any, reviewer: Any, approver: Any) -> Case:
    return decide(citizen, fee_item)


@pytest.fixture
def order(approved: Case) -> FeeOrder:
    return FeeOrder.objects.get(case=approved)
