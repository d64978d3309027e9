"""Daily reconciliation against the sandbox's statement: balanced, then a statement with one
missing, one extra and one wrong-amount line; upload, Excel export, resolving, permissions."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from govhall.core.calendar import SHANGHAI
from govhall.core.models import AuditEvent
from govhall.payments import reconciliation, refunds
from govhall.payments.channels import gateway
from govhall.payments.models import FeeOrder, Payment, ReconciliationItem, ReconciliationRun
from govhall.payments.tests.helpers import decide, follow_to_sandbox, press
from govhall.paysandbox.app import Sandbox

pytestmark = pytest.mark.django_db


def pay_online(client: Client, sandbox: Sandbox, order: FeeOrder) -> Payment:
    back = press(
        sandbox,
        follow_to_sandbox(
            client, sandbox, client.post(reverse("payments:pay", args=[order.payment_code]))["Location"]
        ),
    )
    client.get(back.headers["Location"])
    return Payment.objects.get(order=order)


@pytest.fixture
def day_of_payments(
    client: Client, citizen: Any, fee_item: Any, clerk: Any, reviewer: Any, approver: Any, sandbox: Sandbox
) -> list[Payment]:
    client.force_login(citizen)
    paid = [
        pay_online(client, sandbox, FeeOrder.objects.get(case=decide(citizen, fee_item))) for _ in range(3)
    ]
    refunds.request_refund(actor=approver, payment=paid[2], amount="8.00", reason="部分退费")
    # A window payment the gateway never sees, and must not be asked about.
    window_case = decide(citizen, fee_item)
    from govhall.payments import settlement

    settlement.record_window_payment(
        actor=clerk,
        order=FeeOrder.objects.get(case=window_case),
        method="cash",
        receipt_no="SJ-900",
        amount="20",
    )
    return paid


def today() -> Any:
    return datetime.now(SHANGHAI).date()


def test_a_day_that_balances(day_of_payments: list[Payment], sandbox: Sandbox) -> None:
    run = reconciliation.reconcile_from_gateway(day=today(), actor=None)
    assert (run.status, run.source) == ("balanced", "gateway")
    assert (run.statement_rows, run.platform_rows, run.matched, run.differences) == (4, 4, 4, 0)
    assert run.statement_total == run.platform_total == Decimal("52.00")
    assert AuditEvent.objects.filter(action="payments.reconciled", object_id=str(run.pk)).exists()


def edit_statement(data: bytes, payments: list[Payment]) -> bytes:
    text = data.decode("gbk")
    lines = text.split("\r\n")
    missing, wrong = payments[0].trade_no, payments[1].trade_no
    lines = [line for line in lines if not (line.startswith(missing) and ",交易," in line)]
    for index, line in enumerate(lines):
        if line.startswith(wrong) and ",交易," in line:
            lines[index] = line.replace(",20.00,20.00,", ",2.00,2.00,", 1)
    header_at = next(i for i, line in enumerate(lines) if line.startswith("支付宝交易号"))
    extra = lines[header_at + 1].split(",")
    extra[0], extra[1] = "2026112322009999999999999999", "44530026999999999990"
    lines.insert(header_at + 1, ",".join(extra))
    return "\r\n".join(lines).encode("gbk")


def test_a_statement_with_a_missing_an_extra_and_a_wrong_line(
    client: Client, day_of_payments: list[Payment], sandbox: Sandbox, platform_admin: Any
) -> None:
    statement = gateway.AlipayStyleGateway.from_settings().statement(day=today())
    edited = edit_statement(statement, day_of_payments)
    client.force_login(platform_admin)
    response = client.post(
        reverse("payments:run_reconciliation"),
        {
            "day": today().isoformat(),
            "statement": SimpleUploadedFile("trade.csv", edited, content_type="text/csv"),
        },
    )
    run = ReconciliationRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("payments:run", args=[run.pk])
    assert (run.status, run.source, run.started_by, run.differences, run.matched) == (
        "differences",
        "upload",
        platform_admin,
        3,
        2,
    )
    items = {item.kind: item for item in run.items.all()}
    assert set(items) == {"missing", "extra", "amount"}
    assert (
        items["missing"].trade_no == day_of_payments[0].trade_no
        and items["missing"].order == day_of_payments[0].order
    )
    assert (items["missing"].platform_amount, items["missing"].statement_amount) == (Decimal("20.00"), None)
    assert items["extra"].trade_no == "2026112322009999999999999999" and items["extra"].order is None
    assert (items["amount"].platform_amount, items["amount"].statement_amount) == (
        Decimal("20.00"),
        Decimal("2.00"),
    )

    page = client.get(reverse("payments:run", args=[run.pk])).content.decode()
    assert "对账单缺少" in page and "平台缺少" in page and "金额不符" in page

    sheet = load_workbook(io.BytesIO(client.get(reverse("payments:run_excel", args=[run.pk])).content))[
        "差异明细"
    ]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert sorted(row[0] for row in rows) == [
        "对账单缺少（平台有记录）",
        "平台缺少（对账单有记录）",
        "金额不符",
    ]

    client.post(reverse("payments:resolve", args=[items["extra"].pk]), {"resolution": "网关测试交易，已核实"})
    items["extra"].refresh_from_db()
    assert (
        items["extra"].resolved_by == platform_admin and items["extra"].resolution == "网关测试交易，已核实"
    )


def test_a_failed_download_is_a_failed_run(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    class Down:
        def post_form(self, url: str, params: dict[str, str]) -> tuple[int, str]:
            raise OSError("timed out")

        def get(self, url: str) -> tuple[int, bytes]:
            raise OSError("timed out")

    monkeypatch.setattr(gateway, "TRANSPORT", Down())
    run = reconciliation.reconcile_from_gateway(day=today(), actor=None)
    assert run.status == "failed" and "timed out" in run.error


def test_statement_files_are_checked() -> None:
    with pytest.raises(Exception) as no_header:
        reconciliation.parse_statement("#只有注释\r\n".encode("gbk"))
    assert getattr(no_header.value, "code", "") == "invalid_statement"
    bad = "支付宝交易号,商户订单号,业务类型,订单金额（元）\r\n2026,4453,交易,abc\r\n".encode()
    with pytest.raises(Exception) as bad_amount:
        reconciliation.parse_statement(bad)
    assert getattr(bad_amount.value, "details", {}) == {"line": 2}
    utf8 = (
        "\ufeff支付宝交易号,商户订单号,业务类型,订单金额(元)\n2026,4453,交易,20\n2026,4453,其他,1\n".encode()
    )
    assert reconciliation.parse_statement(utf8) == [
        reconciliation.StatementRow("payment", "2026", "4453", Decimal("20.00"))
    ]


def test_who_sees_reconciliation(client: Client, supervisor: Any, clerk: Any, department_admin: Any) -> None:
    run = ReconciliationRun.objects.create(
        day=today(), source="gateway", status="balanced", started_at=datetime.now(SHANGHAI)
    )
    item = ReconciliationItem.objects.create(run=run, kind="extra", entry="payment", trade_no="1")
    client.force_login(supervisor)
    assert client.get(reverse("payments:run", args=[run.pk])).status_code == 200
    assert (
        client.post(reverse("payments:run_reconciliation"), {"day": today().isoformat()}).status_code == 403
    )
    client.post(reverse("payments:resolve", args=[item.pk]), {"resolution": "x"})
    item.refresh_from_db()
    assert item.resolved_at is None
    for staff in (clerk, department_admin):
        client.force_login(staff)
        assert client.get(reverse("payments:runs")).status_code == 403
        assert client.get(reverse("payments:run", args=[run.pk])).status_code == 403
