#!/usr/bin/env python3
"""`make drill`: faults in the middle of the load, then real counts. Exits 1 unless 0 lost, 0 duplicated.

On the cluster of scripts/cluster.py (its own PostgreSQL and Redis, never the machine's):

  1. the locust mix runs for DRILL_SECONDS (default 90); every acknowledged submission (2xx) is
     recorded by the client with its Idempotency-Key and case number;
  2. at 15 s web-1 (gunicorn master and workers) is killed with SIGKILL, at 25 s task consumer
     worker-1; both are started again by the supervisor, as systemd would;
  3. at 40 s PostgreSQL stops for a few seconds and starts again; a request sent meanwhile must get
     503 ``database_unavailable``, and clients retry their submissions with the same key;
  4. after the load the queue drains, then the counts:
       - every acknowledged submission is in the database exactly once (by key and case number);
       - every notification delivery queued since the start was sent, and each e-mail written
         exactly once (the file mail backend keeps one copy per send);
       - no supervision alert is duplicated, and none that the rules find for the subjects changed
         during the drill is missing;
  5. backup and restore round trips, checked by the row counts of the manifest and audit_verify:
     pg_dump of the live cluster database restored into a scratch database, and the SQLite online
     backup of an embedded (SQLite) installation restored into an empty one.
"""

# ruff: noqa: S603 — commands are built from fixed paths of this project, never from input
from __future__ import annotations

import email
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cluster import PROJECT, PY, Cluster, log, pg_bin
from loadlib import HEADER, prepare_fixture, read_figures, start_locust, wait_locust

SECONDS = int(os.environ.get("DRILL_SECONDS", "90"))
USERS = int(os.environ.get("DRILL_USERS", "30"))
KILL_WEB_AT, KILL_WORKER_AT, PG_STOP_AT, PG_DOWN_FOR = 15, 25, 40, 5
DRAIN_TIMEOUT = int(os.environ.get("DRILL_DRAIN_TIMEOUT", "300"))


