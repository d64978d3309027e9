"""Writes of the single sign-on app: client systems, signing keys, token audit, sessions, second factor.

Each function is one transaction with its audit event. Tokens, secrets and codes never enter the
audit log; their ids, clients and scopes do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import Application
from oauth2_provider.settings import oauth2_settings

from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.crypto import decrypt_text, encrypt_text
from govhall.core.errors import DomainError, NotFound, PermissionDenied
from govhall.identity.models import Department, User
from govhall.sso import keys, otp
from govhall.sso.models import ClientProfile, SigningKey, UserSession
from govhall.sso.selectors import sessions_of

# How often a session's "last seen" is written: often enough to tell stale from live, rarely
# enough that browsing does not write on every request.
LAST_SEEN_RESOLUTION = timedelta(minutes=5)


def _require(actor: Any, allowed: bool, what_zh: str, what_en: str) -> None:
    if actor is not None and not allowed:
        raise PermissionDenied("permission_denied", f"无权{what_zh}", f"not allowed to {what_en}", status=403)


# --- Client systems (接入应用) -------------------------------------------------------------------


@dataclass(frozen=True)
class RegisteredClient:
    application: Application
    profile: ClientProfile
    # Shown once at registration; only its hash is stored.
    client_secret: str | None


def _clean_uris(uris: Sequence[str] | str, field: str, *, required: bool) -> list[str]:
    items = uris.split() if isinstance(uris, str) else [u.strip() for u in uris if u.strip()]
    if required and not items:
        raise DomainError(
            f"{field}_required",
            "请至少填写一个回调地址",
            "at least one redirect URI is required",
            details={"field": field},
        )
    allowed = oauth2_settings.ALLOWED_REDIRECT_URI_SCHEMES
    for uri in items:
        parts = urlsplit(uri)
        if parts.scheme not in allowed or not parts.netloc or parts.fragment:
            raise DomainError(
                f"{field}_invalid",
                f"地址“{uri}”无效：须为完整的 {'/'.join(allowed)} 地址，且不含 # 片段",
                f"{uri!r} is not an absolute {'/'.join(allowed)} URI without a fragment",
                details={"field": field},
            )
    return list(dict.fromkeys(items))


def register_client(
    *,
    actor: Any,
    name: str,
    redirect_uris: Sequence[str] | str,
    post_logout_redirect_uris: Sequence[str] | str = (),
    is_government: bool,
    department: Department | None = None,
    confidential: bool = True,
    description: str = "",
) -> RegisteredClient:
    """Register a system that signs its users in through govhall (platform admins only)."""
    _require(
        actor, permissions.can_act(actor, ClientProfile, "create"), "登记接入应用", "register client systems"
    )
    name = (name or "").strip()
    if not name or len(name) > 255:
        raise DomainError(
            "name_required",
            "请填写应用名称（255字以内）",
            "a name of up to 255 characters is required",
            details={"field": "name"},
        )
    redirects = _clean_uris(redirect_uris, "redirect_uris", required=True)
    logouts = _clean_uris(post_logout_redirect_uris, "post_logout_redirect_uris", required=False)
    secret = generate_client_secret() if confidential else None
    with transaction.atomic():
        application = Application(
            name=name,
            client_type=Application.CLIENT_CONFIDENTIAL if confidential else Application.CLIENT_PUBLIC,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(redirects),
            post_logout_redirect_uris=" ".join(logouts),
            algorithm=Application.RS256_ALGORITHM,
            # Government systems are the platform's own; citizens are not asked to approve them.
            skip_authorization=is_government,
            client_secret=secret or "",
        )
        application.save()
        profile = ClientProfile.objects.create(
            application=application,
            is_government=is_government,
            department=department,
            description=(description or "").strip()[:200],
            registered_by=actor if isinstance(actor, User) else None,
        )
        record_event(
            actor=actor,
            action="sso.client_registered",
            obj=profile,
            after={
                "client_id": application.client_id,
                "name": name,
                "confidential": confidential,
                "is_government": is_government,
                "department": department.pk if department else None,
                "redirect_uris": redirects,
                "post_logout_redirect_uris": logouts,
            },
        )
    return RegisteredClient(application=application, profile=profile, client_secret=secret)


def remove_client(*, actor: Any, application: Application) -> None:
    """Delete a client system; its grants and tokens go with it."""
    _require(
        actor, permissions.can_act(actor, ClientProfile, "delete"), "删除接入应用", "remove client systems"
    )
    with transaction.atomic():
        before = {"client_id": application.client_id, "name": application.name}
        application_id = application.pk
        application.delete()
        record_event(
            actor=actor,
            action="sso.client_removed",
            obj="oauth2_provider.application",
            object_id=application_id,
            before=before,
        )


# --- Signing keys --------------------------------------------------------------------------------


def rotate_signing_key(*, actor: Any, withdraw_previous: bool = False) -> SigningKey:
    """Make a new key the signing key; the old one stays in the JWKS until its tokens expired.

    ``withdraw_previous`` drops the old key from the JWKS at once (a leaked key): tokens it signed
    stop verifying immediately.
    """
    _require(actor, permissions.is_platform_admin(actor), "轮换签名密钥", "rotate signing keys")
    kid, encrypted, public = keys.new_key_material()
    now = timezone.now()
    grace = timedelta(seconds=int(oauth2_settings.ID_TOKEN_EXPIRE_SECONDS))
    with transaction.atomic():
        previous = list(SigningKey.objects.select_for_update().filter(is_active=True))
        for old in previous:
            old.is_active = False
            old.retired_at = now
            old.published_until = now if withdraw_previous else now + grace
            old.save(update_fields=["is_active", "retired_at", "published_until"])
        if withdraw_previous:
            SigningKey.objects.filter(published_until__gt=now).update(published_until=now)
        key = SigningKey.objects.create(
            kid=kid, private_key_encrypted=encrypted, public_jwk=public, is_active=True
        )
        record_event(
            actor=actor,
            action="sso.signing_key_rotated",
            obj=key,
            before={"kids": [old.kid for old in previous]},
            after={"kid": kid, "previous_withdrawn": withdraw_previous},
        )
    return key


# --- Token audit (called by the OAuth validator and views) ----------------------------------------


def audit_token_event(
    *, action: str, user: Any, application: Application | None, object_id: Any, after: dict[str, Any]
) -> None:
    with transaction.atomic():
        record_event(
            actor=user if isinstance(user, User) else None,
            action=action,
            obj="oauth2_provider.accesstoken",
            object_id=object_id,
            after={"client_id": application.client_id if application else "", **after},
        )


# --- Sign-in sessions ----------------------------------------------------------------------------


def _session_store(session_key: str | None = None) -> SessionBase:
    engine = import_module(settings.SESSION_ENGINE)
    store: SessionBase = engine.SessionStore(session_key=session_key)
    return store


def remember_session(*, user: User, session_key: str, user_agent: str, ip: str | None) -> UserSession:
    """Note a new signed-in session (the sign-in itself is audited by identity)."""
    with transaction.atomic():
        row, _ = UserSession.objects.update_or_create(
            session_key_hash=UserSession.hash_key(session_key),
            defaults={
                "user": user,
                "session_key_encrypted": encrypt_text(session_key),
                "user_agent": (user_agent or "")[:300],
                "ip": ip or None,
                "last_seen_at": timezone.now(),
            },
        )
    return row


def forget_session(*, session_key: str) -> None:
    UserSession.objects.filter(session_key_hash=UserSession.hash_key(session_key)).delete()


def touch_session(*, user: User, session_key: str, user_agent: str, ip: str | None) -> None:
    """Note that a session is in use; a session signed in before the list existed is added."""
    digest = UserSession.hash_key(session_key)
    updated = UserSession.objects.filter(session_key_hash=digest, user=user).update(
        last_seen_at=timezone.now()
    )
    if not updated:
        remember_session(user=user, session_key=session_key, user_agent=user_agent, ip=ip)


def session_is_live(row: UserSession) -> bool:
    """Whether the session still exists (not expired, flushed or ended) for the same user."""
    store = _session_store(decrypt_text(row.session_key_encrypted))
    data = store.load()
    return store.session_key is not None and str(data.get("_auth_user_id", "")) == str(row.user_id)


def revoke_session(*, actor: Any, session: UserSession) -> None:
    """End a signed-in session wherever it is stored; the browser holding it is signed out."""
    _require(actor, permissions.can_act(actor, session, "revoke"), "结束该会话", "end this session")
    key = decrypt_text(session.session_key_encrypted)
    with transaction.atomic():
        _session_store(key).delete(key)
        snapshot = {"user": session.user_id, "ip": session.ip, "user_agent": session.user_agent}
        session_id = session.pk
        session.delete()
        record_event(
            actor=actor,
            action="sso.session_revoked",
            obj="sso.usersession",
            object_id=session_id,
            before=snapshot,
        )


# --- Second factor (staff TOTP) ---------------------------------------------------------------------


def _normalise_code(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def begin_totp_enrolment(*, user: User) -> TOTPDevice:
    """The user's unconfirmed authenticator (created once, shown until a code confirms it)."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=False)
            record_event(
                actor=user, action="sso.otp_enrolment_started", obj=user, after={"device": device.pk}
            )
    return device


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="恢复码", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(otp.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def confirm_totp_enrolment(*, user: User, device: TOTPDevice, code: str) -> list[str]:
    """Confirm the authenticator with a code it shows; returns the new one-time recovery codes."""
    if device.user_id != user.pk or device.confirmed:
        raise NotFound(
            "otp_device_not_found",
            "未找到待绑定的验证器",
            "no authenticator is waiting to be confirmed",
            status=404,
        )
    with transaction.atomic():
        ok = device.verify_token(_normalise_code(code))
        if ok:
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _new_recovery_codes(user)
            record_event(actor=user, action="sso.otp_enrolled", obj=user, after={"device": device.pk})
        else:
            record_event(actor=user, action="sso.otp_failed", obj=user, after={"step": "enrol"})
    if not ok:
        raise DomainError(
            "otp_invalid",
            "验证码不正确或已过期",
            "the code is wrong or has expired",
            details={"field": "code"},
        )
    return codes


def verify_second_factor(*, user: User, code: str) -> Device:
    """The device that accepts ``code``: the authenticator for six digits, else a recovery code.

    A recovery code works once; failures count towards django-otp's growing delay per device.
    """
    code = _normalise_code(code)
    device: Device | None
    if code.isdigit() and len(code) == 6:
        device, kind = otp.confirmed_totp(user), "totp"
    else:
        device, kind = otp.recovery_device(user), "recovery_code"
    if device is None:
        raise DomainError(
            "otp_invalid",
            "验证码不正确或已过期",
            "the code is wrong or has expired",
            details={"field": "code"},
        )
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        raise DomainError(
            "otp_throttled",
            "尝试次数过多，请稍后再试",
            "too many attempts; wait a moment and try again",
            status=429,
        )
    with transaction.atomic():
        ok = device.verify_token(code)
        after: dict[str, Any] = {"kind": kind}
        if ok and kind == "recovery_code":
            after["recovery_codes_left"] = device.token_set.count()
        record_event(actor=user, action="sso.otp_verified" if ok else "sso.otp_failed", obj=user, after=after)
    if not ok:
        raise DomainError(
            "otp_invalid",
            "验证码不正确或已过期",
            "the code is wrong or has expired",
            details={"field": "code"},
        )
    return device


def regenerate_recovery_codes(*, user: User) -> list[str]:
    """New recovery codes for a user who has an authenticator; the old codes stop working."""
    if otp.confirmed_totp(user) is None:
        raise DomainError("otp_not_enrolled", "请先绑定身份验证器", "set up an authenticator first")
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        record_event(
            actor=user, action="sso.recovery_codes_regenerated", obj=user, after={"count": len(codes)}
        )
    return codes


def reset_second_factor(*, actor: Any, user: User) -> int:
    """Remove a user's authenticators and recovery codes (lost phone); next sign-in enrols anew."""
    _require(actor, permissions.is_platform_admin(actor), "重置两步验证", "reset two-step verification")
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[0]
        removed += StaticDevice.objects.filter(user=user).delete()[0]
        record_event(actor=actor, action="sso.otp_reset", obj=user, after={"rows_removed": removed})
    return removed


def forget_ended_sessions(*, user: User) -> list[UserSession]:
    """The user's sessions that still exist; rows of expired or ended ones are dropped."""
    live: list[UserSession] = []
    ended: list[int] = []
    for row in sessions_of(user):
        if session_is_live(row):
            live.append(row)
        else:
            ended.append(row.pk)
    if ended:
        UserSession.objects.filter(pk__in=ended).delete()
    return live


def check_second_factor_for_token(*, user: User, code: str) -> None:
    """The API's token endpoint is a sign-in too: staff who need TOTP send a code with the password."""
    if not otp.otp_required_for(user):
        return
    if otp.confirmed_totp(user) is None:
        raise DomainError(
            "otp_enrolment_required",
            "请先在网页上登录并绑定身份验证器",
            "sign in on the web and set up an authenticator first",
            status=403,
        )
    if not (code or "").strip():
        raise DomainError(
            "otp_required",
            "请同时提交两步验证码（otp）",
            "send the two-step verification code (otp) too",
            status=401,
        )
    try:
        verify_second_factor(user=user, code=code)
    except DomainError as exc:
        if exc.status == 400:
            exc.status = 401
        raise


# --- Real-name level L2 through the population base ----------------------------------------------


def verify_real_name_online(*, user: User) -> bool:
    """Raise a citizen from L1 to L2 when the data hub's population base knows their name and ID
    number (实名核验); anything else (L3) needs a visit to a service window."""
    if user.kind != User.Kind.CITIZEN or not user.id_number_encrypted:
        raise DomainError(
            "real_name_not_applicable",
            "只有登记了身份证号码的个人用户可以在线核验实名",
            "only citizens with an ID number can verify their real name online",
        )
    if user.real_name_level >= User.RealNameLevel.L2:
        return True
    try:
        from govhall.datahub.services import verify_real_name
    except ImportError as exc:  # a deployment without the data hub
        raise DomainError(
            "population_unavailable",
            "人口库暂不可用，请到窗口核验",
            "the population base is not available",
            status=503,
        ) from exc
    with transaction.atomic():
        matched = verify_real_name(user.id_number, user.display_name, actor=user)
        if matched:
            from govhall.identity import services as identity_services

            identity_services.set_real_name_level(actor=None, user=user, level=User.RealNameLevel.L2)
        record_event(
            actor=user,
            action="sso.real_name_checked",
            obj=user,
            after={"via": "population_base", "matched": matched},
        )
    return matched
