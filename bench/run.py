"""Benchmarks with in-run baselines: ``make bench``, or ``python bench/run.py [name ...]``.

Sets Django up on a throw-away SQLite database (a temporary GOVHALL_VAR directory, migrated here),
runs every ``bench/bench_<name>.py`` module's ``run()`` (or only the names given) and prints one
table: figure, value, baseline, ratio. The baseline of each row is measured in the same run on the
same inputs; ratio is "times better than the baseline" (baseline / value for times).
"""

from __future__ import annotations

import argparse
import importlib
import os
import secrets
import sys
import tempfile
import time
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


def setup_django(var_dir: Path) -> None:
    # The embedded deployment on its own scratch directory, whatever the shell points at.
    os.environ["GOVHALL_VAR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "govhall.settings"
    os.environ["HUEY_IMMEDIATE"] = "1"
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
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
        "names", nargs="*", metavar="name", help=f"benchmarks to run (default all): {', '.join(available)}"
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in available]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; available: {', '.join(available)}")
    selected = args.names or list(available)

    started = time.perf_counter()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="govhall-bench-") as var_dir:
        setup_django(Path(var_dir))
        print(f"django ready on SQLite in {var_dir} ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
        try:
            for name in selected:
                module: Any = importlib.import_module(f"bench_{name}")
                begun = time.perf_counter()
                rows.extend(module.run())
                print(f"{name}: {time.perf_counter() - begun:.1f} s", file=sys.stderr)
        finally:
            from django.db import connections

            connections.close_all()
    print(format_table(rows))
    print(f"\ntotal {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
