"""The electronic receipt (非税收入一般缴款书) as PDF: stored once, its text, and a PNG to look at."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from govhall.core.models import AuditEvent
from govhall.payments import receipts, settlement
from govhall.payments.models import FeeOrder

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"


def pdf_text(data: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    source = tmp_path / "receipt.pdf"
    source.write_bytes(data)
    text = subprocess.run(["pdftotext", str(source), "-"], check=True, capture_output=True, text=True).stdout
    return "".join(text.split())


def test_receipt_for_a_window_payment(order: FeeOrder, clerk: Any, tmp_path: Path) -> None:
    payment = settlement.record_window_payment(
        actor=clerk, order=order, method="pos", receipt_no="POS-778899", amount="20"
    )
    stored = receipts.generate(payment.pk)
    data = stored.receipt.read()
    assert data.startswith(b"%PDF") and b"/FontFile2" in data
    assert receipts.generate(payment.pk).receipt_sha256 == stored.receipt_sha256  # kept, not re-rendered
    assert (
        AuditEvent.objects.filter(action="payments.receipt_generated", object_id=str(payment.pk)).count() == 1
    )
    text = pdf_text(data, tmp_path)
    for expected in (
        "非税收入一般缴款书",
        "张三",
        "云浮市市场监督管理局",
        "居民身份证工本费",
        "人民币贰拾元整",
        "¥20.00",
        order.code_display.replace(" ", ""),
        payment.receipt_no,
        "窗口缴费（银行卡（POS））",
        "POS-778899",
        order.case.case_no,
        receipts.check_code(payment),
    ):
        assert expected in text, expected
    if shutil.which("pdftoppm"):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "payment-receipt.pdf").write_bytes(data)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "110",
                "-singlefile",
                str(ARTIFACTS / "payment-receipt.pdf"),
                str(ARTIFACTS / "payment-receipt"),
            ],
            check=True,
        )
        assert (ARTIFACTS / "payment-receipt.png").stat().st_size > 10_000


def test_receipt_download_only_for_who_may_see_the_order(
    client: Client, order: FeeOrder, clerk: Any, citizen: Any, other_citizen: Any, other_dept_approver: Any
) -> None:
    payment = settlement.record_window_payment(
        actor=clerk, order=order, method="cash", receipt_no="SJ-5", amount="20"
    )
    url = reverse("payments:receipt", args=[order.payment_code, payment.receipt_no])
    client.force_login(citizen)
    response = client.get(url + "?download=1")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    for outsider in (other_citizen, other_dept_approver):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.force_login(clerk)
    assert (
        client.get(
            reverse("payments:staff_receipt", args=[order.payment_code, payment.receipt_no])
        ).status_code
        == 200
    )
