"""Departments of the demo city as the data hub sees them, their data officers and field sources."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from govhall.datahub import services
from govhall.datahub.datasets import DATASETS
from govhall.datahub.models import Dataset
from govhall.identity.models import Department, Role, User
from govhall.testing.factories import DepartmentFactory, MembershipFactory, StaffFactory, ensure_region

DEPARTMENTS = {
    "gaj": ("GAJ", "云浮市公安局", "市公安局"),
    "scjgj": ("SCJGJ", "云浮市市场监督管理局", "市市场监管局"),
    "swuju": ("SWUJU", "国家税务总局云浮市税务局", "市税务局"),
    "mzj": ("MZJ", "云浮市民政局", "市民政局"),
    "tjj": ("TJJ", "云浮市统计局", "市统计局"),
}


def make_department(key: str) -> Department:
    code, name, short = DEPARTMENTS[key]
    return DepartmentFactory(code=code, name=name, short_name=short, region=ensure_region("445300"))


def make_officer(department: Department, username: str) -> User:
    """A department admin: the department's data officer without an appointment."""
    user = StaffFactory(username=username, display_name=f"数据专员 {username}")
    MembershipFactory(user=user, department=department, role=Role.DEPARTMENT_ADMIN)
    return user


@pytest.fixture(autouse=True)
def _isolated(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def gaj(db: None) -> Department:
    return make_department("gaj")


@pytest.fixture
def scjgj(db: None) -> Department:
    return make_department("scjgj")


@pytest.fixture
def swuju(db: None) -> Department:
    return make_department("swuju")


@pytest.fixture
def mzj(db: None) -> Department:
    return make_department("mzj")


@pytest.fixture
def tjj(db: None) -> Department:
    return make_department("tjj")


@pytest.fixture
def gaj_officer(gaj: Department) -> User:
    return make_officer(gaj, "gaj_officer")


@pytest.fixture
def scjgj_officer(scjgj: Department) -> User:
    return make_officer(scjgj, "scjgj_officer")


@pytest.fixture
def swuju_officer(swuju: Department) -> User:
    return make_officer(swuju, "swuju_officer")


@pytest.fixture
def mzj_officer(mzj: Department) -> User:
    return make_officer(mzj, "mzj_officer")


@pytest.fixture
def sources(
    platform_admin: User, gaj: Department, scjgj: Department, mzj: Department, tjj: Department
) -> None:
    """Public security owns the population base, market regulation the legal-person base, statistics
    the GDP indicator; civil affairs owns nothing and contributes."""
    for spec_field in DATASETS[Dataset.POPULATION].field_names:
        services.set_field_source(
            actor=platform_admin, dataset=Dataset.POPULATION, field=spec_field, department=gaj
        )
    for spec_field in DATASETS[Dataset.LEGAL_PERSON].field_names:
        services.set_field_source(
            actor=platform_admin, dataset=Dataset.LEGAL_PERSON, field=spec_field, department=scjgj
        )
    services.set_field_source(actor=platform_admin, dataset=Dataset.MACRO, field="GDP", department=tjj)
