"""Publications: the review step, index numbers, withdrawal, search and who sees drafts."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govhall.core.audit import verify_chain
from govhall.core.calendar import SHANGHAI
from govhall.core.errors import Conflict, DomainError, PermissionDenied
from govhall.core.models import AuditEvent
from govhall.disclosure import numbering, search, selectors, services
from govhall.disclosure.filters import PublicationFilters
from govhall.disclosure.models import ConfidentialityReview, Publication, SearchTerm
from govhall.disclosure.tests import factories as f

pytestmark = pytest.mark.django_db


def _titles(page: Any) -> list[str]:
    return [p.title for p in page.object_list]


def test_review_is_recorded_and_required_before_publishing(
    dept_a: Any, clerk: Any, reviewer: Any, approver: Any
) -> None:
    publication = f.draft(dept_a, clerk)
    with pytest.raises(Conflict):
        services.publish(actor=approver, publication=publication)
    services.submit_for_review(actor=clerk, publication=publication)
    with pytest.raises(DomainError) as missing:
        services.review(actor=reviewer, publication=publication, conclusion="revise")
    assert missing.value.code == "opinion_required"
    services.review(
        actor=reviewer, publication=publication, conclusion="revise", opinion="删去第三条中的个人电话"
    )
    publication.refresh_from_db()
    assert publication.status == Publication.Status.DRAFT
    services.update_draft(actor=clerk, publication=publication, body="已删去个人电话的正文。")
    services.submit_for_review(actor=clerk, publication=publication)
    services.review(actor=reviewer, publication=publication, conclusion="cleared", opinion="不涉及国家秘密")
    services.publish(actor=approver, publication=publication)
    reviews = list(
        ConfidentialityReview.objects.filter(publication=publication).values_list(
            "reviewer__username", "conclusion"
        )
    )
    assert reviews == [("reviewer", "revise"), ("reviewer", "cleared")]
    actions = list(
        AuditEvent.objects.filter(
            object_id=str(publication.pk), object_type="disclosure.publication"
        ).values_list("action", flat=True)
    )
    assert actions == [
        "disclosure.publication_drafted",
        "disclosure.publication_submitted",
        "disclosure.publication_reviewed",
        "disclosure.publication_edited",
        "disclosure.publication_submitted",
        "disclosure.publication_reviewed",
        "disclosure.publication_published",
    ]
    assert verify_chain().ok


def test_drafter_cannot_review_own_draft_and_clerk_cannot_publish(
    dept_a: Any, reviewer: Any, approver: Any, clerk: Any
) -> None:
    publication = f.draft(dept_a, reviewer)
    services.submit_for_review(actor=reviewer, publication=publication)
    with pytest.raises(PermissionDenied):
        services.review(actor=reviewer, publication=publication, conclusion="cleared")
    with pytest.raises(PermissionDenied):
        services.review(actor=clerk, publication=publication, conclusion="cleared")
    services.review(actor=approver, publication=publication, conclusion="cleared")
    with pytest.raises(PermissionDenied):
        services.publish(actor=clerk, publication=publication)


def test_other_department_cannot_draft_or_publish(
    dept_a: Any, clerk: Any, reviewer: Any, other_dept_approver: Any
) -> None:
    with pytest.raises(PermissionDenied):
        f.draft(dept_a, other_dept_approver)
    publication = f.draft(dept_a, clerk)
    services.submit_for_review(actor=clerk, publication=publication)
    services.review(actor=reviewer, publication=publication, conclusion="cleared")
    with pytest.raises(PermissionDenied):
        services.publish(actor=other_dept_approver, publication=publication)


def test_index_numbers_unique_and_gapless_per_department_and_year(
    dept_a: Any, clerk: Any, reviewer: Any, approver: Any
) -> None:
    at_2025 = datetime(2025, 12, 31, 23, 30, tzinfo=SHANGHAI)
    at_2026 = datetime(2026, 1, 1, 0, 30, tzinfo=SHANGHAI)
    numbers = [
        f.published(dept_a, clerk, reviewer, approver, title=f"公告{i}", category=cat, at=at).index_number
        for i, (cat, at) in enumerate(
            [("02", at_2025), ("03", at_2025), ("02", at_2026), ("04", at_2026), ("02", at_2026)]
        )
    ]
    uscc = dept_a.uscc
    assert numbers == [
        f"{uscc}/02-2025-00001",
        f"{uscc}/03-2025-00002",
        f"{uscc}/02-2026-00001",
        f"{uscc}/04-2026-00002",
        f"{uscc}/02-2026-00003",
    ]
    assert all(numbering.INDEX_NUMBER.match(n or "") for n in numbers)


def test_a_publish_that_rolls_back_returns_its_number(
    dept_a: Any, clerk: Any, reviewer: Any, approver: Any
) -> None:
    first = f.published(dept_a, clerk, reviewer, approver, title="第一件")
    second = f.draft(dept_a, clerk, title="第二件")
    services.submit_for_review(actor=clerk, publication=second)
    services.review(actor=reviewer, publication=second, conclusion="cleared")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.publish(actor=approver, publication=second)
        raise RuntimeError("the surrounding work failed")
    second.refresh_from_db()
    assert second.status == Publication.Status.CLEARED and second.index_number is None
    second = services.publish(actor=approver, publication=second)
    assert second.index_sequence == (first.index_sequence or 0) + 1


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(categories=st.lists(st.sampled_from(["01", "02", "03", "08"]), min_size=1, max_size=6))
def test_sequential_publishing_has_no_gaps(
    categories: list[str], dept_a: Any, clerk: Any, reviewer: Any, approver: Any
) -> None:
    start = Publication.objects.filter(department=dept_a, index_year=2026).count()
    at = datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)
    for category in categories:
        f.published(dept_a, clerk, reviewer, approver, category=category, at=at)
    sequences = sorted(
        Publication.objects.filter(department=dept_a, index_year=2026).values_list(
            "index_sequence", flat=True
        )
    )
    assert sequences == list(range(1, start + len(categories) + 1))
    numbers = list(Publication.objects.filter(department=dept_a).values_list("index_number", flat=True))
    assert len(numbers) == len(set(numbers))


def test_withdrawn_stays_in_the_record_marked(dept_a: Any, clerk: Any, reviewer: Any, approver: Any) -> None:
    publication = f.published(
        dept_a,
        clerk,
        reviewer,
        approver,
        title="云浮市食品小作坊登记管理办法",
        body="小作坊应当依法取得登记证。",
    )
    number = publication.index_number
    with pytest.raises(DomainError):
        services.withdraw(actor=approver, publication=publication, reason="  ")
    services.withdraw(actor=approver, publication=publication, reason="已被新办法替代")
    publication.refresh_from_db()
    assert publication.status == Publication.Status.WITHDRAWN
    assert publication.index_number == number and publication.withdrawal_reason == "已被新办法替代"
    # Still listed and found by its title; its body is no longer searchable or shown to the public.
    page = selectors.public_publications(PublicationFilters())
    assert [(p.title, p.is_withdrawn) for p in page.object_list] == [("云浮市食品小作坊登记管理办法", True)]
    assert _titles(selectors.public_publications(PublicationFilters(q="小作坊登记"))) == [
        "云浮市食品小作坊登记管理办法"
    ]
    assert not SearchTerm.objects.filter(object_id=publication.pk, term="登记证").exists()
    assert not selectors.may_read_body(None, publication)
    assert selectors.may_read_body(clerk, publication)
    with pytest.raises(Conflict):
        services.withdraw(actor=approver, publication=publication, reason="再撤一次")


def test_drafts_are_not_visible_publicly(
    dept_a: Any, clerk: Any, reviewer: Any, citizen: Any, other_dept_approver: Any
) -> None:
    publication = f.draft(dept_a, clerk, title="尚未发布的草稿")
    services.submit_for_review(actor=clerk, publication=publication)
    services.review(actor=reviewer, publication=publication, conclusion="cleared")
    for user in (None, citizen, other_dept_approver):
        assert not selectors.visible_publications(user).filter(pk=publication.pk).exists()
        with pytest.raises(DomainError):
            selectors.get_publication(user, publication.pk)
    assert selectors.get_publication(clerk, publication.pk) == publication
    assert _titles(selectors.public_publications(PublicationFilters(q="草稿"), clerk)) == []


def test_search_ranks_title_over_body_and_filters(
    dept_a: Any, dept_b: Any, clerk: Any, reviewer: Any, approver: Any, other_dept_approver: Any
) -> None:
    at = datetime(2026, 4, 1, 9, tzinfo=SHANGHAI)
    f.published(
        dept_a,
        clerk,
        reviewer,
        approver,
        title="2026年食品安全抽检计划",
        category="03",
        at=at,
        body="全年计划抽检食品三千批次。",
        topic="08",
    )
    f.published(
        dept_a,
        clerk,
        reviewer,
        approver,
        title="市场监管局2025年部门决算",
        category="04",
        at=datetime(2026, 6, 1, 9, tzinfo=SHANGHAI),
        body="其中食品安全监管支出一百万元。",
        topic="03",
    )
    titles = _titles(selectors.public_publications(PublicationFilters(q="食品安全")))
    assert titles == ["2026年食品安全抽检计划", "市场监管局2025年部门决算"]
    assert _titles(selectors.public_publications(PublicationFilters(q="食品安全", topic="03"))) == [
        "市场监管局2025年部门决算"
    ]
    category = services.category_by_code("03")
    assert _titles(selectors.public_publications(PublicationFilters(category=category))) == [
        "2026年食品安全抽检计划"
    ]
    june = PublicationFilters(date_from=datetime(2026, 5, 1).date(), date_to=datetime(2026, 6, 1).date())
    assert _titles(selectors.public_publications(june)) == ["市场监管局2025年部门决算"]
    assert _titles(selectors.public_publications(PublicationFilters(department=dept_b))) == []
    # Traditional characters and the document number find the same record.
    assert (
        _titles(selectors.public_publications(PublicationFilters(q="食品安全抽檢計劃")))[0]
        == "2026年食品安全抽检计划"
    )


def test_document_and_index_numbers_are_searchable(
    dept_a: Any, clerk: Any, reviewer: Any, approver: Any
) -> None:
    publication = f.published(
        dept_a,
        clerk,
        reviewer,
        approver,
        title="关于印发监管办法的通知",
        document_number="云市监〔2026〕12号",
    )
    hits = search.search("云市监〔2026〕12号", kinds=["publication"])
    assert hits and hits[0].object_id == publication.pk
    hits = search.search(publication.index_number or "", kinds=["publication"])
    assert hits and hits[0].object_id == publication.pk
    assert re.match(r"^[0-9A-Z]{18}/02-\d{4}-00001$", publication.index_number or "")


def test_department_catalogue_counts_and_own_heading(
    dept_a: Any, clerk: Any, reviewer: Any, approver: Any, department_admin: Any
) -> None:
    food = services.add_category(
        actor=department_admin,
        department=dept_a,
        code="0801",
        name="食品安全",
        parent=services.category_by_code("08"),
    )
    f.published(dept_a, clerk, reviewer, approver, title="食品安全信息公告", category="0801")
    f.published(dept_a, clerk, reviewer, approver, title="机构职能", category="01")
    headings = {h.category.code: h for h in selectors.department_catalogue(dept_a)}
    assert headings["08"].count == 1 and headings["08"].children[0].category == food
    assert headings["01"].count == 1 and headings["02"].count == 0
    publication = Publication.objects.get(title="食品安全信息公告")
    assert "/0801-" in (publication.index_number or "")
