"""Verification: statuses, tampering, masking; the public page and API; shares; holder queries."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.test import Client

from govhall.core.crypto import encrypt_text
from govhall.core.models import AuditEvent
from govhall.licences import services, sharing, verification
from govhall.licences.models import Licence, LicenceEvent, LicenceType, LicenceVersion

pytestmark = pytest.mark.django_db


def test_valid_licence_verifies(issued: Licence) -> None:
    result = verification.verify(issued.identifier)
    assert result.outcome == "valid" and result.type_name == "营业执照"
    assert result.holder_name == "云浮市石艺有限公司"  # an enterprise's name and code are public


@pytest.mark.parametrize(
    "tamper",
    [
        lambda v: LicenceVersion.objects.filter(pk=v.pk).update(
            data={**v.data, "business_scope": "石材加工、销售、爆破"}
        ),
        lambda v: LicenceVersion.objects.filter(pk=v.pk).update(holder_name="云浮市冒名有限公司"),
        lambda v: LicenceVersion.objects.filter(pk=v.pk).update(valid_until=date(2099, 1, 1)),
        lambda v: LicenceVersion.objects.filter(pk=v.pk).update(issuer_name="云浮市自然资源局"),
        lambda v: LicenceVersion.objects.filter(pk=v.pk).update(
            personal_encrypted=encrypt_text('{"fields":{},"holder_id":"91445302MA4W0001XX"}')
        ),
        lambda v: LicenceVersion.objects.filter(pk=v.pk).update(
            signature=v.signature[:-1] + ("0" if v.signature[-1] != "0" else "1")
        ),
        lambda v: LicenceVersion.objects.filter(pk=v.pk).update(digest="0" * 64),
        lambda v: LicenceVersion.objects.filter(pk=v.pk).update(key_id="no-such-key"),
    ],
    ids=["field", "holder", "validity", "issuer", "holder-id", "signature", "digest", "key"],
)
def test_any_change_in_the_database_breaks_the_seal(issued: Licence, tamper: Any) -> None:
    version = issued.current_version
    assert version is not None
    tamper(version)
    result = verification.verify(issued.identifier)
    assert result.outcome == "signature_invalid"
    assert result.type_name == "" and result.fields == []  # nothing from altered data is shown


def test_a_signature_from_another_department_does_not_pass(issued: Licence, dept_b: Any) -> None:
    from govhall.core import signing
    from govhall.licences import sealing

    version = issued.current_version
    assert version is not None
    forged = signing.sign(dept_b, sealing.canonical(sealing.payload(version, holder_kind="legal")))
    LicenceVersion.objects.filter(pk=version.pk).update(signature=forged.value, key_id=forged.key_id)
    assert verification.verify(issued.identifier).outcome == "signature_invalid"


def test_statuses_are_reflected(
    issued: Licence, approver: Any, licence_types: dict[str, LicenceType], dept_a: Any, enterprise: Any
) -> None:
    first = issued.identifier
    changed = services.change_licence(
        actor=approver, licence=issued, data={"address": "新址"}, reason="住所变更"
    )
    assert verification.verify(first).outcome == "superseded"
    assert verification.verify(first).current_identifier == changed.identifier
    services.set_status(actor=approver, licence=changed, operation="suspend", reason="停业整顿")
    assert verification.verify(changed.identifier).outcome == "suspended"
    services.set_status(actor=approver, licence=changed, operation="restore", reason="整改完毕")
    services.set_status(actor=approver, licence=changed, operation="cancel", reason="企业申请注销")
    assert verification.verify(changed.identifier).outcome == "revoked"
    old = services.issue_licence(
        actor=approver,
        licence_type=licence_types["药品经营许可证"],
        issuer=dept_a,
        holder=services.holder_from_account(enterprise),
        data={"business_scope": "中成药"},
        valid_from=date(2018, 1, 1),
    )
    # Past its date before the nightly sweep ran: verification says expired already.
    assert verification.verify(old.identifier).outcome == "expired"
    services.expire_due()
    assert verification.verify(old.identifier).outcome == "expired"


def test_unknown_and_malformed_identifiers(issued: Licence, client: Client) -> None:
    from govhall.licences import identifiers

    parsed = identifiers.parse(issued.identifier)
    unknown = identifiers.build(
        type_code=parsed.type_code, issuer_uscc=parsed.issuer_uscc, serial="999", version=1
    )
    assert verification.verify(unknown).outcome == "not_found"
    response = client.get(f"/api/v1/licences/verify/{unknown}")
    assert response.status_code == 200 and response.json()["outcome"] == "not_found"
    bad = client.get("/api/v1/licences/verify/1.2.156.3005.2.X")
    assert bad.status_code == 422 and bad.json()["code"] == "licence_id_format"
    page = client.get("/licences/verify/", {"id": issued.identifier[:-1] + "?"})
    assert page.status_code == 422 and "校验位错误" in page.content.decode()


def test_public_page_and_api_show_no_unmasked_personal_data(
    citizen: Any, other_dept_approver: Any, licence_types: dict[str, LicenceType], dept_b: Any, client: Client
) -> None:
    location = "云浮市云城区星岩四路18号3座1201房"
    home = services.issue_licence(
        actor=other_dept_approver,
        licence_type=licence_types["不动产权证书"],
        issuer=dept_b,
        holder=services.holder_from_account(citizen),
        data={
            "location": location,
            "unit_no": "445302001001GB00001F00010001",
            "right_type": "房屋所有权",
            "area": "98.6㎡",
        },
    )
    page = client.get("/licences/verify/", {"id": home.identifier}).content.decode()
    api = client.get(f"/api/v1/licences/{home.identifier}/verify").json()
    assert api["outcome"] == "valid" and api["holder_name"] == "张*"
    for shown in (page, json.dumps(api, ensure_ascii=False)):
        assert citizen.id_number not in shown and "张三" not in shown and location not in shown
        assert citizen.id_number_masked in shown or citizen.id_number[:4] in shown
        assert "445302001001GB00001F00010001" in shown  # the unit number is public
        assert "98.6㎡" not in shown  # not a public field


def test_shares_expire_and_holder_queries_are_audited(
    issued: Licence,
    enterprise: Any,
    other_citizen: Any,
    other_dept_approver: Any,
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client.force_login(enterprise)
    created = client.post(
        f"/api/v1/licences/{issued.identifier}/shares",
        data=json.dumps({"hours": 1}),
        content_type="application/json",
    )
    assert created.status_code == 201
    url = created.json()["url"]
    stranger = Client()
    opened = stranger.get(url)
    assert opened.status_code == 200 and "云浮市石艺有限公司" in opened.content.decode()
    assert stranger.get(url, {"format": "pdf"}).content.startswith(b"%PDF")
    client.force_login(other_citizen)
    refused = client.post(
        f"/api/v1/licences/{issued.identifier}/shares",
        data=json.dumps({"hours": 1}),
        content_type="application/json",
    )
    assert refused.status_code == 404  # not theirs to see at all
    later = services.now() + __import__("datetime").timedelta(hours=2)
    monkeypatch.setattr(sharing, "now", lambda: later)
    assert stranger.get(url).status_code == 404

    with pytest.raises(Exception) as caught:
        sharing.query_holder(actor=enterprise, purpose="核查经营资格", uscc=enterprise.uscc)
    assert getattr(caught.value, "status", None) == 403
    client.force_login(other_dept_approver)
    missing = client.post(
        "/api/v1/licences/holder-queries",
        data=json.dumps({"uscc": enterprise.uscc, "purpose": ""}),
        content_type="application/json",
    )
    assert missing.status_code == 422
    found = client.post(
        "/api/v1/licences/holder-queries",
        data=json.dumps({"uscc": enterprise.uscc, "purpose": "用地预审核查营业执照"}),
        content_type="application/json",
    )
    assert found.status_code == 200 and [row["identifier"] for row in found.json()] == [issued.identifier]
    event = AuditEvent.objects.get(action="licences.holder_queried")
    assert event.after["purpose"] == "用地预审核查营业执照" and enterprise.uscc not in json.dumps(event.after)
    assert LicenceEvent.objects.filter(licence=issued, kind="query", reason="用地预审核查营业执照").exists()


def test_api_permissions_by_persona(
    issued: Licence,
    enterprise: Any,
    other_citizen: Any,
    approver: Any,
    other_dept_approver: Any,
    client: Client,
) -> None:
    path = f"/api/v1/licences/{issued.identifier}"
    client.force_login(other_citizen)
    assert client.get(path).status_code == 404
    assert client.get("/api/v1/licences/mine").json() == []
    assert client.get(f"/licences/pdf/{issued.identifier}/").status_code == 404
    client.force_login(other_dept_approver)
    assert client.get(path).status_code == 404
    body = json.dumps({"operation": "revoke", "reason": "越权"})
    assert client.post(f"{path}/operations", data=body, content_type="application/json").status_code == 404
    client.force_login(approver)
    assert client.get(path).status_code == 200
    revoked = client.post(f"{path}/operations", data=body, content_type="application/json")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    client.force_login(enterprise)
    mine = client.get("/api/v1/licences/mine").json()
    assert [(row["identifier"], row["usable"]) for row in mine] == [(issued.identifier, False)]


def test_clerk_issues_through_the_api(
    clerk: Any, enterprise: Any, business_licence: LicenceType, dept_a: Any, county_clerk: Any, client: Client
) -> None:
    body = {
        "licence_type": "营业执照",
        "issuer_department": dept_a.code,
        "holder_kind": "legal",
        "holder_name": enterprise.display_name,
        "holder_identifier": enterprise.uscc,
        "data": {"business_scope": "石材销售"},
    }
    client.force_login(county_clerk)
    assert (
        client.post("/api/v1/licences", data=json.dumps(body), content_type="application/json").status_code
        == 403
    )
    client.force_login(clerk)
    created = client.post("/api/v1/licences", data=json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["identifier"].startswith("1.2.156.3005.2.SCJG001.")
    wrong = client.post(
        "/api/v1/licences",
        data=json.dumps({**body, "holder_identifier": "91445302MA4W0001XX"}),
        content_type="application/json",
    )
    assert wrong.status_code == 422
