"""Departments' SM2 signing keys (部门签名密钥): one active key per department, retired keys kept.

A retired key never signs again but stays, so that everything it signed can still be verified. The
private key is stored encrypted (:func:`govhall.core.crypto.encrypt_text`); the public key is plain.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from govhall.identity.models import Department


class DepartmentKey(models.Model):
    class Algorithm(models.TextChoices):
        SM2_SM3 = "SM2-SM3", "SM2 签名 / SM3 摘要 SM2 with SM3"

    department = models.ForeignKey(
        Department, verbose_name="部门 department", on_delete=models.PROTECT, related_name="signing_keys"
    )
    generation = models.PositiveIntegerField("代次 generation")
    key_id = models.CharField("密钥标识 key id", max_length=40, unique=True)
    algorithm = models.CharField(
        "算法 algorithm", max_length=12, choices=Algorithm.choices, default=Algorithm.SM2_SM3
    )
    public_key = models.CharField("公钥 public key", max_length=128, help_text="x ‖ y, 128 hex digits")
    private_key_encrypted = models.TextField("私钥（密文） private key (encrypted)", editable=False)
    is_active = models.BooleanField("在用 active", default=True)
    created_at = models.DateTimeField("生成时间 created at", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="生成人 created by",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    retired_at = models.DateTimeField("停用时间 retired at", null=True, blank=True)

    class Meta:
        verbose_name = "部门签名密钥 department signing key"
        verbose_name_plural = "部门签名密钥 department signing keys"
        ordering = ["department_id", "-generation"]
        constraints = [
            models.UniqueConstraint(fields=["department", "generation"], name="department_key_generation"),
            models.UniqueConstraint(
                fields=["department"], condition=models.Q(is_active=True), name="department_key_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key_id} ({'在用' if self.is_active else '已停用'})"
