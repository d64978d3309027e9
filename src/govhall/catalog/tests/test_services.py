from __future__ import annotations

import pytest

from govhall.catalog import selectors, services
from govhall.catalog.codes import build_basic_code
from govhall.catalog.models import ItemVersion, SearchTerm, ServiceItem
from govhall.catalog.tests import factories as f
from govhall.core import permissions
from govhall.core.errors import Conflict, DomainError, PermissionDenied
from govhall.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_life_cycle_draft_review_published_with_audit() -> None:
    dept = f.department()
    admin = f.staff(dept)
    version = services.create_item(
        actor=admin,
        department=dept,
        level="city",
        basic_code=build_basic_code(kind="01", main=7),
        content=f.content(),
    )
    item = version.item
    assert item.implementation_code == f"{dept.uscc}3{item.basic_code}" and item.kind == "01"
    assert version.status == ItemVersion.Status.DRAFT and item.current_version is None
    assert version.star_level == 4  # online submission, one trip, originals checked at the end
    with pytest.raises(Conflict):
        services.publish(actor=admin, version=version)  # not reviewed yet
    services.submit_for_review(actor=admin, version=version)
    services.publish(actor=admin, version=version)
    item.refresh_from_db()
    assert item.current_version_id == version.pk
    assert SearchTerm.objects.filter(item=item, term="开饭店").exists()
    actions = list(
        AuditEvent.objects.filter(object_type__startswith="catalog.").values_list("action", flat=True)
    )
    assert actions == ["catalog.item.created", "catalog.version.submitted", "catalog.version.published"]


def test_publishing_a_change_leaves_the_old_version_for_cases_filed_under_it() -> None:
    item = f.published_item(popularity=3)
    old = item.current_version
    assert old is not None
    admin = f.staff(item.department)
    filed_under = old.pk  # what a case stores: the version it was filed under
    draft = services.start_revision(actor=admin, item=item, change_note="时限压缩")
    assert draft.number == 2 and [m.name for m in draft.materials.all()] == [
        m.name for m in old.materials.all()
    ]
    changed = f.content(promised_days=5, trips=0, online_depth=4, original_check="none")
    services.update_draft(actor=admin, version=draft, content=changed)
    services.submit_for_review(actor=admin, version=draft)
    services.publish(actor=admin, version=draft)

    item.refresh_from_db()
    old = ItemVersion.objects.get(pk=filed_under)
    assert item.current_version_id == draft.pk and item.current_version.star_level == 5  # type: ignore[union-attr]
    assert old.status == ItemVersion.Status.SUPERSEDED
    assert (old.promised_days, old.trips, old.star_level) == (10, 1, 4)
    assert old.materials.count() == 3 and old.faqs.count() == 1


def test_only_drafts_change_and_one_open_draft_per_item() -> None:
    item = f.published_item()
    admin = f.staff(item.department)
    with pytest.raises(Conflict):
        services.update_draft(actor=admin, version=item.current_version, content=f.content())  # type: ignore[arg-type]
    services.start_revision(actor=admin, item=item)
    with pytest.raises(Conflict):
        services.start_revision(actor=admin, item=item)


def test_department_admin_maintains_only_own_department() -> None:
    own, other = f.department("AAA"), f.department("BBB")
    admin_a = f.staff(own)
    item_b = f.published_item(other)
    with pytest.raises(PermissionDenied):
        services.start_revision(actor=admin_a, item=item_b)
    with pytest.raises(PermissionDenied):
        services.withdraw(actor=admin_a, item=item_b, reason="x")
    with pytest.raises(PermissionDenied):
        services.create_item(
            actor=admin_a,
            department=other,
            level="city",
            basic_code=build_basic_code(kind="01", main=9),
            content=f.content(),
        )
    assert not selectors.maintainable_items(admin_a).filter(pk=item_b.pk).exists()
    # A platform admin maintains any department's items.
    services.start_revision(actor=f.platform_admin(), item=item_b)


@pytest.mark.parametrize("persona", ["citizen", "clerk", "anonymous"])
def test_citizens_clerks_and_anonymous_cannot_edit(persona: str) -> None:
    from django.contrib.auth.models import AnonymousUser

    item = f.published_item()
    actor = {
        "citizen": lambda: f.user(),
        "clerk": lambda: f.staff(item.department, role="window_clerk"),
        "anonymous": AnonymousUser,
    }[persona]()
    with pytest.raises(PermissionDenied):
        services.start_revision(actor=actor, item=item)
    assert not permissions.can_act(actor, item, "edit")


def test_anonymous_sees_only_published() -> None:
    from django.contrib.auth.models import AnonymousUser

    dept = f.department()
    admin = f.staff(dept)
    published = f.published_item(dept, actor=admin)
    draft_only = services.create_item(
        actor=admin,
        department=dept,
        level="city",
        basic_code=build_basic_code(kind="20", main=99),
        content=f.content("草稿事项"),
    ).item
    anonymous = AnonymousUser()
    visible = permissions.restrict(ServiceItem.objects.all(), anonymous)
    assert list(visible) == [published]
    assert permissions.can_view(anonymous, published) and not permissions.can_view(anonymous, draft_only)
    assert permissions.can_view(admin, draft_only)
    draft_version = draft_only.versions.get()
    with pytest.raises(DomainError):
        selectors.version_of(anonymous, draft_version.pk)
    assert selectors.version_of(admin, draft_version.pk) == draft_version


def test_withdraw_takes_item_off_the_public_catalogue() -> None:
    item = f.published_item()
    admin = f.staff(item.department)
    with pytest.raises(DomainError):
        services.withdraw(actor=admin, item=item, reason=" ")
    services.withdraw(actor=admin, item=item, reason="职能调整")
    item.refresh_from_db()
    assert item.current_version is None
    assert item.versions.get().status == ItemVersion.Status.WITHDRAWN
    assert not SearchTerm.objects.filter(item=item).exists()
    assert not selectors.published_items().filter(pk=item.pk).exists()


def test_invalid_content_is_refused_with_every_problem() -> None:
    dept = f.department()
    bad = f.content(name="", promised_days=30, theme_codes=["X99"], joint_department_codes=["NOPE"])
    with pytest.raises(DomainError) as info:
        services.create_item(
            actor=f.staff(dept),
            department=dept,
            level="city",
            basic_code=build_basic_code(kind="01", main=5),
            content=bad,
        )
    fields = {problem["field"] for problem in info.value.details["problems"]}
    assert fields == {"name", "promised_days", "themes", "joint_departments"}
    assert not ServiceItem.objects.exists()


def test_duplicate_implementation_code_conflicts() -> None:
    dept = f.department()
    admin = f.staff(dept)
    code = build_basic_code(kind="01", main=11)
    services.create_item(actor=admin, department=dept, level="city", basic_code=code, content=f.content())
    with pytest.raises(Conflict):
        services.create_item(actor=admin, department=dept, level="city", basic_code=code, content=f.content())
