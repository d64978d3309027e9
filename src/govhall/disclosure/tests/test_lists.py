"""The lists and penalty decisions: masking, the publication window, take-down on schedule, search."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from govhall.catalog.tests import factories as catalog_factories
from govhall.core.calendar import SHANGHAI
from govhall.core.crypto import decrypt_text
from govhall.core.errors import DomainError, PermissionDenied
from govhall.core.models import AuditEvent
from govhall.disclosure import list_services, search, selectors
from govhall.disclosure.models import PenaltyDecision, SearchTerm
from govhall.testing.factories import random_id_number, random_uscc

pytestmark = pytest.mark.django_db


def penalty(dept: Any, actor: Any, **extra: Any) -> PenaltyDecision:
    values: dict[str, Any] = {
        "decision_number": "云市监罚〔2026〕15号",
        "party_kind": "natural",
        "party_name": "王小明",
        "party_id_number": random_id_number("445302"),
        "violation": "销售超过保质期的食品",
        "basis": "《中华人民共和国食品安全法》第一百二十四条第一款",
        "penalty": "没收违法所得，罚款五万元",
        "fine_amount": Decimal("50000"),
        "decided_on": date(2026, 9, 28),
    }
    values.update(extra)
    return list_services.record_penalty(actor=actor, department=dept, **values)


def test_natural_persons_are_masked_and_never_found_by_name(dept_a: Any, clerk: Any, approver: Any) -> None:
    decision = penalty(dept_a, clerk)
    assert decision.party_public_name == "王**"
    assert decision.party_id_masked.startswith("445302") and decision.party_id_masked.endswith("*" * 12)
    assert decrypt_text(decision.party_name_encrypted) == "王小明"
    list_services.publish_penalty(
        actor=approver, decision=decision, at=datetime(2026, 9, 30, 9, tzinfo=SHANGHAI)
    )
    assert not SearchTerm.objects.filter(kind="penalty", term__in=["王小明", "小明"]).exists()
    assert search.search("王小明", kinds=["penalty"]) == []
    assert [hit.object_id for hit in search.search("保质期食品", kinds=["penalty"])] == [decision.pk]
    # An individual business is named, its operator masked; a company is named in full.
    shop = penalty(
        dept_a,
        clerk,
        decision_number="云市监罚〔2026〕16号",
        party_kind="individual",
        party_name="云城区李记烧腊店",
        party_code=random_uscc("445302", "92"),
        legal_representative="李大文",
    )
    assert (shop.party_public_name, shop.legal_representative) == ("云城区李记烧腊店", "李**")
    company = penalty(
        dept_a,
        clerk,
        decision_number="云市监罚〔2026〕17号",
        party_kind="legal",
        party_name="云浮市某某食品有限公司",
        party_code=random_uscc("445302", "91"),
        legal_representative="陈志强",
    )
    assert (company.party_public_name, company.legal_representative) == ("云浮市某某食品有限公司", "陈志强")
    assert (
        list_services.mask_person_name("欧阳娜娜") == "欧***"
        and list_services.mask_person_name("张三") == "张*"
    )


def test_publication_window_and_late_publication(dept_a: Any, clerk: Any, approver: Any) -> None:
    # Decided Mon 28 Sep 2026: 7 working days run over National Day (and its make-up Saturday) to 13 Oct.
    decision = penalty(dept_a, clerk)
    assert decision.publish_due_at == datetime(2026, 10, 13, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    assert (
        list_services.sweep_penalties(now=datetime(2026, 10, 13, 20, tzinfo=SHANGHAI))["publication_overdue"]
        == 0
    )
    assert (
        list_services.sweep_penalties(now=datetime(2026, 10, 14, 9, tzinfo=SHANGHAI))["publication_overdue"]
        == 1
    )
    assert (
        list_services.sweep_penalties(now=datetime(2026, 10, 15, 9, tzinfo=SHANGHAI))["publication_overdue"]
        == 0
    )
    published = list_services.publish_penalty(
        actor=approver, decision=decision, at=datetime(2026, 10, 15, 10, tzinfo=SHANGHAI)
    )
    assert published.published_late and published.public_until == datetime(2029, 10, 15, 10, tzinfo=SHANGHAI)


def test_taken_down_when_the_publicity_period_ends(dept_a: Any, clerk: Any, approver: Any) -> None:
    warning = penalty(dept_a, clerk, decision_number="云市监罚〔2026〕20号", penalty="警告", fine_amount=None)
    assert warning.publicity_months == 3
    heavy = penalty(dept_a, clerk, decision_number="云市监罚〔2026〕21号")
    assert heavy.publicity_months == 36
    for decision in (warning, heavy):
        list_services.publish_penalty(
            actor=approver, decision=decision, at=datetime(2026, 9, 30, 9, tzinfo=SHANGHAI)
        )
    assert {p.decision_number for p in selectors.public_penalties().object_list} == {
        "云市监罚〔2026〕20号",
        "云市监罚〔2026〕21号",
    }
    assert list_services.sweep_penalties(now=datetime(2026, 12, 30, 9, tzinfo=SHANGHAI))["withdrawn"] == 1
    warning.refresh_from_db()
    assert warning.status == PenaltyDecision.Status.WITHDRAWN and warning.withdrawal_kind == "expired"
    assert [p.decision_number for p in selectors.public_penalties().object_list] == ["云市监罚〔2026〕21号"]
    assert search.search("警告", kinds=["penalty"]) == []
    assert (
        AuditEvent.objects.filter(
            action="disclosure.penalty_withdrawn", actor_label="disclosure.sweep"
        ).count()
        == 1
    )
    # The record stays for the department; the public no longer sees it.
    assert selectors.get_penalty(clerk, warning.pk) == warning
    with pytest.raises(DomainError):
        selectors.get_penalty(None, warning.pk)


def test_changed_decision_is_withdrawn_with_its_reason(
    dept_a: Any, clerk: Any, approver: Any, other_dept_approver: Any
) -> None:
    decision = list_services.publish_penalty(actor=approver, decision=penalty(dept_a, clerk))
    with pytest.raises(PermissionDenied):
        list_services.withdraw_penalty(
            actor=other_dept_approver, decision=decision, kind="changed", reason="复议撤销"
        )
    with pytest.raises(DomainError):
        list_services.withdraw_penalty(actor=approver, decision=decision, kind="changed")
    list_services.withdraw_penalty(actor=approver, decision=decision, kind="changed", reason="经行政复议撤销")
    decision.refresh_from_db()
    assert decision.withdrawal_reason == "经行政复议撤销"


def test_lists_publish_and_search(
    dept_a: Any, clerk: Any, approver: Any, platform_admin: Any, citizen: Any
) -> None:
    item = catalog_factories.published_item(dept_a, name="食品经营许可")
    duty = list_services.create_responsibility(
        actor=clerk,
        department=dept_a,
        duty="负责食品经营许可和监督管理",
        tasks="依法核发食品经营许可证，组织开展监督检查。",
        accountability="违法发放许可的，依法追究责任。",
        related_items=[item],
    )
    entry = list_services.create_negative_entry(
        actor=platform_admin,
        edition="2025年版",
        kind="licensed",
        number="105",
        industry="住宿和餐饮业",
        name="未获得许可，不得从事食品生产经营",
        measures="食品生产、食品销售、餐饮服务许可",
        basis="《中华人民共和国食品安全法》",
    )
    with pytest.raises(PermissionDenied):  # a department does not edit the national negative list
        list_services.create_negative_entry(
            actor=clerk,
            edition="2025年版",
            kind="prohibited",
            number="1",
            industry="x",
            name="x",
            measures="x",
        )
    fund = list_services.create_fund(
        actor=clerk,
        name="2026年食品安全监管专项资金",
        year=2026,
        amount=Decimal("320.50"),
        department=dept_a,
        purpose="食品安全抽检和快检",
        recipients_summary="各县（市、区）市场监管局共5个单位",
    )
    assert selectors.responsibilities(citizen).paginator.count == 0  # drafts are not public
    for record in (duty, entry, fund):
        with pytest.raises(PermissionDenied):
            list_services.publish_entry(actor=citizen, entry=record)
    list_services.publish_entry(actor=approver, entry=duty)
    list_services.publish_entry(actor=platform_admin, entry=entry)
    list_services.publish_entry(actor=approver, entry=fund)
    assert [d.duty for d in selectors.responsibilities(None, q="食品经营许可").object_list] == [duty.duty]
    assert [e.number for e in selectors.negative_entries(None, q="餐饮服务").object_list] == ["105"]
    assert [x.name for x in selectors.funds(None, q="快检").object_list] == [fund.name]
    list_services.withdraw_entry(actor=approver, entry=fund, reason="资金已统筹调整")
    assert selectors.funds(None).paginator.count == 0
