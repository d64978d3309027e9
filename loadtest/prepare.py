"""Prepare a demo database for the load test; writes the fixture the locustfile reads.

Run with the deployment's environment (DATABASE_URL, GOVHALL_VAR, ...); needs the demo city
(`manage.py seed_demo`). Idempotent: it publishes one service item for the test (负载测试事项,
in the department where demo-clerk receives and demo-approver reviews and decides) the first time,
and issues fresh bearer tokens every time, for the demo citizens and the two staff members —
tokens rather than passwords, so that the test measures the platform and not Argon2.

    python loadtest/prepare.py OUT.json [--citizens 200]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govhall.settings")

ITEM_NAME = "负载测试事项（演示）"


def ensure_item() -> object:
    from govhall.catalog import services as catalog
    from govhall.catalog.codes import build_basic_code
    from govhall.catalog.content import GuideContent, MaterialSpec
    from govhall.catalog.models import ServiceItem
    from govhall.identity.models import Membership, User

    existing = (
        ServiceItem.objects.filter(current_version__name=ITEM_NAME).select_related("current_version").first()
    )
    if existing is not None:
        return existing
    approver = User.objects.get(username="demo-approver")
    clerk = User.objects.get(username="demo-clerk")
    clerk_departments = set(Membership.objects.filter(user=clerk).values_list("department_id", flat=True))
    membership = (
        Membership.objects.filter(user=approver, role="approver", department_id__in=clerk_departments)
        .select_related("department")
        .first()
    )
    if membership is None:
        sys.exit("prepare: demo-approver and demo-clerk share no department; run seed_demo first")
    admin = User.objects.get(username="demo-admin")
    content = GuideContent(
        name=ITEM_NAME,
        target="person",
        legal_basis="《中华人民共和国行政许可法》",
        conditions="用于平台负载测试的演示事项",
        item_type="promised",
        statutory_days=20,
        promised_days=10,
        online_depth=3,
        materials=[
            MaterialSpec(name="申请书", medium="electronic"),
            MaterialSpec(name="身份证明", medium="paper"),
        ],
    )
    version = catalog.create_item(
        actor=admin,
        department=membership.department,
        level="city",
        basic_code=build_basic_code(kind="01", main=99001),
        content=content,
    )
    catalog.submit_for_review(actor=admin, version=version)
    catalog.publish(actor=admin, version=version)
    return ServiceItem.objects.select_related("current_version").get(pk=version.item_id)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--citizens", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from govhall.catalog.models import ServiceItem
    from govhall.identity.models import User
    from govhall.identity.tokens import issue_token

    item = ensure_item()
    version = item.current_version  # type: ignore[attr-defined]
    materials = {m.name: m.pk for m in version.materials.all()}
    citizens = list(
        User.objects.filter(kind=User.Kind.CITIZEN, is_active=True)
        .exclude(username__startswith="demo-")
        .order_by("pk")[: args.citizens]
    )
    browse = list(
        ServiceItem.objects.filter(current_version__isnull=False)
        .order_by("pk")
        .values_list("implementation_code", flat=True)[:60]
    )
    fixture = {
        "item": item.implementation_code,  # type: ignore[attr-defined]
        "upload_material": materials["申请书"],
        "counter_material": materials["身份证明"],
        "browse": browse,
        "citizens": [{"username": u.username, "token": issue_token(user=u).raw} for u in citizens],
        "clerk": issue_token(user=User.objects.get(username="demo-clerk")).raw,
        "approver": issue_token(user=User.objects.get(username="demo-approver")).raw,
    }
    Path(args.out).write_text(json.dumps(fixture, ensure_ascii=False), encoding="utf-8")
    print(
        f"prepare: {len(fixture['citizens'])} citizens, item {fixture['item']}, {len(browse)} items to browse"
    )


if __name__ == "__main__":
    main()
