"""Running the locust mix headless and reading its figures; shared by scripts/load.py and drill.py."""

# ruff: noqa: S603 — commands are built from fixed paths of this project, never from input
from __future__ import annotations

import csv
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from cluster import PROJECT, Cluster, log

LOCUST = os.environ.get("GOVHALL_LOCUST", str(PROJECT / ".venv-load" / "bin" / "locust"))


@dataclass
class Figures:
    label: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float
    seconds: float

    def row(self) -> str:
        return (
            f"| {self.label} | {self.requests:,} | {self.rps:,.1f} | {self.p50:,.0f} | {self.p95:,.0f} | "
            f"{self.p99:,.0f} | {self.failures:,} |"
        )


HEADER = (
    "| target | requests | req/s | p50 ms | p95 ms | p99 ms | errors |\n|---|---:|---:|---:|---:|---:|---:|"
)


def prepare_fixture(cluster: Cluster, out: Path, citizens: int = 200) -> None:
    env = cluster.env()
    subprocess.run(
        [sys.executable, str(PROJECT / "loadtest" / "prepare.py"), str(out), "--citizens", str(citizens)],
        env=env,
        check=True,
    )


def start_locust(
    *,
    host: str,
    fixture: Path,
    csv_prefix: Path,
    users: int,
    spawn_rate: int,
    seconds: int,
    record: Path | None = None,
    max_submissions: int = 400,
    logfile: Path,
) -> subprocess.Popen[bytes]:
    if not Path(LOCUST).exists():
        sys.exit(f"locust not found at {LOCUST}; run `make load` (it installs loadtest/requirements.txt)")
    if not host.startswith("http://127.0.0.1:"):
        sys.exit("the load test only runs against loopback addresses")
    env = {
        **os.environ,
        "GOVHALL_LOAD_FIXTURE": str(fixture),
        "GOVHALL_LOAD_RECORD": str(record or ""),
        "GOVHALL_LOAD_MAX_SUBMISSIONS": str(max_submissions),
    }
    argv = [
        LOCUST,
        "-f",
        str(PROJECT / "loadtest" / "locustfile.py"),
        "--headless",
        "--host",
        host,
        "-u",
        str(users),
        "-r",
        str(spawn_rate),
        "-t",
        f"{seconds}s",
        "--stop-timeout",
        "10",
        "--csv",
        str(csv_prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    out = logfile.open("ab")
    return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=PROJECT)


def read_figures(label: str, csv_prefix: Path, seconds: float) -> Figures:
    with Path(f"{csv_prefix}_stats.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    return Figures(
        label=label,
        requests=int(total["Request Count"]),
        failures=int(total["Failure Count"]),
        rps=float(total["Requests/s"]),
        p50=float(total["50%"]),
        p95=float(total["95%"]),
        p99=float(total["99%"]),
        seconds=seconds,
    )


def per_endpoint(csv_prefix: Path) -> list[str]:
    with Path(f"{csv_prefix}_stats.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    lines = ["| request | count | p50 ms | p95 ms | p99 ms | failures |", "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        if r["Name"] == "Aggregated":
            continue
        lines.append(
            f"| {r['Type']} {r['Name']} | {int(r['Request Count']):,} | {float(r['50%']):,.0f} | "
            f"{float(r['95%']):,.0f} | {float(r['99%']):,.0f} | {int(r['Failure Count']):,} |"
        )
    return lines


def wait_locust(proc: subprocess.Popen[bytes], seconds: int) -> None:
    try:
        proc.wait(timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        log("locust overran its time; stopping it")
        proc.terminate()
        proc.wait(timeout=30)
