"""Change subscriptions delivered to a real HTTP receiver on 127.0.0.1: signed, retried, scoped."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from govhall.core.errors import DomainError, PermissionDenied
from govhall.datahub import exchange, importing, services, subscriptions, webhooks
from govhall.datahub.catalogue import ElementSpec, register_resource
from govhall.datahub.models import AccessGrant, ChangeNotice, Dataset, Resource, Subscription
from govhall.identity.models import Department, User
from govhall.testing.factories import random_uscc

pytestmark = pytest.mark.django_db

SECRET = "a-webhook-secret-of-some-length"
FIELDS = ["uscc", "name", "legal_representative", "registered_capital", "status"]


class Receiver:
    """A webhook receiver that answers with the queued status codes, then 200."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers.items()), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def grant(
    sources: None, scjgj: Department, scjgj_officer: User, swuju: Department, swuju_officer: User
) -> AccessGrant:
    resource = register_resource(
        actor=scjgj_officer,
        provider=scjgj,
        code="445300-SCJGJ-0001",
        name="法人单位基础信息",
        summary="市场主体登记信息",
        dataset=Dataset.LEGAL_PERSON,
        elements=[ElementSpec(name, "") for name in FIELDS],
        key_element="uscc",
        sharing_type=Resource.SharingType.UNCONDITIONAL,
        update_cycle=Resource.UpdateCycle.DAILY,
        access_methods=["api"],
    )
    applied = exchange.apply_for_access(
        actor=swuju_officer,
        resource=resource,
        consumer=swuju,
        purpose="税收征管",
        legal_basis="《税收征收管理法》",
        fields=["uscc", "name", "status"],
    )
    return exchange.approve_access(actor=scjgj_officer, grant=applied, allowed_fields=["uscc", "name"])


def save(officer: User, department: Department, **values: Any) -> None:
    services.save_record(actor=officer, department=department, dataset=Dataset.LEGAL_PERSON, values=values)


def verify(headers: dict[str, str], body: bytes) -> None:
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Govhall-Signature"], expected)


