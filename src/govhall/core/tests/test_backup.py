"""Backup and restore round trip on the database under test (SQLite online backup, or pg_dump).

One test: it copies and replaces the whole test database, which takes a few seconds on PostgreSQL.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from govhall.core import backup
from govhall.core.audit import record_event, verify_chain
from govhall.core.models import AuditEvent
from govhall.identity.models import User
from govhall.testing import personas

pytestmark = pytest.mark.django_db(transaction=True)


def test_backup_and_restore_round_trip(tmp_path: Path) -> None:
    if connection.vendor == "postgresql" and shutil.which("pg_dump") is None:
        pytest.skip("the PostgreSQL client tools are not installed")
    citizen = personas.citizen("citizen")
    for n in range(3):
        with transaction.atomic():
            record_event(actor=citizen, action="test.backup", obj="backup", object_id=n)
    users, events = User.objects.count(), AuditEvent.objects.count()

    out = io.StringIO()
    target = tmp_path / ("govhall.sqlite3" if connection.vendor == "sqlite" else "govhall.dump")
    call_command("backup", str(target), stdout=out)
    assert "backup written" in out.getvalue()
    assert target.stat().st_mode & 0o777 == 0o600
    manifest = json.loads(backup.manifest_path(target).read_text(encoding="utf-8"))
    assert manifest["vendor"] == connection.vendor
    assert manifest["counts"]["identity_user"] == users
    assert manifest["counts"]["core_auditevent"] == events
    assert manifest["audit_head"] == AuditEvent.objects.order_by("-sequence").first().sequence  # type: ignore[union-attr]

    # Changes after the backup are gone after the restore; what was saved is back, chain intact.
    personas.citizen("other_citizen")
    with transaction.atomic():
        record_event(actor=citizen, action="test.after_backup", obj="backup", object_id=9)
    User.objects.filter(pk=citizen.pk).update(display_name="改过的名字")

    out = io.StringIO()
    call_command("restore", str(target), "--yes", stdout=out)
    assert "row counts match the manifest" in out.getvalue()
    assert f"audit chain OK: {events} events" in out.getvalue()
    assert User.objects.count() == users
    assert AuditEvent.objects.count() == events
    assert not User.objects.filter(username="other_citizen").exists()
    assert User.objects.get(pk=citizen.pk).display_name == "张三"
    assert verify_chain().ok
    # The restored database takes new writes where the saved one stopped.
    with transaction.atomic():
        event = record_event(actor=citizen, action="test.after_restore", obj="backup", object_id=10)
    assert event.sequence == manifest["audit_head"] + 1
    assert verify_chain().ok


def test_restore_refuses_without_confirmation(tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(tmp_path / "none.sqlite3"))
