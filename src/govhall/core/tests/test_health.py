"""/healthz: what a load balancer sees when the parts are up, and when one is not."""

from __future__ import annotations

import statistics
import time
import uuid
from typing import Any

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.db.utils import ConnectionHandler
from django.test import Client
from huey import RedisHuey, SqliteHuey

from govhall.core import health

pytestmark = pytest.mark.django_db

# Nothing listens on port 1; connecting fails at once, which is what an outage looks like.
DEAD_REDIS = "redis://127.0.0.1:1/0"


def test_healthz_reports_every_part(client: Client, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["vendor"] == connection.vendor
    assert body["database"]["latency_ms"] >= 0
    assert body["queue"]["ok"] is True
    assert body["queue"]["backend"] in {"SqliteHuey", "RedisHuey"}
    assert isinstance(body["queue"]["pending"], int)
    assert body["cache"] == {
        "ok": True,
        "backend": body["cache"]["backend"],
        "latency_ms": body["cache"]["latency_ms"],
    }
    # No session or login is touched: a probe must not create sessions or need a user.
    assert "sessionid" not in response.cookies


def test_healthz_is_fast(client: Client) -> None:
    client.get("/healthz")
    timings = []
    for _ in range(20):
        started = time.perf_counter()
        assert client.get("/healthz").status_code == 200
        timings.append((time.perf_counter() - started) * 1000)
    # Normally about a millisecond; the bound leaves room for a busy machine, not for a timeout.
    assert statistics.median(timings) < 25, timings


def test_healthz_refuses_writes(client: Client) -> None:
    assert client.post("/healthz").status_code == 405


def test_healthz_is_503_in_the_same_shape_when_the_queue_is_down(client: Client, monkeypatch: Any) -> None:
    monkeypatch.setattr(health, "default_huey", lambda: RedisHuey("govhall-health-dead", url=DEAD_REDIS))
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"]["ok"] is True
    assert body["queue"]["ok"] is False
    assert body["queue"]["backend"] == "RedisHuey"
    assert body["queue"]["error"].startswith("ConnectionError")
    assert set(body) == {"status", "database", "queue", "cache"}


def test_unreachable_database_is_reported_not_raised() -> None:
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "HOST": "127.0.0.1",
                "PORT": "1",
                "NAME": "nowhere",
                "USER": "nobody",
                "PASSWORD": "secret-not-to-leak",
                "OPTIONS": {"connect_timeout": 2},
            }
        }
    )
    dead = handler["default"]
    try:
        started = time.perf_counter()
        result = health.check_database(dead)
        assert time.perf_counter() - started < 3
    finally:
        handler.close_all()
    assert result["ok"] is False
    assert result["vendor"] == "postgresql"
    assert result["error"].startswith("OperationalError")
    assert "secret-not-to-leak" not in result["error"]


def test_run_checks_fails_when_any_part_fails() -> None:
    def down() -> dict[str, Any]:
        return {"ok": False, "error": "down"}

    assert health.run_checks()["status"] == "ok"
    assert health.run_checks(database=down)["status"] == "error"
    assert health.run_checks(queue=down)["status"] == "error"
    assert health.run_checks(cache=down)["status"] == "error"


def test_queue_check_counts_pending_tasks_in_a_real_sqlite_queue(tmp_path: Any) -> None:
    queue = SqliteHuey("govhall-health", filename=str(tmp_path / "queue.sqlite3"))

    @queue.task()
    def noop() -> None:
        return None

    noop()
    noop()
    result = health.check_queue(queue)
    assert result["ok"] is True
    assert (result["backend"], result["pending"]) == ("SqliteHuey", 2)


def test_cache_check_against_local_memory_and_a_dead_redis() -> None:
    assert health.check_cache(LocMemCache("health", {}))["ok"] is True
    dead = health.check_cache(RedisCache(DEAD_REDIS, {}))
    assert dead["ok"] is False
    assert dead["backend"] == "RedisCache"


@pytest.mark.redis
def test_queue_and_cache_checks_against_real_redis(redis_url: str) -> None:
    name = f"govhall-health-{uuid.uuid4().hex}"
    queue = RedisHuey(name, url=redis_url)
    try:
        result = health.check_queue(queue)
        assert result["ok"] is True
        assert result["backend"] == "RedisHuey"
        assert result["pending"] == 0
    finally:
        queue.flush()
    cache = RedisCache(redis_url, {"KEY_PREFIX": name})
    assert health.check_cache(cache)["ok"] is True
