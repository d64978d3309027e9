"""Writes to regions, departments, users and roles; each one transaction with its audit event.

``actor=None`` means the system itself (a management command or data migration), which is trusted;
any other actor, including an anonymous one, is checked by :mod:`govhall.core.permissions`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.codes import Division, divisions, validate_id_number, validate_uscc
from govhall.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from govhall.identity.models import Department, Membership, Region, Role, User

# ``None`` is the system itself; a request's user may be anonymous and is then refused.
Actor = User | AnonymousUser | None

_PHONE = re.compile(r"^1[3-9]\d{9}$")
_DEPARTMENT_CODE = re.compile(r"^[A-Z0-9]{2,12}$")
# Roles that need the Django admin site (is_staff) to do their work.
_ADMIN_SITE_ROLES = {Role.DEPARTMENT_ADMIN, Role.PLATFORM_ADMIN}


# --- Helpers ------------------------------------------------------------------------------------


def _from_validation_error(exc: ValidationError, field: str) -> DomainError:
    """Turn a bilingual ``"中文 (English)"`` validator message into a DomainError for ``field``."""
    message = exc.messages[0] if exc.messages else ""
    zh, sep, en = message.rpartition(" (")
    if not sep:
        zh, en = message, message
    return DomainError(
        getattr(exc, "code", None) or f"{field}_invalid", zh, en.rstrip(")"), details={"field": field}
    )


def _require(actor: Any, allowed: bool, what_zh: str, what_en: str) -> None:
    if actor is not None and not allowed:
        raise PermissionDenied("permission_denied", f"无权{what_zh}", f"not allowed to {what_en}", status=403)


def _clean_required(value: str, field: str, label_zh: str, label_en: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(
            f"{field}_required", f"请填写{label_zh}", f"{label_en} is required", details={"field": field}
        )
    if len(value) > max_length:
        raise DomainError(
            f"{field}_too_long",
            f"{label_zh}不能超过{max_length}个字符",
            f"{label_en} is longer than {max_length} characters",
            details={"field": field},
        )
    return value


def _clean_username(username: str) -> str:
    username = _clean_required(username, "username", "用户名", "user name", 150)
    try:
        User.username_validator(username)
    except ValidationError as exc:
        raise DomainError(
            "username_format",
            "用户名只能包含字母、数字和 @/./+/-/_",
            "a user name may contain only letters, digits and @/./+/-/_",
            details={"field": "username"},
        ) from exc
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(
            "username_taken",
            "该用户名已被使用",
            "this user name is already taken",
            details={"field": "username"},
        )
    return username


def _clean_phone(phone: str) -> str:
    phone = re.sub(r"[\s-]", "", phone or "")
    if not _PHONE.match(phone):
        raise DomainError(
            "phone_format",
            "手机号码应为11位数字",
            "a mobile number has 11 digits",
            details={"field": "phone"},
        )
    return phone


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError as exc:
        raise DomainError(
            "email_format",
            "电子邮箱格式不正确",
            "the e-mail address is malformed",
            details={"field": "email"},
        ) from exc
    return email


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise DomainError(
            "password_invalid",
            "；".join(str(m) for m in exc.messages),
            "the password is too short, too common or too similar to your details",
            details={"field": "password", "messages": [str(m) for m in exc.messages]},
        ) from exc


def _user_snapshot(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "kind": user.kind,
        "display_name": user.display_name,
        "real_name_level": user.real_name_level,
        "id_number_masked": user.id_number_masked,
        "phone_masked": user.phone_masked,
        "uscc": user.uscc,
        "is_active": user.is_active,
    }


def _sync_admin_site_access(user: User) -> None:
    """Department and platform admins work in the Django admin site; nobody else needs it."""
    wanted = user.is_superuser or Membership.objects.filter(user=user, role__in=_ADMIN_SITE_ROLES).exists()
    if user.is_staff != wanted:
        user.is_staff = wanted
        user.save(update_fields=["is_staff"])


# --- Regions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionLoadResult:
    created: int
    updated: int
    unchanged: int


def load_regions(*, codes_prefix: str | None = None, actor: Actor = None) -> RegionLoadResult:
    """Create or update regions from GB/T 2260; with ``codes_prefix`` ("44", "4453") only that subtree.

    Ancestors of the chosen divisions are always included. Rows are never deleted: departments keep
    pointing at them. Idempotent; one audit event for the whole load.
    """
    _require(actor, permissions.can_act(actor, Region, "load"), "导入行政区划", "load divisions")
    table = divisions()
    wanted: dict[str, Division] = {}
    for code, division in table.items():
        if codes_prefix and not code.startswith(codes_prefix):
            continue
        current: Division | None = division
        while current is not None and current.code not in wanted:
            wanted[current.code] = current
            current = table.get(current.parent_code) if current.parent_code else None
    if codes_prefix and not wanted:
        raise DomainError(
            "division_unknown",
            "没有以该前缀开头的行政区划代码",
            "no division code starts with this prefix",
            details={"field": "codes_prefix"},
        )
    created = updated = 0
    with transaction.atomic():
        existing = {r.code: r for r in Region.objects.filter(code__in=list(wanted))}
        # Parents before children so every parent id and path is known when a child is written.
        order: dict[str, int] = {"province": 0, "city": 1, "county": 2}
        for level in sorted({d.level for d in wanted.values()}, key=lambda lv: order.get(lv, 9)):
            to_create: list[Region] = []
            to_update: list[Region] = []
            for code in sorted(c for c, d in wanted.items() if d.level == level):
                division = wanted[code]
                parent = existing.get(division.parent_code) if division.parent_code else None
                path = (parent.path if parent else "") + code + "/"
                region = existing.get(code)
                if region is None:
                    to_create.append(
                        Region(code=code, name=division.name, level=level, parent=parent, path=path)
                    )
                elif (region.name, region.level, region.parent_id, region.path) != (
                    division.name,
                    level,
                    parent.pk if parent else None,
                    path,
                ):
                    region.name, region.level, region.parent, region.path = division.name, level, parent, path
                    to_update.append(region)
            Region.objects.bulk_create(to_create, batch_size=500)
            Region.objects.bulk_update(to_update, ["name", "level", "parent", "path"], batch_size=500)
            created += len(to_create)
            updated += len(to_update)
            # Re-read: not every backend returns primary keys from bulk_create.
            existing.update(
                {r.code: r for r in Region.objects.filter(code__in=[r.code for r in to_create + to_update])}
            )
        result = RegionLoadResult(created=created, updated=updated, unchanged=len(wanted) - created - updated)
        record_event(
            actor=actor,
            action="identity.regions_loaded",
            obj="identity.region",
            object_id=codes_prefix or "",
            after={"prefix": codes_prefix or "", **result.__dict__},
        )
    return result


# --- Departments --------------------------------------------------------------------------------


def create_department(
    *,
    actor: Actor,
    name: str,
    short_name: str,
    code: str,
    uscc: str,
    region: Region,
    parent: Department | None = None,
    kind: str = Department.Kind.GOVERNMENT,
) -> Department:
    _require(actor, permissions.can_act(actor, Department, "create"), "创建部门", "create departments")
    name = _clean_required(name, "name", "部门名称", "name", 100)
    short_name = _clean_required(short_name, "short_name", "简称", "short name", 30)
    code = (code or "").strip().upper()
    if not _DEPARTMENT_CODE.match(code):
        raise DomainError(
            "department_code_format",
            "部门代码应为2至12位大写字母或数字",
            "a department code has 2 to 12 capital letters or digits",
            details={"field": "code"},
        )
    try:
        uscc = validate_uscc(uscc)
    except ValidationError as exc:
        raise _from_validation_error(exc, "uscc") from exc
    if kind not in Department.Kind.values:
        raise DomainError(
            "department_kind", "部门类型无效", "unknown department kind", details={"field": "kind"}
        )
    if parent is not None and not parent.region.contains(region):
        raise DomainError(
            "parent_region_mismatch",
            "上级单位须属于同一或上级行政区划",
            "the parent unit must belong to the same or a higher region",
            details={"field": "parent"},
        )
    if Department.objects.filter(code=code).exists():
        raise Conflict(
            "department_code_taken",
            "部门代码已被使用",
            "department code already in use",
            details={"field": "code"},
        )
    if Department.objects.filter(uscc=uscc).exists():
        raise Conflict(
            "uscc_registered",
            "该统一社会信用代码已登记",
            "this credit code is already registered",
            details={"field": "uscc"},
        )
    if Department.objects.filter(region=region, name=name).exists():
        raise Conflict(
            "department_name_taken",
            "该行政区划内已有同名部门",
            "a department of this name exists in the region",
            details={"field": "name"},
        )
    with transaction.atomic():
        department = Department.objects.create(
            name=name, short_name=short_name, code=code, uscc=uscc, region=region, parent=parent, kind=kind
        )
        record_event(
            actor=actor,
            action="identity.department_created",
            obj=department,
            after={
                "name": name,
                "short_name": short_name,
                "code": code,
                "uscc": uscc,
                "region": region.code,
                "parent": parent.pk if parent else None,
                "kind": kind,
            },
        )
    return department


# --- Registration -------------------------------------------------------------------------------


def _save_new_user(user: User, password: str | None, action: str, actor: Actor, *, by_self: bool) -> User:
    try:
        with transaction.atomic():
            if password is None:
                user.set_unusable_password()
            else:
                user.set_password(password)
            user.save()
            record_event(
                actor=user if by_self else actor, action=action, obj=user, after=_user_snapshot(user)
            )
    except IntegrityError as exc:
        # Two registrations raced past the checks above; the database's unique constraints decide.
        raise Conflict(
            "already_registered", "该账号信息已被注册", "these account details are already registered"
        ) from exc
    return user


def register_citizen(
    *, username: str, password: str, display_name: str, id_number: str, phone: str, email: str = ""
) -> User:
    """A natural person's own account (自然人注册), real-name level L1."""
    display_name = _clean_required(display_name, "display_name", "姓名", "name", 100)
    try:
        id_number = validate_id_number(id_number)
    except ValidationError as exc:
        raise _from_validation_error(exc, "id_number") from exc
    phone = _clean_phone(phone)
    email = _clean_email(email)
    username = _clean_username(username)
    user = User(
        username=username,
        email=email,
        kind=User.Kind.CITIZEN,
        display_name=display_name,
        real_name_level=User.RealNameLevel.L1,
    )
    user.set_id_number(id_number)
    user.set_phone(phone)
    if User.objects.filter(id_number_hash=user.id_number_hash).exists():
        raise Conflict(
            "id_number_registered",
            "该身份证号码已注册账号",
            "an account with this ID number already exists",
            details={"field": "id_number"},
        )
    _check_password(password, user)
    return _save_new_user(user, password, "identity.citizen_registered", None, by_self=True)