def test_a_change_is_signed_retried_after_a_500_and_recorded(
    grant: AccessGrant,
    swuju_officer: User,
    scjgj: Department,
    scjgj_officer: User,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    subscription = subscriptions.subscribe(actor=swuju_officer, grant=grant, url=receiver.url, secret=SECRET)
    receiver.statuses = [500]
    code = random_uscc("445302", "91")
    with django_capture_on_commit_callbacks(execute=True):
        save(scjgj_officer, scjgj, uscc=code, name="云浮市甲石材有限公司", legal_representative="陈秘密")

    notice = ChangeNotice.objects.get(subscription=subscription)
    assert (notice.sequence, notice.event, notice.status) == (1, "created", ChangeNotice.Status.PENDING)
    assert (notice.attempts, notice.last_error) == (1, "HTTP 500")
    assert notice.next_attempt_at is not None and notice.record_key == code
    # Not yet due: the sweep leaves it alone.
    assert webhooks.deliver_due(now=notice.next_attempt_at - timedelta(seconds=1)) == 0

    assert webhooks.deliver_due(now=notice.next_attempt_at + timedelta(seconds=1)) == 1
    notice.refresh_from_db()
    assert notice.status == ChangeNotice.Status.DELIVERED and notice.attempts == 2
    assert notice.delivered_at is not None and notice.next_attempt_at is None
    assert len(receiver.requests) == 2
    first, second = receiver.requests
    # The same delivery id on every attempt lets the receiver drop repeats.
    assert first[0]["X-Govhall-Delivery"] == second[0]["X-Govhall-Delivery"] == str(notice.delivery_id)
    for headers, body in receiver.requests:
        verify(headers, body)
    payload = receiver.bodies()[1]
    assert payload["fields"] == ["uscc", "name"] and payload["sequence"] == 1
    assert payload["resource"] == "445300-SCJGJ-0001"

    # An update is notified with the changed fields only, next in sequence.
    with django_capture_on_commit_callbacks(execute=True):
        save(scjgj_officer, scjgj, uscc=code, name="云浮市乙石材有限公司")
    assert receiver.bodies()[-1]["fields"] == ["name"] and receiver.bodies()[-1]["sequence"] == 2

    page = Client()
    page.force_login(swuju_officer)
    response = page.get(f"/datahub/subscriptions/{subscription.pk}/")
    assert response.status_code == 200
    assert str(notice.delivery_id) in response.content.decode()
    assert '">数据共享</a>' in response.content.decode()  # the staff header links the data hub


def test_fields_outside_the_grant_never_appear(
    grant: AccessGrant,
    swuju_officer: User,
    scjgj: Department,
    scjgj_officer: User,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    subscriptions.subscribe(actor=swuju_officer, grant=grant, url=receiver.url, secret=SECRET)
    code = random_uscc("445302", "91")
    with django_capture_on_commit_callbacks(execute=True):
        save(scjgj_officer, scjgj, uscc=code, name="云浮市丙石材有限公司", legal_representative="李保密")
        # Only fields the grant does not allow change: no notice at all.
        save(scjgj_officer, scjgj, uscc=code, legal_representative="王保密", registered_capital="12345.6789")
    assert ChangeNotice.objects.count() == 1
    raw = b"".join(body for _, body in receiver.requests).decode()
    for leaked in ("legal_representative", "registered_capital", "status", "保密", "12345.6789"):
        assert leaked not in raw


def test_an_import_notifies_and_a_revoked_grant_stops_deliveries(
    grant: AccessGrant,
    swuju_officer: User,
    scjgj: Department,
    scjgj_officer: User,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    subscription = subscriptions.subscribe(actor=swuju_officer, grant=grant, url=receiver.url, secret=SECRET)
    codes = [random_uscc("445302", "91") for _ in range(3)]
    rows = ["uscc,name"] + [f"{code},云浮市第{i}建材有限公司" for i, code in enumerate(codes)]
    upload = SimpleUploadedFile("e.csv", ("\n".join(rows) + "\n").encode(), content_type="text/csv")
    receiver.statuses = [503]
    with django_capture_on_commit_callbacks(execute=True):
        job = importing.start_import(
            actor=scjgj_officer, department=scjgj, upload=upload, dataset=Dataset.LEGAL_PERSON
        )
    assert job.created_rows == 3
    notices = list(ChangeNotice.objects.filter(subscription=subscription).order_by("sequence"))
    assert [n.sequence for n in notices] == [1, 2, 3]
    assert {n.record_key for n in notices} == set(codes)
    # The first failed; the later ones wait behind it to keep the order.
    assert [n.attempts for n in notices] == [1, 0, 0] and len(receiver.requests) == 1

    exchange.revoke_access(actor=scjgj_officer, grant=grant, reason="停止共享")
    with django_capture_on_commit_callbacks(execute=True):
        save(scjgj_officer, scjgj, uscc=codes[0], name="改名后的有限公司")
    retry_at = notices[0].next_attempt_at
    assert retry_at is not None
    assert webhooks.deliver_due(now=retry_at + timedelta(hours=1)) == 0
    assert len(receiver.requests) == 1
    statuses = set(ChangeNotice.objects.values_list("status", flat=True))
    assert statuses == {ChangeNotice.Status.DROPPED} and ChangeNotice.objects.count() == 3


def test_a_confirmed_contribution_is_a_change(
    grant: AccessGrant,
    swuju_officer: User,
    scjgj: Department,
    scjgj_officer: User,
    mzj: Department,
    mzj_officer: User,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    subscription = subscriptions.subscribe(actor=swuju_officer, grant=grant, url=receiver.url, secret=SECRET)
    code = random_uscc("445302", "91")
    save(scjgj_officer, scjgj, uscc=code, name="云浮市丁石材有限公司")
    plan = services.save_record(
        actor=mzj_officer, department=mzj, dataset=Dataset.LEGAL_PERSON, values={"uscc": code, "name": "新名"}
    )
    assert not plan.changed and len(plan.contributions) == 1
    before = ChangeNotice.objects.filter(subscription=subscription).count()
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_contribution(actor=scjgj_officer, contribution=plan.contributions[0], accept=True)
    latest = ChangeNotice.objects.filter(subscription=subscription).order_by("-sequence").first()
    assert latest is not None and latest.sequence == before + 1 and latest.fields == ["name"]
    assert latest.status == ChangeNotice.Status.DELIVERED


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        "ftp://127.0.0.1/x",
        "https://user:pw@example.com/",
        "http://10.0.0.1/",
        "nonsense",
    ],
)
def test_webhook_urls_must_be_https_or_loopback(url: str) -> None:
    with pytest.raises(DomainError) as caught:
        subscriptions.validate_webhook_url(url)
    assert caught.value.code == "webhook_url"


def test_who_may_subscribe(
    grant: AccessGrant, swuju_officer: User, scjgj_officer: User, receiver: Receiver
) -> None:
    assert (
        subscriptions.validate_webhook_url("https://hooks.example.gov.cn/a")
        == "https://hooks.example.gov.cn/a"
    )
    assert subscriptions.validate_webhook_url("http://localhost:9000/") == "http://localhost:9000/"
    with pytest.raises(PermissionDenied):
        subscriptions.subscribe(actor=scjgj_officer, grant=grant, url=receiver.url, secret=SECRET)
    with pytest.raises(DomainError) as short:
        subscriptions.subscribe(actor=swuju_officer, grant=grant, url=receiver.url, secret="short")
    assert short.value.code == "webhook_secret"
    subscription = subscriptions.subscribe(actor=swuju_officer, grant=grant, url=receiver.url, secret=SECRET)
    assert SECRET not in subscription.secret_encrypted
    with pytest.raises(DomainError) as twice:
        subscriptions.subscribe(actor=swuju_officer, grant=grant, url=receiver.url, secret=SECRET)
    assert twice.value.code == "subscription_exists"
    subscriptions.cancel_subscription(actor=swuju_officer, subscription=subscription)
    assert not Subscription.objects.get(pk=subscription.pk).is_active
    exchange.revoke_access(actor=scjgj_officer, grant=grant, reason="停止")
    with pytest.raises(DomainError) as revoked:
        subscriptions.subscribe(actor=swuju_officer, grant=grant, url=receiver.url, secret=SECRET)
    assert revoked.value.code == "grant_not_usable"
