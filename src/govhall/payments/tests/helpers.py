"""Shortcuts for payment tests: an item with fees, a case decided on it, the sandbox's signer."""

from __future__ import annotations

import itertools
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from django.test import Client

from govhall.cases import handling
from govhall.cases.models import Case, Task
from govhall.cases.tests.helpers import submitted
from govhall.catalog import services as catalog_services
from govhall.catalog.codes import build_basic_code
from govhall.catalog.content import FeeSpec, GuideContent, MaterialSpec
from govhall.catalog.models import ServiceItem
from govhall.identity.models import Department
from govhall.payments import rsa2
from govhall.paysandbox.app import Sandbox
from govhall.paysandbox.wsgi_client import WsgiResult, call
from govhall.testing import personas

_main = itertools.count(70001)

ID_CARD_FEE = FeeSpec(
    name="居民身份证工本费",
    amount="20.00",
    basis="《国家发展改革委 财政部关于第二代居民身份证收费标准的通知》（发改价格〔2003〕2322号）",
)


def publish_fee_item(
    department: Department, *, fees: list[FeeSpec] | None = None, name: str = "居民身份证换领"
) -> ServiceItem:
    admin = personas.staff("platform_admin")
    version = catalog_services.create_item(
        actor=admin,
        department=department,
        level="city",
        basic_code=build_basic_code(kind="01", main=next(_main)),
        content=GuideContent(
            name=name,
            target="both",
            legal_basis="《中华人民共和国居民身份证法》",
            conditions="符合法定条件",
            item_type="promised",
            statutory_days=20,
            promised_days=10,
            online_depth=3,
            materials=[
                MaterialSpec(name="申请书", medium="electronic"),
                MaterialSpec(name="营业执照", source="licence", licence_type="营业执照"),
            ],
            fees=[ID_CARD_FEE] if fees is None else fees,
        ),
    )
    catalog_services.submit_for_review(actor=admin, version=version)
    catalog_services.publish(actor=admin, version=version)
    return ServiceItem.objects.select_related("current_version", "department").get(pk=version.item_id)


def open_task(case: Case, kind: str) -> Task:
    return case.tasks.get(step_kind=kind, status__in=[Task.Status.OPEN, Task.Status.CLAIMED])


def decide(applicant: Any, item: ServiceItem, *, action: str = "approve") -> Case:
    case = submitted(applicant, item).case
    clerk, reviewer, approver = (personas.staff(k) for k in ("clerk", "reviewer", "approver"))
    handling.accept_case(actor=clerk, case=case)
    handling.complete_task(actor=reviewer, task=open_task(case, "review"), action=action, opinion="经审查")
    handling.complete_task(
        actor=approver,
        task=open_task(case, "decide"),
        action=action,
        opinion="同意。" if action == "approve" else "不符合条件。",
    )
    case.refresh_from_db()
    return case


class PlatformTransport:
    """The sandbox's notifier posting to the platform through Django's test client."""

    def __init__(self) -> None:
        self.client = Client()
        self.replies: list[tuple[int, str]] = []
        self.fail_next = 0

    def post_form(self, url: str, params: dict[str, str]) -> tuple[int, str]:
        if self.fail_next:
            self.fail_next -= 1
            raise OSError("connection refused")
        response = self.client.post(urlsplit(url).path, data=params)
        reply = (response.status_code, response.content.decode())
        self.replies.append(reply)
        return reply


def follow_to_sandbox(client: Client, sandbox: Sandbox, pay_url: str) -> WsgiResult:
    """Open the gateway's pay page the platform redirected to."""
    return call(sandbox, "GET", pay_url)


def press(sandbox: Sandbox, cashier: WsgiResult, action: str = "pay") -> WsgiResult:
    """Press a button on the cashier page; returns the sandbox's answer (a redirect when paying)."""
    html = cashier.text
    start = html.index('action="') + len('action="')
    path = html[start : html.index('"', start)]
    token_at = html.index('name="token" value="') + len('name="token" value="')
    token = html[token_at : html.index('"', token_at)]
    return call(sandbox, "POST", f"http://sandbox.test{path}", form={"token": token, "action": action})


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def signed_notification(sandbox: Sandbox, **params: str) -> dict[str, str]:
    """A notification signed with the sandbox's key, for crafting out-of-order and late ones."""
    base = {"notify_type": "trade_status_sync", "charset": "utf-8", "version": "1.0", "sign_type": "RSA2"}
    base.update(params)
    base["sign"] = rsa2.sign_callback(base, sandbox.private_key)
    return base
