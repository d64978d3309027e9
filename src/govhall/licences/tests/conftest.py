"""Fixtures for licence tests: demo licence types issued by the personas' departments."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from govhall.identity.models import Department
from govhall.licences import demo, services
from govhall.licences.models import Licence, LicenceType

BUSINESS_DATA = {
    "company_type": "有限责任公司",
    "legal_representative": "何建国",
    "business_scope": "石材加工、销售",
    "registered_capital": "人民币伍佰万元",
    "established_on": "2026-03-02",
    "address": "云浮市云城区石材大道88号",
}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def licence_types(dept_a: Department, dept_b: Department) -> dict[str, LicenceType]:
    demo.ensure_types()
    types = {t.name: t for t in LicenceType.objects.all()}
    # Personas' departments stand in for the demo city's market regulation and natural resources.
    for name in ("营业执照", "食品经营许可证", "药品经营许可证"):
        types[name].issuing_departments.add(dept_a)
    types["不动产权证书"].issuing_departments.add(dept_b)
    return types


@pytest.fixture
def business_licence(licence_types: dict[str, LicenceType]) -> LicenceType:
    return licence_types["营业执照"]


@pytest.fixture
def issued(enterprise: Any, approver: Any, business_licence: LicenceType, dept_a: Department) -> Licence:
    return services.issue_licence(
        actor=approver,
        licence_type=business_licence,
        issuer=dept_a,
        holder=services.holder_from_account(enterprise),
        data=BUSINESS_DATA,
    )
