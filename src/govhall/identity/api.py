"""/api/v1/auth/: obtain and revoke bearer tokens, and read one's own profile."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from govhall.core.api import ErrorOut
from govhall.core.errors import DomainError
from govhall.identity.auth import bearer_auth, check_credentials, current_token
from govhall.identity.models import Membership, User
from govhall.identity.tokens import issue_token, revoke_token
from govhall.sso import services as sso_services

router = Router(tags=["认证 auth"])


class TokenIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=256)
    otp: str = Field(
        "",
        max_length=20,
        description="两步验证码：审批、监察和管理岗位必填 TOTP code, required for approvers, supervisors and admins",
    )


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_at: datetime


class RoleOut(Schema):
    code: str
    label: str


class DepartmentRolesOut(Schema):
    department_code: str
    department_name: str
    roles: list[RoleOut]


class ProfileOut(Schema):
    username: str
    kind: str
    kind_label: str
    display_name: str
    real_name_level: int
    real_name_level_label: str
    id_number_masked: str
    is_staff_member: bool
    departments: list[DepartmentRolesOut]


def _departments(user: User) -> list[DepartmentRolesOut]:
    grouped: dict[int, DepartmentRolesOut] = {}
    memberships = (
        Membership.objects.filter(user=user, department__is_active=True)
        .select_related("department")
        .order_by("department__code", "role")
    )
    for membership in memberships:
        entry = grouped.get(membership.department_id)
        if entry is None:
            entry = DepartmentRolesOut(
                department_code=membership.department.code,
                department_name=membership.department.name,
                roles=[],
            )
            grouped[membership.department_id] = entry
        entry.roles.append(RoleOut(code=membership.role, label=membership.get_role_display()))
    return list(grouped.values())


@router.post(
    "/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="获取令牌 Obtain a bearer token",
)
def obtain_token(request: HttpRequest, payload: TokenIn) -> TokenOut:
    """Exchange a username and password for a bearer token valid for ``API_TOKEN_TTL_HOURS``.

    Failed attempts count towards the login lockout shared with the web login.
    """
    user = check_credentials(request, username=payload.username, password=payload.password)
    sso_services.check_second_factor_for_token(user=user, code=payload.otp)
    issued = issue_token(user=user)
    return TokenOut(token=issued.raw, expires_at=issued.expires_at)


@router.delete(
    "/token",
    auth=bearer_auth,
    response={204: None, 401: ErrorOut, 409: ErrorOut},
    summary="吊销当前令牌 Revoke the current token",
)
def delete_token(request: HttpRequest) -> Status:
    token = current_token(request)
    if token is None:  # pragma: no cover - bearer_auth always sets it
        raise DomainError("unauthenticated", "需要有效的令牌", "a bearer token is required", status=401)
    revoke_token(token=token, actor=token.user)
    return Status(204, None)


@router.get("/me", response={200: ProfileOut, 401: ErrorOut}, summary="当前用户 Current user")
def me(request: HttpRequest) -> ProfileOut:
    user = request.auth  # type: ignore[attr-defined]
    return ProfileOut(
        username=user.username,
        kind=user.kind,
        kind_label=user.get_kind_display(),
        display_name=user.display_name or user.username,
        real_name_level=user.real_name_level,
        real_name_level_label=user.get_real_name_level_display(),
        id_number_masked=user.id_number_masked,
        is_staff_member=user.is_staff_member,
        departments=_departments(user),
    )
