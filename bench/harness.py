"""What a benchmark module returns, and the timing helper they share.

A benchmark is a module ``bench/bench_<name>.py`` with a function ``run() -> list[Row]``. Every
row carries its own baseline measured in the same run, on the same inputs, so the ratio does not
depend on how busy the machine was on another day.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Row:
    figure: str
    value: float
    baseline: float
    # "s" marks a duration in seconds (lower is better, shown as ns/µs/ms/s); anything else is
    # printed as is and treated as higher-is-better unless lower_is_better says otherwise.
    unit: str = "s"
    baseline_name: str = ""
    lower_is_better: bool | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """How many times better than the baseline: baseline/value for times, value/baseline otherwise."""
        lower = self.unit == "s" if self.lower_is_better is None else self.lower_is_better
        numerator, denominator = (self.baseline, self.value) if lower else (self.value, self.baseline)
        return numerator / denominator if denominator else float("inf")


@dataclass(frozen=True)
class Measurement:
    per_call: float  # seconds, best round
    results: list[Any]  # return values of the last pass, to check both sides computed the same


def measure(
    fn: Callable[..., Any], inputs: Sequence[tuple[Any, ...]], *, rounds: int, repeat: int = 1
) -> Measurement:
    """Best-of-``rounds`` seconds per call of ``fn(*args)`` over ``inputs``, each round ``repeat`` passes."""
    best = float("inf")
    results: list[Any] = []
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            started = time.perf_counter()
            for _ in range(repeat):
                results = [fn(*args) for args in inputs]
            elapsed = time.perf_counter() - started
            best = min(best, elapsed / (len(inputs) * repeat))
    finally:
        if gc_was_enabled:
            gc.enable()
    return Measurement(per_call=best, results=results)


def format_seconds(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def format_value(value: float, unit: str) -> str:
    return format_seconds(value) if unit == "s" else f"{value:.4g} {unit}"
