"""Writes of the analytics app: asking for a warehouse refresh (the refresh itself is ``warehouse``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from govhall.analytics.models import WarehouseRun
from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.errors import PermissionDenied
from govhall.core.queue import enqueue_on_commit


def request_refresh(*, actor: Any, full: bool = False) -> None:
    """Queue a refresh of the warehouse (platform admins); audited."""
    if not permissions.can_act(actor, WarehouseRun, "refresh"):
        raise PermissionDenied(
            "forbidden", "只有平台管理员可以刷新数据仓库", "only platform admins refresh the warehouse"
        )
    from govhall.analytics import tasks

    with transaction.atomic():
        record_event(actor=actor, action="analytics.refresh_requested", obj="warehouse", after={"full": full})
        enqueue_on_commit(tasks.refresh_warehouse_now, full)
