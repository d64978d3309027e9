"""Benchmarks with in-run baselines: ``make bench``, or ``python bench/run.py [--database D] [name ...]``.

Sets Django up on a throw-away database — SQLite in a temporary GOVHALL_VAR directory by default,
or with ``--database postgresql`` a freshly created PostgreSQL database (``GOVHALL_BENCH_POSTGRES_URL``,
default ``postgres://postgres@127.0.0.1:5432/govhall_bench``, dropped again afterwards) — migrates
it, runs every ``bench/bench_<name>.py`` module's ``run()`` (or only the names given) and prints one
table: figure, value, baseline, ratio. The baseline of each row is measured in the same run on the
same inputs; ratio is "times better than the baseline" (baseline / value for times).

A module runs on PostgreSQL only when it lists it in ``DATABASES`` (default ``("sqlite",)``):
most figures compare algorithms, not databases, and are measured once.
"""

from __future__ import annotations

import argparse
import importlib
import os
import secrets
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
SRC_DIR = BENCH_DIR.parent / "src"

for _path in (str(SRC_DIR), str(BENCH_DIR)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from harness import Row, format_value  # noqa: E402


def discover() -> dict[str, Path]:
    return {path.stem.removeprefix("bench_"): path for path in sorted(BENCH_DIR.glob("bench_*.py"))}


DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/govhall_bench"


def _postgres_admin(url: str, statement: str) -> None:
    """Run CREATE/DROP DATABASE through the server's maintenance database."""
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(url)
    conninfo = parts._replace(path="/postgres").geturl()
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(statement)


def postgres_database(url: str) -> str:
    from urllib.parse import urlsplit

    name = urlsplit(url).path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing an odd benchmark database name: {name!r}")
    return name


def setup_django(var_dir: Path, database_url: str | None = None) -> None:
    # The embedded deployment on its own scratch directory, whatever the shell points at.
    os.environ["GOVHALL_VAR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "govhall.settings"
    os.environ["HUEY_IMMEDIATE"] = "1"
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if not os.environ.get("DEBUG"):
        os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # `make bench` sets DEBUG=1 to start without a secret key; measure without DEBUG's query log.
    settings.DEBUG = False
    call_command("migrate", interactive=False, verbosity=0)


def format_table(rows: list[Row]) -> str:
    header = ["figure", "value", "baseline", "ratio (× better)"]
    body = [
        [
            row.figure,
            format_value(row.value, row.unit),
            format_value(row.baseline, row.unit),
            f"{row.ratio:,.1f}×",
        ]
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )

    out = [line(header), "  ".join("-" * width for width in widths), *(line(cells) for cells in body)]
    legend = []
    for number, row in enumerate(rows, start=1):
        if row.baseline_name:
            legend.append(f"[{number}] baseline: {row.baseline_name}")
        legend.extend(f"[{number}] {note}" for note in row.notes)
    if legend:
        out += ["", *legend]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    available = discover()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="throw-away database to run on (default sqlite)",
    )
    parser.add_argument(
        "names", nargs="*", metavar="name", help=f"benchmarks to run (default all): {', '.join(available)}"
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in available]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; available: {', '.join(available)}")
    selected = args.names or list(available)
    modules: dict[str, Any] = {name: importlib.import_module(f"bench_{name}") for name in selected}
    if args.database != "sqlite":
        modules = {
            name: module
            for name, module in modules.items()
            if args.database in getattr(module, "DATABASES", ("sqlite",))
        }
        if not modules:
            print(f"no benchmark among {', '.join(selected)} runs on {args.database}", file=sys.stderr)
            return 0

    started = time.perf_counter()
    rows: list[Row] = []
    database_url = None
    label = "SQLite"
    if args.database == "postgresql":
        database_url = os.environ.get("GOVHALL_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
        name = postgres_database(database_url)
        _postgres_admin(database_url, f'DROP DATABASE IF EXISTS "{name}"')
        _postgres_admin(database_url, f'CREATE DATABASE "{name}"')
        label = f"PostgreSQL ({name})"
    try:
        with tempfile.TemporaryDirectory(prefix="govhall-bench-") as var_dir:
            setup_django(Path(var_dir), database_url)
            print(
                f"django ready on {label} in {var_dir} ({time.perf_counter() - started:.1f} s)",
                file=sys.stderr,
            )
            try:
                for name, module in modules.items():
                    begun = time.perf_counter()
                    produced = module.run()
                    if args.database != "sqlite":
                        produced = [replace(row, figure=f"{row.figure} [PostgreSQL]") for row in produced]
                    rows.extend(produced)
                    print(f"{name}: {time.perf_counter() - begun:.1f} s", file=sys.stderr)
            finally:
                from django.db import connections

                connections.close_all()
    finally:
        if database_url:
            _postgres_admin(database_url, f'DROP DATABASE IF EXISTS "{postgres_database(database_url)}"')
    print(format_table(rows))
    print(f"\ntotal {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