def register_enterprise(
    *,
    username: str,
    password: str,
    name: str,
    uscc: str,
    legal_representative: str,
    phone: str,
    email: str = "",
) -> User:
    """A legal person's account (法人注册) by its unified social credit code, real-name level L1."""
    name = _clean_required(name, "name", "单位名称", "name", 100)
    try:
        uscc = validate_uscc(uscc)
    except ValidationError as exc:
        raise _from_validation_error(exc, "uscc") from exc
    legal_representative = _clean_required(
        legal_representative, "legal_representative", "法定代表人", "legal representative", 60
    )
    phone = _clean_phone(phone)
    email = _clean_email(email)
    username = _clean_username(username)
    if User.objects.filter(kind=User.Kind.ENTERPRISE, uscc=uscc).exists():
        raise Conflict(
            "uscc_registered",
            "该统一社会信用代码已注册账号",
            "an account with this credit code already exists",
            details={"field": "uscc"},
        )
    user = User(
        username=username,
        email=email,
        kind=User.Kind.ENTERPRISE,
        display_name=name,
        uscc=uscc,
        legal_representative=legal_representative,
        real_name_level=User.RealNameLevel.L1,
    )
    user.set_phone(phone)
    _check_password(password, user)
    return _save_new_user(user, password, "identity.enterprise_registered", None, by_self=True)


