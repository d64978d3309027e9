"""Issuing and operating on licences: versions, signatures, events, audit, and who may do what."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from govhall.core.audit import verify_chain
from govhall.core.errors import DomainError
from govhall.core.models import AuditEvent
from govhall.keys.models import DepartmentKey
from govhall.licences import identifiers, sealing, selectors, services
from govhall.licences.models import Licence, LicenceEvent, LicenceType
from govhall.licences.tests.conftest import BUSINESS_DATA

pytestmark = pytest.mark.django_db


def test_issue_signs_version_one(issued: Licence, enterprise: Any, dept_a: Any) -> None:
    version = issued.current_version
    assert version is not None and version.number == 1 and issued.status == "valid"
    parsed = identifiers.parse(version.identifier)
    assert (parsed.type_code, parsed.issuer_uscc, parsed.version) == ("SCJG001", dept_a.uscc, 1)
    assert parsed.serial == f"{version.valid_from.year}00000001"
    assert version.key_id == DepartmentKey.objects.get(department=dept_a).key_id
    assert len(version.signature) == 128 and len(version.digest) == 64
    assert sealing.signature_valid(version, holder_kind=issued.holder_kind)
    # The holder's credit code is kept encrypted, found by keyed hash, shown masked.
    assert enterprise.uscc not in issued.holder_id_encrypted and issued.holder_id_masked.startswith(
        enterprise.uscc[:4]
    )
    assert sealing.open_personal(version)[0] == enterprise.uscc
    assert version.data["business_scope"] == "石材加工、销售"
    assert issued.valid_until is None  # 营业执照: permanent
    payload = sealing.canonical(sealing.payload(version, holder_kind="legal"))
    assert b" " not in payload.replace("有限责任公司".encode(), b"")  # no spaces between tokens
    assert payload.index(b'"data"') < payload.index(b'"holder"') < payload.index(b'"identifier"')
    assert list(issued.events.values_list("kind", flat=True)) == ["issue"]
    assert AuditEvent.objects.filter(action="licences.issue", object_id=str(issued.pk)).exists()


def test_serials_count_per_type_issuer_and_year(
    issued: Licence, enterprise: Any, approver: Any, business_licence: LicenceType, dept_a: Any
) -> None:
    second = services.issue_licence(
        actor=approver,
        licence_type=business_licence,
        issuer=dept_a,
        holder=services.holder_from_account(enterprise),
        data=BUSINESS_DATA,
    )
    assert int(second.serial) == int(issued.serial) + 1


def test_clerk_input_is_checked_against_the_schema(
    enterprise: Any, approver: Any, business_licence: LicenceType, dept_a: Any
) -> None:
    with pytest.raises(DomainError) as caught:
        services.issue_licence(
            actor=approver,
            licence_type=business_licence,
            issuer=dept_a,
            holder=services.holder_from_account(enterprise),
            data={"nonsense": "x"},
        )
    assert caught.value.code == "invalid_licence_data"
    assert {f["code"] for f in caught.value.details["fields"]} == {"unknown_field"}
    bad_holder = services.Holder("legal", "某公司", "91445302MA4W0001XX")
    with pytest.raises(DomainError) as caught:
        services.issue_licence(
            actor=approver, licence_type=business_licence, issuer=dept_a, holder=bad_holder, data={}
        )
    assert caught.value.code.startswith("uscc_")


def test_renew_change_and_versions(
    issued: Licence, approver: Any, licence_types: dict[str, LicenceType], enterprise: Any, dept_a: Any
) -> None:
    food = services.issue_licence(
        actor=approver,
        licence_type=licence_types["食品经营许可证"],
        issuer=dept_a,
        holder=services.holder_from_account(enterprise),
        data={
            "premises": "云城区一号",
            "business_form": "餐饮服务经营者",
            "business_items": "热食类食品制售",
        },
        valid_from=date(2026, 1, 10),
    )
    assert food.valid_until == date(2031, 1, 9)  # five years less a day
    first = food.current_version
    assert first is not None
    changed = services.change_licence(
        actor=approver, licence=food, data={"premises": "云城区二号"}, reason="经营场所变更"
    )
    second = changed.current_version
    assert second is not None and second.number == 2 and second.operation == "change"
    assert second.data["premises"] == "云城区二号" and second.data["business_form"] == "餐饮服务经营者"
    assert second.valid_until == first.valid_until
    assert identifiers.parse(second.identifier).serial == identifiers.parse(first.identifier).serial
    assert second.identifier.split(".")[-2] == "002"
    renewed = services.renew_licence(actor=approver, licence=changed)
    third = renewed.current_version
    assert (
        third is not None and third.valid_from == date(2031, 1, 10) and third.valid_until == date(2036, 1, 9)
    )
    for version in (first, second, third):
        version.refresh_from_db()
        assert sealing.signature_valid(version, holder_kind="legal")
    assert list(food.events.values_list("kind", flat=True)) == ["issue", "change", "renew"]
    with pytest.raises(DomainError) as caught:
        services.renew_licence(actor=approver, licence=issued)  # permanent: nothing to renew
    assert caught.value.code == "licence_wrong_status"


def test_status_operations_follow_the_rules(issued: Licence, approver: Any) -> None:
    suspended = services.set_status(
        actor=approver, licence=issued, operation="suspend", reason="责令停业整顿"
    )
    assert suspended.status == "suspended"
    with pytest.raises(DomainError):
        services.change_licence(actor=approver, licence=suspended, data={"address": "x"}, reason="变更")
    returned = services.set_status(actor=approver, licence=suspended, operation="restore", reason="整改完毕")
    assert returned.status == "valid"
    with pytest.raises(DomainError) as caught:
        services.set_status(actor=approver, licence=returned, operation="revoke", reason="")
    assert caught.value.code == "reason_required"
    revoked = services.set_status(actor=approver, licence=returned, operation="revoke", reason="严重违法")
    assert revoked.status == "revoked" and revoked.status_reason == "严重违法"
    with pytest.raises(DomainError) as caught:
        services.set_status(actor=approver, licence=revoked, operation="restore", reason="x")
    assert caught.value.code == "licence_wrong_status" and caught.value.status == 409
    kinds = list(LicenceEvent.objects.filter(licence=issued).values_list("kind", "to_status"))
    assert kinds == [
        ("issue", "valid"),
        ("suspend", "suspended"),
        ("restore", "valid"),
        ("revoke", "revoked"),
    ]
    assert AuditEvent.objects.filter(action__startswith="licences.", object_id=str(issued.pk)).count() == 4
    assert verify_chain().ok


@pytest.mark.parametrize(
    "who", ["other_dept_approver", "county_clerk", "citizen", "enterprise", "supervisor", "reviewer"]
)
def test_only_the_issuing_department_may_act(
    who: str,
    request: pytest.FixtureRequest,
    issued: Licence,
    business_licence: LicenceType,
    dept_a: Any,
    enterprise: Any,
) -> None:
    actor = request.getfixturevalue(who)
    with pytest.raises(DomainError) as caught:
        services.issue_licence(
            actor=actor,
            licence_type=business_licence,
            issuer=dept_a,
            holder=services.holder_from_account(enterprise),
            data=BUSINESS_DATA,
        )
    assert caught.value.status == 403
    for operation in ("suspend", "revoke", "cancel"):
        with pytest.raises(DomainError) as caught:
            services.set_status(actor=actor, licence=issued, operation=operation, reason="试图越权")
        assert caught.value.status == 403
    issued.refresh_from_db()
    assert issued.status == "valid"


def test_a_clerk_issues_but_does_not_revoke(
    clerk: Any, issued: Licence, business_licence: LicenceType, dept_a: Any, enterprise: Any
) -> None:
    services.issue_licence(
        actor=clerk,
        licence_type=business_licence,
        issuer=dept_a,
        holder=services.holder_from_account(enterprise),
        data=BUSINESS_DATA,
    )
    with pytest.raises(DomainError):
        services.set_status(actor=clerk, licence=issued, operation="revoke", reason="x")


def test_department_outside_the_type_cannot_issue_it(
    other_dept_approver: Any, licence_types: dict[str, LicenceType], dept_b: Any, enterprise: Any
) -> None:
    with pytest.raises(DomainError) as caught:
        services.issue_licence(
            actor=other_dept_approver,
            licence_type=licence_types["营业执照"],
            issuer=dept_b,
            holder=services.holder_from_account(enterprise),
            data=BUSINESS_DATA,
        )
    assert caught.value.status == 403


def test_expiry_sweep(
    approver: Any, licence_types: dict[str, LicenceType], dept_a: Any, enterprise: Any
) -> None:
    old = services.issue_licence(
        actor=approver,
        licence_type=licence_types["药品经营许可证"],
        issuer=dept_a,
        holder=services.holder_from_account(enterprise),
        data={"business_scope": "中成药"},
        valid_from=date(2019, 5, 1),
    )
    assert old.valid_until == date(2024, 4, 30)
    assert services.expire_due(on=date(2024, 4, 30)) == 0  # valid through its last day
    assert services.expire_due(on=date(2024, 5, 1)) == 1
    old.refresh_from_db()
    assert old.status == "expired" and old.events.last().kind == "expire"  # type: ignore[union-attr]
    assert services.expire_due(on=date(2024, 5, 1)) == 0
    assert selectors.usable_licences_for(enterprise, "药品经营许可证") == []
    renewed = services.renew_licence(actor=approver, licence=old)
    assert renewed.status == "valid" and renewed.valid_until is not None
    assert renewed.valid_until > services.today() - timedelta(days=1)


def test_holder_sees_only_own_licences(
    issued: Licence,
    enterprise: Any,
    citizen: Any,
    other_citizen: Any,
    approver: Any,
    licence_types: dict[str, LicenceType],
    dept_b: Any,
    other_dept_approver: Any,
) -> None:
    home = services.issue_licence(
        actor=other_dept_approver,
        licence_type=licence_types["不动产权证书"],
        issuer=dept_b,
        holder=services.holder_from_account(citizen),
        data={"location": "云城区某路1号", "unit_no": "445302001001GB00001F00010001"},
    )
    assert list(selectors.my_licences(enterprise)) == [issued]
    assert list(selectors.my_licences(citizen)) == [home]
    assert list(selectors.my_licences(other_citizen)) == []
    assert list(selectors.visible_licences(other_citizen)) == []
    assert set(selectors.visible_licences(approver)) == {issued}
    assert set(selectors.visible_licences(other_dept_approver)) == {home}
    with pytest.raises(DomainError) as caught:
        selectors.get_licence(other_citizen, home.identifier)
    assert caught.value.status == 404


def test_licence_issued_before_the_account_reaches_its_holder(
    approver: Any, business_licence: LicenceType, dept_a: Any
) -> None:
    from govhall.identity import services as identity_services
    from govhall.testing.factories import random_uscc

    code = random_uscc("445302", "91")
    licence = services.issue_licence(
        actor=approver,
        licence_type=business_licence,
        issuer=dept_a,
        holder=services.Holder("legal", "云浮市新开公司", code),
        data=BUSINESS_DATA,
    )
    assert licence.holder is None
    account = identity_services.register_enterprise(
        username="newco",
        password="Yunfu-Persona-2026",
        name="云浮市新开公司",
        uscc=code,
        legal_representative="陈一",
        phone="13800001111",
        email="newco@example.cn",
    )
    assert list(selectors.my_licences(account)) == [licence]


def test_platform_admin_maintains_licence_types_in_the_admin(
    platform_admin: Any, clerk: Any, client: Any
) -> None:
    client.force_login(clerk)
    assert client.get("/admin/licences/licencetype/").status_code in (302, 403)
    client.force_login(platform_admin)
    response = client.post(
        "/admin/licences/licencetype/add/",
        {
            "name": "渔业捕捞许可证",
            "code": "nyyy001",
            "holder_kind": "person",
            "fields": "[]",
            "material_names": "[]",
            "layout": "portrait",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = LicenceType.objects.get(name="渔业捕捞许可证")
    assert created.code == "NYYY001"
    assert AuditEvent.objects.filter(action="licences.type_created", object_id=str(created.pk)).exists()
    bad = client.post(
        "/admin/licences/licencetype/add/",
        {
            "name": "坏代码证",
            "code": "a.b",
            "holder_kind": "person",
            "fields": "[]",
            "material_names": "[]",
            "layout": "portrait",
        },
    )
    assert bad.status_code == 200 and not LicenceType.objects.filter(name="坏代码证").exists()
