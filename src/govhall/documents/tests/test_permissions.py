"""Persona tests: who must NOT see or do a thing with official documents."""

from __future__ import annotations

from typing import Any

import pytest

from govhall.core.errors import DomainError
from govhall.documents import exchange, handling, selectors, services
from govhall.documents.models import Distribution, Document, Secrecy
from govhall.documents.tests import factories as f

pytestmark = pytest.mark.django_db


def test_only_the_leader_signs_off(
    dept_a: Any, clerk: Any, reviewer: Any, approver: Any, other_dept_approver: Any
) -> None:
    document = f.draft(dept_a, clerk)
    services.submit_for_signoff(actor=clerk, document=document)
    for person in (clerk, reviewer, other_dept_approver):
        with pytest.raises(DomainError) as caught:
            services.sign_off(actor=person, document=document)
        assert caught.value.status == 403
    document.refresh_from_db()
    assert document.status == Document.Status.AWAITING_SIGNOFF and document.document_number is None
    assert services.sign_off(actor=approver, document=document).document_number


def test_department_admin_signs_off_too(dept_a: Any, clerk: Any, department_admin: Any) -> None:
    assert f.signed(dept_a, clerk, department_admin).status == Document.Status.SIGNED


def test_clerk_of_a_unit_not_on_the_distribution_cannot_open_it(
    dept_a: Any,
    dept_b: Any,
    county_dept: Any,
    other_county_dept: Any,
    clerk: Any,
    approver: Any,
    county_clerk: Any,
    other_county_clerk: Any,
    supervisor: Any,
    platform_admin: Any,
    citizen: Any,
) -> None:
    document = f.signed(dept_a, clerk, approver)
    exchange.send(actor=clerk, document=document, units=[county_dept])
    assert selectors.open_document(county_clerk, document.pk) == document
    for outsider in (other_county_clerk, supervisor, platform_admin, citizen):
        with pytest.raises(DomainError) as caught:
            selectors.open_document(outsider, document.pk)
        assert caught.value.status == 404
        assert not selectors.inbox(outsider).exists()
    copy = Distribution.objects.get(document=document)
    with pytest.raises(DomainError):
        exchange.sign_for(actor=other_county_clerk, copy=copy)
    # Drafts are not seen by the would-be receivers either.
    draft = f.draft(dept_a, clerk, title="尚未签发")
    with pytest.raises(DomainError):
        selectors.open_document(county_clerk, draft.pk)


def test_unit_without_clearance_cannot_receive_a_secret_document(
    dept_a: Any, dept_b: Any, county_dept: Any, clerk: Any, approver: Any
) -> None:
    f.authority(dept_b, clearance=Secrecy.SECRET)
    document = f.signed(dept_a, clerk, approver, secrecy=Secrecy.SECRET, secrecy_period="1年")
    with pytest.raises(DomainError) as caught:
        exchange.send(actor=clerk, document=document, units=[dept_b, county_dept])
    assert caught.value.code == "unit_not_cleared" and caught.value.details["units"] == [county_dept.pk]
    assert not Distribution.objects.filter(document=document).exists()
    result = exchange.send(actor=clerk, document=document, units=[dept_b])
    assert result.sent == 1
    assert Distribution.objects.get(document=document).copy_number == "000001"
    confidential = f.signed(
        dept_a, clerk, approver, title="机密件", secrecy=Secrecy.CONFIDENTIAL, secrecy_period="10年"
    )
    with pytest.raises(DomainError):
        exchange.send(actor=clerk, document=confidential, units=[dept_b])


def test_secret_copy_is_not_read_by_ordinary_staff_of_the_unit(
    dept_a: Any, dept_b: Any, clerk: Any, approver: Any, reviewer: Any, department_admin: Any
) -> None:
    # dept_a receives a secret document from dept_b: its reviewer (ordinary staff) may not read it.
    from govhall.testing import personas

    f.authority(dept_a, clearance=Secrecy.SECRET)
    other_clerk = personas.staff("other_dept_approver")
    document = f.signed(dept_b, other_clerk, other_clerk, secrecy=Secrecy.SECRET, secrecy_period="6个月")
    exchange.send(actor=other_clerk, document=document, units=[dept_a])
    for reader in (clerk, approver, department_admin):
        assert selectors.open_document(reader, document.pk) == document
    with pytest.raises(DomainError):
        selectors.open_document(reviewer, document.pk)
    copy = Distribution.objects.get(document=document)
    with pytest.raises(DomainError):
        exchange.sign_for(actor=reviewer, copy=copy)
    exchange.sign_for(actor=clerk, copy=copy)
    with pytest.raises(DomainError) as caught:
        handling.advance(actor=clerk, copy=copy, stage="instructed", opinion="批办")
    assert caught.value.status == 403


def test_countersigning_department_only_decides_its_own(
    dept_a: Any, dept_b: Any, county_dept: Any, clerk: Any, county_clerk: Any, other_dept_approver: Any
) -> None:
    document = f.draft(dept_a, clerk)
    [row] = services.request_countersign(actor=clerk, document=document, departments=[dept_b])
    with pytest.raises(DomainError):
        services.countersign(actor=county_clerk, countersign=row, agree=True)
    with pytest.raises(DomainError):
        services.countersign(actor=clerk, countersign=row, agree=True)
    assert selectors.open_document(other_dept_approver, document.pk) == document
    with pytest.raises(DomainError):
        selectors.open_document(county_clerk, document.pk)


def test_receiving_unit_cannot_send_or_edit(
    dept_a: Any, dept_b: Any, clerk: Any, approver: Any, other_dept_approver: Any
) -> None:
    document = f.signed(dept_a, clerk, approver)
    exchange.send(actor=clerk, document=document, units=[dept_b])
    with pytest.raises(DomainError):
        exchange.send(actor=other_dept_approver, document=document, units=[dept_b])
    with pytest.raises(DomainError):
        services.update_draft(actor=other_dept_approver, document=document, title="改")
