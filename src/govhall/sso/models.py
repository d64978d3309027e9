"""Signing keys for ID tokens, what the platform knows about each client system, and sign-in sessions."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class SigningKey(models.Model):
    """An RSA key that signs ID tokens (RS256); one is active, retired ones stay published a while.

    The private key is stored encrypted with the field-encryption key, never in code or settings,
    so that rotating it is a database write every web process sees at once.
    """

    kid = models.CharField("密钥标识 key id", max_length=64, unique=True)
    private_key_encrypted = models.TextField("私钥（密文） private key (encrypted)", editable=False)
    public_jwk = models.JSONField("公钥 public JWK")
    is_active = models.BooleanField("当前签名密钥 active", default=True)
    created_at = models.DateTimeField("创建时间 created at", auto_now_add=True)
    retired_at = models.DateTimeField("停用时间 retired at", null=True, blank=True)
    # Retired keys stay in the JWKS until every ID token they signed has expired.
    published_until = models.DateTimeField("公布截止 published until", null=True, blank=True)

    class Meta:
        verbose_name = "签名密钥 signing key"
        verbose_name_plural = "签名密钥 signing keys"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="sso_one_active_signing_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kid[:12]}…{' (active)' if self.is_active else ''}"

    def is_published(self, now: datetime | None = None) -> bool:
        moment = now or timezone.now()
        return self.is_active or (self.published_until is not None and self.published_until > moment)


class ClientProfile(models.Model):
    """The platform's record of a client system (接入应用) beside its OAuth application row."""

    application = models.OneToOneField(
        "oauth2_provider.Application",
        verbose_name="应用 application",
        on_delete=models.CASCADE,
        related_name="govhall_profile",
    )
    is_government = models.BooleanField(
        "政府部门系统 government system",
        default=False,
        help_text="政府部门自建系统免于逐项授权确认 government systems skip the consent screen",
    )
    department = models.ForeignKey(
        "identity.Department",
        verbose_name="主管部门 owning department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sso_clients",
    )
    description = models.CharField("说明 description", max_length=200, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人 registered by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间 registered at", auto_now_add=True)

    class Meta:
        verbose_name = "接入应用 client system"
        verbose_name_plural = "接入应用 client systems"

    def __str__(self) -> str:
        return str(self.application.name)


class UserSession(models.Model):
    """One signed-in browser session of a user, so that the user can see and end it.

    The session key is what ends the session in any session engine (database or cache); it is kept
    encrypted and found by its SHA-256.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户 user",
        on_delete=models.CASCADE,
        related_name="sign_in_sessions",
    )
    session_key_hash = models.CharField("会话摘要 session hash", max_length=64, unique=True)
    session_key_encrypted = models.TextField("会话标识（密文） session key (encrypted)", editable=False)
    user_agent = models.CharField("浏览器 user agent", max_length=300, blank=True)
    ip = models.GenericIPAddressField("IP 地址 IP address", null=True, blank=True)
    created_at = models.DateTimeField("登录时间 signed in at", auto_now_add=True)
    last_seen_at = models.DateTimeField("最近活动 last seen", default=timezone.now)

    class Meta:
        verbose_name = "登录会话 sign-in session"
        verbose_name_plural = "登录会话 sign-in sessions"
        ordering = ["-last_seen_at"]
        indexes = [models.Index(fields=["user", "-last_seen_at"], name="sso_session_user_seen")]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def hash_key(session_key: str) -> str:
        return hashlib.sha256(session_key.encode("ascii", "ignore")).hexdigest()