def probe(url: str, token: str, item: str) -> tuple[int, dict[str, Any]]:
    """A draft saved while the database is down: the answer a client gets."""
    request = urllib.request.Request(  # noqa: S310 - a loopback http:// address
        f"{url}/api/v1/cases",
        data=json.dumps({"item": item, "draft": True}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        body = exc.read()
        try:
            return exc.code, json.loads(body)
        except ValueError:
            return exc.code, {"raw": body[:200].decode(errors="replace")}


def setup_django(cluster: Cluster) -> None:
    os.environ.update(cluster.env())
    sys.path.insert(0, str(PROJECT / "src"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "govhall.settings"
    import django

    django.setup()


def watermarks() -> dict[str, int]:
    from django.db.models import Max

    from govhall.cases.models import Case
    from govhall.notifications.models import Delivery, Message
    from govhall.supervision.models import Alert

    return {
        "case": Case.objects.aggregate(m=Max("pk"))["m"] or 0,
        "message": Message.objects.aggregate(m=Max("pk"))["m"] or 0,
        "delivery": Delivery.objects.aggregate(m=Max("pk"))["m"] or 0,
        "alert": Alert.objects.aggregate(m=Max("pk"))["m"] or 0,
    }


def drain(marks: dict[str, int], started_at: Any) -> dict[str, int]:
    """Wait until the queue is empty and every delivery since the start is finished.

    A delivery whose task died with a killed consumer (or was never enqueued because its web process
    died after the commit) is what the periodic sweep ``requeue_stale_deliveries`` recovers; the
    drill runs that sweep as soon as such a delivery is older than GOVHALL_DELIVERY_STALE_AFTER
    instead of waiting for its 15-minute schedule.
    """
    from django.db import connections
    from django.utils import timezone
    from huey.contrib.djhuey import HUEY

    from govhall.cases import results
    from govhall.cases.models import CaseResult
    from govhall.cases.tasks import regenerate_missing_result_documents
    from govhall.notifications import sending
    from govhall.notifications.models import Delivery
    from govhall.notifications.tasks import requeue_stale_deliveries

    unfinished = [Delivery.Status.PENDING, Delivery.Status.SENDING, Delivery.Status.RETRYING]
    deadline = time.monotonic() + DRAIN_TIMEOUT
    state: dict[str, int] = {"recovered_by_sweep": 0, "letters_recovered_by_sweep": 0}
    recovered_deliveries: set[int] = set()
    recovered_letters: set[int] = set()
    while time.monotonic() < deadline:
        waiting = Delivery.objects.filter(pk__gt=marks["delivery"], status__in=unfinished)
        state.update(
            queued=HUEY.pending_count(),
            scheduled=HUEY.scheduled_count(),
            unfinished_deliveries=waiting.count(),
            unrendered_letters=CaseResult.objects.filter(decided_at__gte=started_at, sha256="").count(),
        )
        if not (
            state["queued"]
            or state["scheduled"]
            or state["unfinished_deliveries"]
            or state["unrendered_letters"]
        ):
            return state
        if not (state["queued"] or state["scheduled"]):
            stale_ids = set(
                waiting.filter(updated_at__lt=timezone.now() - sending.STALE_AFTER).values_list(
                    "pk", flat=True
                )
            )
            if stale_ids:
                log(f"{len(stale_ids)} deliveries lost their task; running the stale-delivery sweep")
                requeue_stale_deliveries()
                recovered_deliveries.update(stale_ids)
                state["recovered_by_sweep"] = len(recovered_deliveries)
            letters = results.missing_document_ids()
            if letters:
                log(f"{len(letters)} decision letters lost their task; running the letter sweep")
                regenerate_missing_result_documents()
                recovered_letters.update(letters)
                state["letters_recovered_by_sweep"] = len(recovered_letters)
        connections.close_all()
        time.sleep(2)
    return state


def sms_sends(path: Path) -> Counter[str]:
    if not path.exists():
        return Counter()
    return Counter(json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines() if line)


def mails_by_message(mail_dir: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for path in mail_dir.glob("*.log"):
        # The file backend writes each message followed by a line of 79 dashes.
        for chunk in path.read_text(encoding="utf-8", errors="replace").split("\n" + "-" * 79 + "\n"):
            if not chunk.strip():
                continue
            parsed = email.message_from_string(chunk.lstrip("\n"))
            key = parsed.get("X-Govhall-Message")
            if key:
                counts[key.strip()] += 1
    return counts


def check(
    cluster: Cluster, marks: dict[str, int], record: Path, started_at: Any, sms_file: Path
) -> dict[str, int]:
    from django.db.models import Count

    from govhall.cases.models import Case
    from govhall.notifications.models import Delivery
    from govhall.supervision import evaluation, registry
    from govhall.supervision.models import Alert

    acked = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines() if line.strip()]
    keys = Counter(a["key"] for a in acked)
    filed = Case.objects.filter(pk__gt=marks["case"]).exclude(case_no=None)
    by_key = Counter(filed.exclude(idempotency_key="").values_list("idempotency_key", flat=True))
    by_number = Counter(filed.values_list("case_no", flat=True))
    lost_cases = [a for a in acked if by_key.get(a["key"], 0) == 0 or by_number.get(a["case_no"], 0) == 0]
    dup_cases = [a for a in acked if by_key.get(a["key"], 0) > 1 or by_number.get(a["case_no"], 0) > 1]
    dup_cases += [
        k for k, n in keys.items() if n > 1 and len({a["case_no"] for a in acked if a["key"] == k}) > 1
    ]
    mismatched = [
        a for a in acked if filed.filter(idempotency_key=a["key"]).exclude(case_no=a["case_no"]).exists()
    ]
    retried_ok = sum(1 for a in acked if a["tries"] > 1)
    unacked = set(by_key) - set(keys)

    deliveries = Delivery.objects.filter(pk__gt=marks["delivery"])
    status = Counter(deliveries.values_list("status", flat=True))
    mails = mails_by_message(cluster.mail_dir)
    emails = list(deliveries.filter(channel=Delivery.Channel.EMAIL).values_list("message_id", "status"))
    lost_mail = [m for m, s in emails if mails.get(str(m), 0) == 0]
    dup_mail = [m for m, s in emails if mails.get(str(m), 0) > 1]
    not_sent = deliveries.exclude(status=Delivery.Status.SENT).count()
    sends = sms_sends(sms_file)
    sms_ids = list(
        deliveries.filter(channel=Delivery.Channel.SMS, status=Delivery.Status.SENT).values_list(
            "provider_message_id", flat=True
        )
    )
    lost_sms = [i for i in sms_ids if sends.get(i, 0) == 0]
    # A send the carrier took but whose success was never recorded (the worker died in between)
    # is sent again after the lease: the recipient gets the text twice.
    unrecorded_sms = [i for i in sends if i not in set(sms_ids)]

    from govhall.cases.models import CaseResult

    results = CaseResult.objects.filter(decided_at__gte=started_at)
    missing_documents = results.filter(generated_at=None).count()
    unreadable = sum(
        1
        for r in results.exclude(generated_at=None).only("document")
        if not r.document.storage.exists(r.document.name)
    )

    dup_alerts = (
        Alert.objects.values("rule_kind", "subject_type", "subject_id", "key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    # An evaluator's check leaves out findings whose alert exists, so what it returns is exactly
    # what the queued evaluations should have raised and did not.
    expected: set[tuple[str, str, str, str]] = set()
    checked_subjects = 0
    for evaluator in registry.evaluators():
        ids = sorted(set(evaluator.changed(started_at)))
        checked_subjects += len(ids)
        for finding in evaluation.full_scan(evaluator.name, ids):
            expected.add((finding.kind, finding.subject_type, str(finding.subject_id), finding.key))
    present = {
        (a.rule_kind, a.subject_type, str(a.subject_id), a.key)
        for a in Alert.objects.only("rule_kind", "subject_type", "subject_id", "key")
    }
    lost_alerts = expected - present
    raised = Counter(Alert.objects.filter(pk__gt=marks["alert"]).values_list("rule_kind", flat=True))
    new_alerts = sum(raised.values())
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(raised.items())) or "none"

    print("\n## Drill counts\n")
    print(
        f"- submissions acknowledged to clients: {len(acked)} ({retried_ok} only after retries with the same key)"
    )
    print(
        f"  in the database: {sum(1 for a in acked if by_key.get(a['key']) == 1)} exactly once; "
        f"lost {len(lost_cases)}, duplicated {len(dup_cases)}, other case number {len(mismatched)}"
    )
    print(f"  filed but never acknowledged (client gave up or the answer was lost): {len(unacked)}")
    print(
        f"- notification deliveries queued since the start: {deliveries.count()} — "
        + ", ".join(f"{k} {v}" for k, v in sorted(status.items()))
    )
    print(
        f"  SMS handed to the gateway: {sum(sends.values())} for {len(sms_ids)} SMS deliveries sent; "
        f"missing {len(lost_sms)}, sent twice {len(unrecorded_sms)}"
    )
    print(
        f"  e-mails written: {sum(mails.values())} for {len(emails)} e-mail deliveries; "
        f"missing {len(lost_mail)}, written twice {len(dup_mail)}"
    )
    print(
        f"- decision letters rendered by the consumers: {results.count() - missing_documents} of "
        f"{results.count()} decided cases; missing {missing_documents}, not on the shared store {unreadable}"
    )
    print(
        f"- supervision: {new_alerts} alerts raised during the drill ({kinds}); the rules re-run over the "
        f"{checked_subjects} subjects changed find {len(lost_alerts)} findings without their alert (missing); "
        f"alerts raised twice {dup_alerts}"
    )
    return {
        "lost": len(lost_cases)
        + len(mismatched)
        + len(lost_mail)
        + len(lost_sms)
        + not_sent
        + len(lost_alerts)
        + missing_documents
        + unreadable,
        "duplicated": len(dup_cases) + len(dup_mail) + len(unrecorded_sms) + dup_alerts,
        "acked": len(acked),
    }


def round_trips(cluster: Cluster) -> bool:
    """pg_dump → scratch database, and SQLite online backup → empty database; both checked."""
    ok = True
    backups = cluster.root / "backups"
    shutil.rmtree(backups, ignore_errors=True)
    backups.mkdir(parents=True)
    dump = backups / "cluster.dump"
    cluster.manage("backup", str(dump))
    port = str(cluster.ports.postgres)
    subprocess.run(
        [pg_bin("dropdb"), "-h", "127.0.0.1", "-p", port, "-U", "postgres", "--if-exists", "govhall_restore"],
        check=True,
    )
    subprocess.run(
        [pg_bin("createdb"), "-h", "127.0.0.1", "-p", port, "-U", "postgres", "govhall_restore"], check=True
    )
    env = {**cluster.env(), "DATABASE_URL": cluster.database_url.rsplit("/", 1)[0] + "/govhall_restore"}
    result = subprocess.run(
        [PY, str(PROJECT / "manage.py"), "restore", str(dump), "--yes"], env=env, cwd=PROJECT
    )
    ok &= result.returncode == 0
    log(f"PostgreSQL round trip: {'OK' if result.returncode == 0 else 'FAILED'}")
    subprocess.run(
        [pg_bin("dropdb"), "-h", "127.0.0.1", "-p", port, "-U", "postgres", "govhall_restore"], check=False
    )

    # An embedded installation: SQLite database and Huey on SQLite, no Redis.
    embedded = cluster.root / "embedded"
    restored = cluster.root / "embedded-restored"
    base = {k: v for k, v in cluster.env().items() if k not in ("DATABASE_URL", "REDIS_URL", "HUEY_NAME")}
    env_embedded = {
        **base,
        "GOVHALL_VAR": str(embedded),
        "SECRET_KEY_FILE": str(cluster.shared / "secret_key"),
    }
    embedded.mkdir(exist_ok=True)
    manage = [PY, str(PROJECT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env_embedded, cwd=PROJECT, check=True)
    if not (embedded / ".seeded").exists():
        subprocess.run(
            [*manage, "seed_demo", "--citizens", "50", "--enterprises", "10"],
            env=env_embedded,
            cwd=PROJECT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (embedded / ".seeded").touch()
    copy = backups / "embedded.sqlite3"
    subprocess.run([*manage, "backup", str(copy)], env=env_embedded, cwd=PROJECT, check=True)
    shutil.rmtree(restored, ignore_errors=True)
    restored.mkdir()
    env_restored = {**env_embedded, "GOVHALL_VAR": str(restored)}
    result = subprocess.run([*manage, "restore", str(copy), "--yes"], env=env_restored, cwd=PROJECT)
    ok &= result.returncode == 0
    log(f"SQLite round trip: {'OK' if result.returncode == 0 else 'FAILED'}")
    return ok


def main() -> int:
    cluster = Cluster()
    done = threading.Event()
    restarts: list[str] = []

    def supervise() -> None:
        while not done.wait(0.5):
            before = {n: c.starts for n, c in cluster.children.items()}
            try:
                cluster.supervise_once()
            except RuntimeError as exc:
                log(f"error: {exc}")
            restarts.extend(n for n, c in cluster.children.items() if c.starts > before[n])

    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    out = cluster.root / "drill"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    sms_file = out / "sms.jsonl"
    cluster.extra_env = {
        "GOVHALL_SMS_GATEWAY": "drill_sms.FileSmsGateway",
        "GOVHALL_DRILL_SMS_FILE": str(sms_file),
        "PYTHONPATH": f"{PROJECT / 'src'}:{PROJECT / 'loadtest'}",
        # Recover a dead worker's claim after 20 s and a lost task after 30 s, not 10 and 15 minutes.
        "GOVHALL_DELIVERY_CLAIM_LEASE": "20",
        "GOVHALL_DELIVERY_STALE_AFTER": "30",
        "GOVHALL_RESULT_DOCUMENT_STALE_AFTER": "30",
    }
    try:
        cluster.start()
        threading.Thread(target=supervise, daemon=True).start()
        shutil.rmtree(cluster.mail_dir, ignore_errors=True)
        cluster.mail_dir.mkdir(parents=True)
        fixture = out / "fixture.json"
        prepare_fixture(cluster, fixture)
        fixture_data = json.loads(fixture.read_text(encoding="utf-8"))
        setup_django(cluster)
        from django.db import connections
        from django.utils import timezone

        marks = watermarks()
        started_at = timezone.now()
        sms_file.unlink(missing_ok=True)
        connections.close_all()

        record = out / "acknowledged.jsonl"
        record.touch()
        log(
            f"drill: {USERS} users for {SECONDS} s through nginx; faults at {KILL_WEB_AT}, {KILL_WORKER_AT}, {PG_STOP_AT} s"
        )
        t0 = time.monotonic()
        locust = start_locust(
            host=cluster.url,
            fixture=fixture,
            csv_prefix=out / "load",
            users=USERS,
            spawn_rate=max(1, USERS // 5),
            seconds=SECONDS,
            record=record,
            logfile=out / "locust.log",
        )

        def at(second: float) -> None:
            time.sleep(max(0.0, t0 + second - time.monotonic()))

        at(KILL_WEB_AT)
        log(f"kill -9 web-1 (pid {cluster.kill('web-1')})")
        at(KILL_WORKER_AT)
        log(f"kill -9 worker-1 (pid {cluster.kill('worker-1')})")
        at(PG_STOP_AT)
        log("stopping PostgreSQL")
        cluster.pg_ctl("stop", "-m", "fast")
        status, body = probe(cluster.url, fixture_data["citizens"][0]["token"], fixture_data["item"])
        log(
            f"request while PostgreSQL is down: HTTP {status} {body.get('code')} — {body.get('message', body)}"
        )
        probe_ok = status == 503 and body.get("code") == "database_unavailable"
        time.sleep(PG_DOWN_FOR)
        cluster.pg_ctl("start")
        log(f"PostgreSQL started again after {PG_DOWN_FOR} s down")
        wait_locust(locust, SECONDS)
        figures = read_figures("cluster under faults", out / "load", time.monotonic() - t0)
        log("load finished; waiting for the queue to drain")
        state = drain(marks, started_at)
        log(f"queue: {state}")
        result = check(cluster, marks, record, started_at, sms_file)
        connections.close_all()
        print(
            f"- tasks lost with a killed process and recovered by the sweeps: {state['recovered_by_sweep']} "
            f"deliveries, {state['letters_recovered_by_sweep']} decision letters"
        )
        print(f"\n- processes started again by the supervisor: {', '.join(restarts) or 'none'}")
        print(
            f"- request while PostgreSQL was down: HTTP {status} {body.get('code')} ({'as expected' if probe_ok else 'WRONG'})"
        )
        print(
            f"\n{HEADER}\n{figures.row()}\n(errors include the refused and 503 answers that clients then retried)"
        )
        backups_ok = round_trips(cluster)
        lost, duplicated = result["lost"], result["duplicated"]
        print(f"\ndrill: {lost} lost, {duplicated} duplicated ({result['acked']} acknowledged submissions)")
        good = (
            lost == 0
            and duplicated == 0
            and probe_ok
            and backups_ok
            and result["acked"] > 0
            and not (state["queued"] or state["scheduled"] or state["unfinished_deliveries"])
            and not state["unrendered_letters"]
        )
        if not good:
            print("drill: FAILED", file=sys.stderr)
        return 0 if good else 1
    except KeyboardInterrupt:
        return 130
    finally:
        done.set()
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