# --- Staff and roles ----------------------------------------------------------------------------


def _check_grantable(actor: Actor, department: Department, role: str) -> None:
    if role not in Role.values:
        raise DomainError("role_unknown", "角色无效", "unknown role", details={"field": "role"})
    _require(
        actor,
        role in permissions.grantable_roles(actor, department),
        f"在“{department.short_name}”授予或撤销该角色",
        "grant or revoke this role in this department",
    )


def create_staff(
    *,
    actor: Actor,
    username: str,
    password: str | None,
    display_name: str,
    memberships: Sequence[tuple[Department, str]],
    email: str = "",
) -> User:
    """A staff account with its roles; ``password=None`` leaves it without one (single sign-on)."""
    if not memberships:
        raise DomainError(
            "memberships_required", "工作人员至少须有一个岗位角色", "a staff member needs at least one role"
        )
    for department, role in memberships:
        _check_grantable(actor, department, role)
    display_name = _clean_required(display_name, "display_name", "姓名", "name", 100)
    email = _clean_email(email)
    username = _clean_username(username)
    user = User(username=username, email=email, kind=User.Kind.STAFF, display_name=display_name)
    if password is not None:
        _check_password(password, user)
    pairs = sorted({(department.pk, role): department for department, role in memberships}.items())
    with transaction.atomic():
        _save_new_user(user, password, "identity.staff_created", actor, by_self=False)
        Membership.objects.bulk_create(
            [Membership(user=user, department=department, role=role) for (_, role), department in pairs]
        )
        _sync_admin_site_access(user)
        record_event(
            actor=actor,
            action="identity.roles_granted",
            obj=user,
            after={"memberships": [[dept_id, role] for (dept_id, role), _ in pairs]},
        )
    return user


