"""The warehouse's log of refreshes. The facts themselves live in DuckDB (``warehouse.py``)."""

from __future__ import annotations

from django.db import models


class WarehouseRun(models.Model):
    """One refresh of the DuckDB warehouse from the operational database."""

    class Status(models.TextChoices):
        RUNNING = "running", "运行中 running"
        DONE = "done", "完成 done"
        FAILED = "failed", "失败 failed"

    started_at = models.DateTimeField("开始时间 started at", db_index=True)
    finished_at = models.DateTimeField("结束时间 finished at", null=True, blank=True)
    status = models.CharField("状态 status", max_length=10, choices=Status.choices, default=Status.RUNNING)
    full = models.BooleanField("全量重建 full rebuild", default=False)
    source = models.CharField("读取的数据库 source database alias", max_length=40, default="default")
    rows = models.JSONField("各事实表写入行数 rows per fact", default=dict, blank=True)
    error = models.TextField("错误 error", blank=True)

    class Meta:
        verbose_name = "数据仓库刷新 warehouse refresh"
        verbose_name_plural = "数据仓库刷新 warehouse refreshes"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.get_status_display()}"

    @property
    def total_rows(self) -> int:
        return sum(int(v) for v in (self.rows or {}).values())
