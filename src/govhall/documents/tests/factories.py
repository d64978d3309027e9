"""Building documents through the real services, for tests, the demo and the benchmark."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from govhall.documents import services
from govhall.documents.models import Document, ExchangeUnit
from govhall.identity.models import Department

BODY = (
    "为切实做好全市公文电子交换工作，提高办文效率，经市人民政府同意，现就有关事项通知如下。\n"
    "一、各单位应当指定专人负责电子公文的签收和办理，每个工作日上午、下午各登录一次系统。\n"
    "二、收到公文后应当在规定时限内签收；不属于本单位办理的，应当写明理由退回。"
)


def authority(
    department: Department, *, mark: str = "", prefix: str = "", clearance: int = 0
) -> ExchangeUnit:
    unit, _ = ExchangeUnit.objects.update_or_create(
        department=department,
        defaults={"issuing_mark": mark, "number_prefix": prefix, "clearance": clearance},
    )
    return unit


def draft(
    department: Department, drafter: Any, *, title: str = "关于做好电子公文交换工作的通知", **fields: Any
) -> Document:
    fields.setdefault("body", BODY)
    fields.setdefault("main_recipients", "各县（市、区）人民政府，市政府各部门、各直属机构")
    return services.create_document(actor=drafter, department=department, title=title, **fields)


def signed(
    department: Department, drafter: Any, leader: Any, *, at: datetime | None = None, **fields: Any
) -> Document:
    document = draft(department, drafter, **fields)
    services.submit_for_signoff(actor=drafter, document=document)
    return services.sign_off(actor=leader, document=document, at=at)
