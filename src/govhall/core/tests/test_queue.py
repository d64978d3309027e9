"""The task queue for real: a Huey consumer on SQLite and on Redis, the Redis cache, on-commit enqueue.

The suite runs Huey in immediate mode; these tests build their own non-immediate Huey instances
so that messages really go through storage and a consumer.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from huey import Huey, RedisHuey, SqliteHuey
from huey.consumer import Consumer

from govhall.core.queue import enqueue_on_commit

PROJECT_DIR = Path(settings.PROJECT_DIR)


def multiply(a: int, b: int) -> dict[str, Any]:
    """The work the consumers do; it reports which thread and process ran it."""
    return {"product": a * b, "thread": threading.get_ident(), "pid": os.getpid()}


@contextmanager
def running_consumer(huey: Huey) -> Iterator[Consumer]:
    # Consumer.start() installs signal handlers meant for its own process; put pytest's back.
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer = Consumer(
        huey, workers=2, worker_type="thread", periodic=False, initial_delay=0.05, max_delay=0.2
    )
    consumer.start()
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def assert_consumer_runs_tasks(huey: Huey) -> None:
    assert not huey.immediate
    task = huey.task(name="multiply")(multiply)
    results = [task(n, 7) for n in range(5)]
    assert huey.pending_count() == 5, "tasks must wait in storage until a consumer takes them"

    with running_consumer(huey):
        outcomes = [result.get(blocking=True, timeout=10) for result in results]

    assert [outcome["product"] for outcome in outcomes] == [0, 7, 14, 21, 28]
    assert all(outcome["thread"] != threading.get_ident() for outcome in outcomes)
    assert huey.pending_count() == 0


def test_sqlite_queue_with_a_real_consumer(tmp_path: Path) -> None:
    huey = SqliteHuey(f"govhall-test-{uuid.uuid4().hex[:8]}", filename=str(tmp_path / "huey.sqlite3"))
    assert_consumer_runs_tasks(huey)


@pytest.mark.redis
def test_redis_queue_with_a_real_consumer(redis_url: str) -> None:
    huey = RedisHuey(f"govhall-test-{uuid.uuid4().hex}", url=redis_url)
    try:
        assert_consumer_runs_tasks(huey)
    finally:
        huey.flush()


@pytest.mark.redis
def test_redis_cache_backend(redis_url: str) -> None:
    prefix = f"govhall-test-{uuid.uuid4().hex}"
    cache = RedisCache(redis_url, {"KEY_PREFIX": prefix})
    other = RedisCache(redis_url, {"KEY_PREFIX": f"{prefix}-other"})
    try:
        assert cache.get("case:YF-1") is None
        cache.set("case:YF-1", {"status": "已受理", "days": 3}, timeout=30)
        assert cache.get("case:YF-1") == {"status": "已受理", "days": 3}
        assert other.get("case:YF-1") is None, "key prefixes must keep deployments apart"
        assert cache.add("case:YF-1", "ignored") is False
        assert cache.add("counter", 0) is True
        assert cache.incr("counter") == 1
        assert cache.get_many(["case:YF-1", "counter"]) == {
            "case:YF-1": {"status": "已受理", "days": 3},
            "counter": 1,
        }
        assert cache.delete("case:YF-1") is True
        assert cache.get("case:YF-1") is None
    finally:
        cache.delete_many(["case:YF-1", "counter"])


def test_project_consumer_command_drains_the_configured_queue(tmp_path: Path) -> None:
    """``manage.py run_huey`` with the project's settings takes tasks from var/huey.sqlite3."""
    queue_name = f"govhall-run-huey-{uuid.uuid4().hex[:8]}"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "GOVHALL_TESTING", "HUEY_IMMEDIATE", "HUEY_NAME"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "govhall.settings",
            "DEBUG": "1",
            "GOVHALL_VAR": str(tmp_path),
            "HUEY_IMMEDIATE": "0",
            "HUEY_NAME": queue_name,
            "PYTHONPATH": str(PROJECT_DIR / "src"),
        }
    )
    # The consumer learns the task the way a deployment does: by importing the module defining it.
    script = (
        "import django; django.setup()\n"
        "from huey.contrib.djhuey import HUEY\n"
        f"from {__name__} import multiply\n"
        "HUEY.task(name='multiply')(multiply)\n"
        "from django.core.management import call_command\n"
        "call_command('run_huey', workers=1, periodic=False)\n"
    )
    consumer = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        producer = SqliteHuey(queue_name, filename=str(tmp_path / "huey.sqlite3"))
        task = producer.task(name="multiply")(multiply)
        result = task(6, 7)
        outcome = result.get(blocking=True, timeout=30)
        assert outcome["product"] == 42
        assert outcome["pid"] == consumer.pid
    finally:
        consumer.send_signal(signal.SIGINT)
        try:
            output, _ = consumer.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            consumer.kill()
            output, _ = consumer.communicate()
    assert "Huey consumer started" in output, output


# --- enqueue on commit ---------------------------------------------------------------------------


@pytest.fixture
def stored_queue(tmp_path: Path) -> Huey:
    return SqliteHuey(f"govhall-commit-{uuid.uuid4().hex[:8]}", filename=str(tmp_path / "commit.sqlite3"))


@pytest.mark.django_db
def test_enqueue_on_commit_waits_for_the_commit(
    stored_queue: Huey, django_capture_on_commit_callbacks: Any
) -> None:
    task = stored_queue.task(name="multiply")(multiply)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        enqueue_on_commit(task, 2, b=21)
        assert stored_queue.pending_count() == 0, "nothing may reach the queue before the commit"
    assert len(callbacks) == 1
    assert stored_queue.pending_count() == 1
    message = stored_queue.dequeue()
    assert (message.args, message.kwargs) == ((2,), {"b": 21})


@pytest.mark.django_db
def test_enqueue_on_commit_drops_the_task_on_rollback(
    stored_queue: Huey, django_capture_on_commit_callbacks: Any
) -> None:
    task = stored_queue.task(name="multiply")(multiply)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ValueError), transaction.atomic():
            enqueue_on_commit(task, 1, 1)
            raise ValueError("abandon the change")
        with transaction.atomic():
            enqueue_on_commit(task, 3, 3)
    assert len(callbacks) == 1
    assert stored_queue.pending_count() == 1
    assert stored_queue.dequeue().args == (3, 3)


@pytest.mark.django_db(transaction=True)
def test_enqueue_on_commit_outside_a_transaction_enqueues_at_once(stored_queue: Huey) -> None:
    task = stored_queue.task(name="multiply")(multiply)
    enqueue_on_commit(task, 4, 5)
    assert stored_queue.pending_count() == 1
    with transaction.atomic():
        enqueue_on_commit(task, 5, 6)
        assert stored_queue.pending_count() == 1
    assert stored_queue.pending_count() == 2