def grant_role(*, actor: Actor, user: User, department: Department, role: str) -> Membership:
    """Give a staff member a role in a department; granting a role already held changes nothing."""
    _check_grantable(actor, department, role)
    if user.kind != User.Kind.STAFF:
        raise DomainError(
            "not_staff",
            "只有工作人员可以授予岗位角色",
            "only staff members can hold roles",
            details={"field": "user"},
        )
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(user=user, department=department, role=role)
        if created:
            _sync_admin_site_access(user)
            record_event(
                actor=actor,
                action="identity.role_granted",
                obj=membership,
                after={"user": user.pk, "department": department.pk, "role": role},
            )
    permissions.forget_grants(user)
    return membership


def revoke_role(*, actor: Actor, user: User, department: Department, role: str) -> None:
    _check_grantable(actor, department, role)
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update().filter(user=user, department=department, role=role).first()
        )
        if membership is None:
            raise NotFound(
                "membership_not_found", "该用户没有此岗位角色", "the user does not hold this role", status=404
            )
        before = {"user": user.pk, "department": department.pk, "role": role}
        membership_id = membership.pk
        membership.delete()
        _sync_admin_site_access(user)
        record_event(
            actor=actor,
            action="identity.role_revoked",
            obj="identity.membership",
            object_id=membership_id,
            before=before,
        )
    permissions.forget_grants(user)


def set_real_name_level(*, actor: Actor, user: User, level: int) -> User:
    """Record how far the user's identity has been verified (L1 registered … L3 seen in person)."""
    _require(
        actor,
        permissions.can_act(actor, user, "set_real_name_level"),
        "调整实名等级",
        "change the real-name level",
    )
    if level not in User.RealNameLevel.values:
        raise DomainError(
            "real_name_level", "实名等级无效", "unknown real-name level", details={"field": "level"}
        )
    with transaction.atomic():
        before = user.real_name_level
        if before == level:
            return user
        user.real_name_level = level
        user.save(update_fields=["real_name_level"])
        record_event(
            actor=actor,
            action="identity.real_name_level_set",
            obj=user,
            before={"real_name_level": before},
            after={"real_name_level": level},
        )
    return user


def change_password(*, actor: Actor, user: User, new_password: str, via: str) -> User:
    """Set a new password (after a reset link or from the account page); the old one stops working."""
    _check_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        record_event(actor=actor or user, action="identity.password_changed", obj=user, after={"via": via})
    return user


# --- Sign-in events (connected in identity.signals) ---------------------------------------------


def record_login(*, user: User, ip: str) -> None:
    with transaction.atomic():
        record_event(actor=user, action="identity.login", obj=user, after={"ip": ip})


def record_logout(*, user: User | None, ip: str) -> None:
    if user is None:
        return
    with transaction.atomic():
        record_event(actor=user, action="identity.logout", obj=user, after={"ip": ip})


def record_login_failure(*, username: str, ip: str) -> None:
    with transaction.atomic():
        record_event(
            actor=None,
            action="identity.login_failed",
            obj="identity.user",
            after={"username": username[:150], "ip": ip},
        )
