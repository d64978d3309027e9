"""Building disclosure records through the real services, for tests and the benchmark."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from govhall.disclosure import services
from govhall.disclosure.models import Publication
from govhall.identity.models import Department


def draft(
    department: Department,
    drafter: Any,
    *,
    title: str = "关于进一步优化营商环境的若干措施",
    category: str = "02",
    body: str = "为深入贯彻落实优化营商环境条例，结合本市实际，制定以下措施。",
    **extra: Any,
) -> Publication:
    return services.create_publication(
        actor=drafter,
        department=department,
        category=services.category_by_code(category),
        title=title,
        issuing_body=extra.pop("issuing_body", department.name),
        body=body,
        **extra,
    )


def published(
    department: Department,
    drafter: Any,
    reviewer: Any,
    publisher: Any,
    *,
    at: datetime | None = None,
    **fields: Any,
) -> Publication:
    publication = draft(department, drafter, **fields)
    services.submit_for_review(actor=drafter, publication=publication)
    services.review(actor=reviewer, publication=publication, conclusion="cleared", opinion="不涉密")
    return services.publish(actor=publisher, publication=publication, at=at)


def written(day: date) -> dict[str, date]:
    return {"written_on": day}
