"""Domain errors that carry a machine-readable code and a message in Chinese and English.

Services raise them; the API turns them into ``{"code", "message", "message_zh", "message_en"}``
with the given HTTP status, and views show ``message``.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400

    def __init__(
        self,
        code: str,
        message_zh: str,
        message_en: str,
        *,
        status: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.details = details or {}
        if status is not None:
            self.status = status

    @property
    def message(self) -> str:
        return f"{self.message_zh} ({self.message_en})"

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }
        if self.details:
            body["details"] = self.details
        return body


class NotFound(DomainError):
    status = 404


class PermissionDenied(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409
