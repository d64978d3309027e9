"""Result records, decision letters (PDF), downloads, delivery and the licence hook."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from govhall.cases import delivery, handling, results
from govhall.cases.models import Case, CaseResult, Task
from govhall.cases.tests.helpers import submitted
from govhall.core.errors import DomainError, NotFound

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"


def open_task(case: Case, kind: str) -> Task:
    return case.tasks.get(step_kind=kind, status__in=[Task.Status.OPEN, Task.Status.CLAIMED])


def decide(case: Case, reviewer: Any, approver: Any, clerk: Any, *, action: str, opinion: str) -> Case:
    handling.accept_case(actor=clerk, case=case)
    handling.complete_task(actor=reviewer, task=open_task(case, "review"), action=action, opinion="经审查")
    handling.complete_task(actor=approver, task=open_task(case, "decide"), action=action, opinion=opinion)
    case.refresh_from_db()
    return case


@pytest.fixture
def approved(
    citizen: Any,
    item: Any,
    clerk: Any,
    reviewer: Any,
    approver: Any,
    clock: Any,
    django_capture_on_commit_callbacks: Any,
) -> Case:
    clock("2026-11-20 09:30")
    case = submitted(citizen, item).case
    clock("2026-11-23 10:00")
    with django_capture_on_commit_callbacks(execute=True):
        return decide(case, reviewer, approver, clerk, action="approve", opinion="同意许可。")


def pdf_text(data: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    source = tmp_path / "letter.pdf"
    source.write_bytes(data)
    text = subprocess.run(["pdftotext", str(source), "-"], check=True, capture_output=True, text=True).stdout
    # Lines wrap anywhere in Chinese text; compare without the breaks.
    return "".join(text.split())


def test_decision_produces_a_stored_letter(approved: Case, tmp_path: Path) -> None:
    result = CaseResult.objects.get(case=approved)
    assert result.document_no == "SCJG准许字〔2026〕1120000001号"
    assert (result.title, result.decision) == ("准予行政许可决定书", "approved")
    assert result.is_generated and result.generated_at is not None
    data = result.document.read()
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == result.sha256
    assert result.size == len(data)
    assert result.document.name.startswith("results/") and "SCJG" not in result.document.name
    # The CJK face travels inside the file: a subset of Noto Serif CJK as TrueType.
    assert b"/FontFile2" in data and b"NotoSerifCJK" in data
    text = pdf_text(data, tmp_path)
    for expected in (
        "云浮市市场监督管理局",
        "准予行政许可决定书",
        "申请人：张三",
        "20261120-SCJG-000001",
        "《中华人民共和国行政许可法》第三十八条第一款",
        "本机关决定准予行政许可",
        "审批意见：同意许可。",
        "2026年11月23日",
    ):
        assert expected in text, expected
    assert approved.applicant.id_number not in text  # the ID number is masked
    assert approved.applicant.id_number_masked in text
    kinds = list(approved.events.values_list("kind", flat=True))
    assert kinds[-2:] == ["decided", "result_generated"]


def test_generation_is_idempotent(approved: Case) -> None:
    result = CaseResult.objects.get(case=approved)
    again = results.generate_document(result.pk)
    assert (again.document.name, again.sha256) == (result.document.name, result.sha256)
    assert approved.events.filter(kind="result_generated").count() == 1


def test_denial_letter_gives_reasons_and_remedies(
    citizen: Any, item: Any, clerk: Any, reviewer: Any, approver: Any, tmp_path: Path
) -> None:
    case = decide(
        submitted(citizen, item).case,
        reviewer,
        approver,
        clerk,
        action="deny",
        opinion="经营场所与申请材料不符",
    )
    # The task has not run (no commit in this test): the first reader renders the letter.
    result = results.result_file_for(citizen, case)
    assert result.title == "不予行政许可决定书" and result.document_no.startswith("SCJG不许字〔")
    text = pdf_text(result.document.read(), tmp_path)
    assert "理由如下：经营场所与申请材料不符。" in text
    assert "云浮市人民政府申请行政复议" in text and "提起行政诉讼" in text


def test_letter_renders_as_an_a4_page(approved: Case, tmp_path: Path) -> None:
    """Renders the letter to PNG (test-artifacts/decision-letter-1.png) for people to look at."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    source = tmp_path / "letter.pdf"
    source.write_bytes(CaseResult.objects.get(case=approved).document.read())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    prefix = ARTIFACTS / "decision-letter"
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(source), str(prefix)], check=True)
    pages = sorted(ARTIFACTS.glob("decision-letter-*.png"))
    assert [p.name for p in pages] == ["decision-letter-1.png"]  # one page
    info = subprocess.run(["pdfinfo", str(source)], check=True, capture_output=True, text=True).stdout
    assert "595.276 x 841.89 pts (A4)" in info


