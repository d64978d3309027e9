"""factory_boy factories with real, valid national codes.

Regions come from the GB/T 2260 table (created with their ancestors on demand); departments carry
valid unified social credit codes and citizens valid ID numbers, with check characters computed the
way GB 32100, GB 11714 and GB 11643 define them, so code that validates input accepts them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import factory
import factory.random
from factory.django import DjangoModelFactory
from stdnum.cn import ric
from stdnum.cn import uscc as uscc_codes

from govhall.core.codes import divisions
from govhall.identity.models import Department, Membership, Region, Role, User

PASSWORD = "Govhall-Test-Pass-2026"  # noqa: S105 - test accounts only

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Counties of Yunfu and a few old districts elsewhere, so that random birth dates often fit.
ID_AREA_CODES = ("445302", "445381", "445321", "445322", "440103", "440106", "110105", "310104")


def _rng() -> Any:
    return factory.random.randgen


def ensure_region(code: str) -> Region:
    """The region with this GB/T 2260 code, created with its ancestors from the table if absent."""
    existing = Region.objects.filter(code=code).first()
    if existing is not None:
        return existing
    try:
        division = divisions()[code]
    except KeyError:
        raise ValueError(f"{code} is not a current GB/T 2260 division code") from None
    parent = ensure_region(division.parent_code) if division.parent_code else None
    return Region.objects.create(code=code, name=division.name, level=division.level, parent=parent)


def organisation_code() -> str:
    """A GB 11714 organisation code: eight characters and its check character."""
    rng = _rng()
    body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWY") for _ in range(8))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(char, 36) * weight for char, weight in zip(body, weights, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def random_uscc(region_code: str = "445300", kind: str = "91") -> str:
    """A valid unified social credit code; ``kind`` "11" is a government body, "91" a company."""
    base = kind + region_code + organisation_code()
    assert all(char in _USCC_ALPHABET for char in base)
    return base + uscc_codes.calc_check_digit(base)


def random_id_number(area_code: str | None = None, birth_date: date | None = None) -> str:
    """A valid GB 11643 citizen ID number (area code valid in the birth year, check digit computed)."""
    rng = _rng()
    while True:
        area = area_code or rng.choice(ID_AREA_CODES)
        born = birth_date or date(1995, 1, 1) + timedelta(days=rng.randrange(0, 365 * 28))
        base = f"{area}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
        number = base + ric.calc_check_digit(base + "0")
        if ric.is_valid(number):
            return number
        if area_code and birth_date:
            raise ValueError(f"area {area_code} did not exist on {birth_date}")


def random_phone() -> str:
    rng = _rng()
    return rng.choice(("138", "139", "136", "186", "189", "157")) + f"{rng.randrange(0, 10**8):08d}"


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region

    code = "445302"

    @classmethod
    def _create(cls, model_class: type[Region], *args: Any, code: str = "445302", **kwargs: Any) -> Region:
        return ensure_region(code)


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    region = factory.SubFactory(RegionFactory, code="445300")
    name = factory.Sequence(lambda n: f"云浮市测试局{n}")
    short_name = factory.LazyAttribute(lambda o: o.name.removeprefix("云浮市")[:30])
    code = factory.Sequence(lambda n: f"T{n:04d}")
    uscc = factory.LazyAttribute(lambda o: random_uscc(o.region.code, "11"))
    kind = Department.Kind.GOVERNMENT


class UserFactory(DjangoModelFactory):
    """Any user; pass ``id_number``/``phone`` in plain text, they are stored encrypted."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name", locale="zh_CN")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.cn")
    kind = User.Kind.CITIZEN
    password: Any = PASSWORD
    id_number: Any = ""
    phone: Any = ""

    @classmethod
    def _build(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        password = kwargs.pop("password", PASSWORD)
        id_number = kwargs.pop("id_number", "")
        phone = kwargs.pop("phone", "")
        user = model_class(**kwargs)
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        if id_number:
            user.set_id_number(id_number)
        if phone:
            user.set_phone(phone)
        return user

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        user = cls._build(model_class, *args, **kwargs)
        user.save()
        return user


class CitizenFactory(UserFactory):
    kind = User.Kind.CITIZEN
    id_number = factory.LazyFunction(random_id_number)
    phone = factory.LazyFunction(random_phone)


class EnterpriseFactory(UserFactory):
    kind = User.Kind.ENTERPRISE
    display_name = factory.Faker("company", locale="zh_CN")
    uscc = factory.LazyFunction(lambda: random_uscc("445302", "91"))
    legal_representative = factory.Faker("name", locale="zh_CN")
    phone = factory.LazyFunction(random_phone)


class StaffFactory(UserFactory):
    kind = User.Kind.STAFF


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(StaffFactory)
    department = factory.SubFactory(DepartmentFactory)
    role = Role.WINDOW_CLERK
