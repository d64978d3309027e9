#!/usr/bin/env python3
"""`make load`: the main mix (loadtest/locustfile.py) against one web process, then the cluster.

Starts the cluster of scripts/cluster.py (its own PostgreSQL and Redis), prepares the demo data for
the test, runs locust headless for LOAD_SECONDS (default 60) with LOAD_USERS (default 40)
simulated people against

  1. one web process: a single gunicorn worker (LOAD_THREADS threads) on 127.0.0.1:58010, and
  2. the cluster: nginx over two gunicorn instances of CLUSTER_WEB_WORKERS workers each,

both on the same database, queue and task consumers, and prints throughput, p50/p95/p99 latency
and errors of each. Loopback only; bounded in time and in submissions (LOAD_MAX_SUBMISSIONS).
"""

# ruff: noqa: S603 — commands are built from fixed paths of this project, never from input
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cluster import PROJECT, VENV, Cluster, log
from loadlib import HEADER, Figures, per_endpoint, prepare_fixture, read_figures, start_locust, wait_locust

USERS = int(os.environ.get("LOAD_USERS", "40"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
THREADS = int(os.environ.get("LOAD_THREADS", "4"))
MAX_SUBMISSIONS = int(os.environ.get("LOAD_MAX_SUBMISSIONS", "400"))
SINGLE_PORT = 58010


def run_mix(cluster: Cluster, label: str, host: str, fixture: Path, name: str) -> tuple[Figures, list[str]]:
    out = cluster.root / "load"
    prefix = out / name
    for old in out.glob(f"{name}_*.csv"):
        old.unlink()
    log(f"load: {USERS} users for {SECONDS} s against {label} ({host})")
    started = time.monotonic()
    proc = start_locust(
        host=host,
        fixture=fixture,
        csv_prefix=prefix,
        users=USERS,
        spawn_rate=max(1, USERS // 5),
        seconds=SECONDS,
        max_submissions=MAX_SUBMISSIONS,
        logfile=out / f"{name}.log",
    )
    wait_locust(proc, SECONDS)
    return read_figures(label, prefix, time.monotonic() - started), per_endpoint(prefix)


def main() -> int:
    cluster = Cluster()
    done = threading.Event()
    single: subprocess.Popen[bytes] | None = None

    def supervise() -> None:
        while not done.wait(0.5):
            try:
                cluster.supervise_once()
            except RuntimeError as exc:
                log(f"error: {exc}")

    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        cluster.start()
        threading.Thread(target=supervise, daemon=True).start()
        (cluster.root / "load").mkdir(exist_ok=True)
        fixture = cluster.root / "load" / "fixture.json"
        prepare_fixture(cluster, fixture)

        single = subprocess.Popen(
            [
                str(VENV / "gunicorn"),
                "govhall.wsgi",
                "--pythonpath",
                str(PROJECT / "src"),
                "--bind",
                f"127.0.0.1:{SINGLE_PORT}",
                "--workers",
                "1",
                "--threads",
                str(THREADS),
                "--no-control-socket",
            ],
            env=cluster.env(),
            cwd=PROJECT,
            stdout=(cluster.logs / "single.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        cluster.wait_http(f"http://127.0.0.1:{SINGLE_PORT}/healthz")
        one, one_detail = run_mix(
            cluster,
            f"one web process (1 worker × {THREADS} threads)",
            f"http://127.0.0.1:{SINGLE_PORT}",
            fixture,
            "single",
        )
        os.killpg(single.pid, signal.SIGTERM)
        single.wait(timeout=20)
        single = None
        many, many_detail = run_mix(
            cluster,
            f"cluster (nginx, 2 × {cluster.web_workers} workers × {cluster.web_threads} threads)",
            cluster.url,
            fixture,
            "cluster",
        )
        cpus = os.cpu_count()
        print(
            f"\n## Load: the main mix, {USERS} simulated people for {SECONDS} s each ({cpus} CPUs, PostgreSQL + Redis)\n"
        )
        print(HEADER)
        print(one.row())
        print(many.row())
        ratio = many.rps / one.rps if one.rps else float("nan")
        print(
            f"\ncluster / one process: {ratio:.2f}× throughput, p95 {many.p95:.0f} ms vs {one.p95:.0f} ms\n"
        )
        print("### Per request, cluster\n")
        print("\n".join(many_detail))
        print("\n### Per request, one process\n")
        print("\n".join(one_detail))
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        done.set()
        if single is not None and single.poll() is None:
            os.killpg(single.pid, signal.SIGTERM)
            single.wait(timeout=20)
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