def test_only_who_may_see_the_case_gets_the_letter(
    approved: Case, client: Client, citizen: Any, other_citizen: Any, other_dept_approver: Any, approver: Any
) -> None:
    url = reverse("cases-result-pdf", args=[approved.case_no])
    assert client.get(url).status_code == 404  # anonymous
    for outsider in (other_citizen, other_dept_approver):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        with pytest.raises(NotFound):
            results.result_file_for(outsider, approved)
    client.force_login(approver)
    assert client.get(url).status_code == 200
    assert not approved.events.filter(kind="result_downloaded").exists()  # staff reading is not delivery
    client.force_login(citizen)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    client.get(url)
    assert approved.events.filter(kind="result_downloaded").count() == 1
    assert client.get(reverse("cases-result-pdf", args=["20990101-SCJG-000001"])).status_code == 404


def test_result_api(approved: Case, client: Client, citizen: Any, other_citizen: Any) -> None:
    client.force_login(citizen)
    body = client.get(f"/api/v1/cases/{approved.case_no}/result").json()
    assert body["document_no"] == "SCJG准许字〔2026〕1120000001号" and body["generated"] is True
    pdf = client.get(body["document_url"])
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    client.force_login(other_citizen)
    assert client.get(f"/api/v1/cases/{approved.case_no}/result").status_code == 404


def test_delivery_by_post_then_completion(approved: Case, clerk: Any, reviewer: Any, citizen: Any) -> None:
    with pytest.raises(DomainError) as no_tracking:
        delivery.deliver_result(actor=clerk, case=approved, method="post")
    assert no_tracking.value.code == "tracking_number_required"
    with pytest.raises(DomainError) as forbidden:
        delivery.deliver_result(actor=reviewer, case=approved, method="counter")
    assert forbidden.value.status == 403
    result = delivery.deliver_result(
        actor=clerk, case=approved, method="post", tracking_number="sf1234567890"
    )
    assert (result.delivery_method, result.tracking_number) == ("post", "SF1234567890")
    approved.refresh_from_db()
    assert approved.status == Case.Status.COMPLETED
    assert list(approved.events.values_list("kind", flat=True))[-2:] == ["result_delivered", "completed"]
    # A retried request changes nothing; a different delivery is refused.
    again = delivery.deliver_result(actor=clerk, case=approved, method="post", tracking_number="SF1234567890")
    assert again.delivered_at == result.delivered_at
    with pytest.raises(DomainError) as twice:
        delivery.deliver_result(actor=clerk, case=approved, method="counter")
    assert twice.value.code == "result_already_delivered"
    message = citizen.messages.get(event="case.result_delivered")
    assert "邮寄单号：SF1234567890" in message.body


def test_licence_hook_runs_on_approval_only(
    citizen: Any, other_citizen: Any, item: Any, clerk: Any, reviewer: Any, approver: Any
) -> None:
    calls: list[tuple[str, str]] = []

    def hook(case: Case, result: CaseResult) -> None:
        calls.append((case.case_no or "", result.document_no))

    results.register_result_hook(hook)
    try:
        approved = decide(
            submitted(citizen, item).case, reviewer, approver, clerk, action="approve", opinion="同意"
        )
        decide(
            submitted(other_citizen, item).case,
            reviewer,
            approver,
            clerk,
            action="deny",
            opinion="不符合条件",
        )
    finally:
        results.unregister_result_hook(hook)
    assert calls == [(approved.case_no, approved.result.document_no)]


def test_a_failing_licence_hook_rolls_the_decision_back(
    citizen: Any, item: Any, clerk: Any, reviewer: Any, approver: Any
) -> None:
    def hook(case: Case, result: CaseResult) -> None:
        raise RuntimeError("licence library down")

    case = submitted(citizen, item).case
    handling.accept_case(actor=clerk, case=case)
    handling.complete_task(actor=reviewer, task=open_task(case, "review"), action="approve")
    results.register_result_hook(hook)
    try:
        with pytest.raises(RuntimeError):
            handling.complete_task(
                actor=approver, task=open_task(case, "decide"), action="approve", opinion="同意"
            )
    finally:
        results.unregister_result_hook(hook)
    case.refresh_from_db()
    assert case.decision == "" and not CaseResult.objects.filter(case=case).exists()
