"""Star level (星级) of a service item, computed from its guide, never typed in.

The rule, from the Zhejiang service-hall standard the mission names:

- ★5 — fully online (全程网办, online depth 4) and no trip to a counter at all (到现场次数 0).
- ★4 — online submission (depth ≥ 3), at most one trip, and originals, if any, are checked once
  when the result is collected (网上申报、信任在先、办结核验) rather than before acceptance.
- ★3 — unified authentication, online submission and status query (depth ≥ 3), anything else.
- ★2 — forms can be downloaded and questions asked online (depth 2).
- ★1 — the guide is published (depth 1).

An item can only gain stars by needing fewer trips or deeper online handling; the property tests
hold the function to that.
"""

from __future__ import annotations

ONLINE_DEPTHS = {
    1: ("信息公开", "information published"),
    2: ("在线咨询、表格下载", "online enquiry and form download"),
    3: ("在线预审、网上申报", "online submission and pre-check"),
    4: ("全程网办", "fully online"),
}

ORIGINALS_NONE = "none"
ORIGINALS_AT_COMPLETION = "at_completion"
ORIGINALS_AT_ACCEPTANCE = "at_acceptance"
ORIGINAL_CHECKS = (ORIGINALS_NONE, ORIGINALS_AT_COMPLETION, ORIGINALS_AT_ACCEPTANCE)

STAR_TEXT = {
    1: ("一星：办事指南公开", "1 star: guide published"),
    2: ("二星：在线咨询、表格下载", "2 stars: online enquiry and forms"),
    3: ("三星：统一认证、网上申报、进度查询", "3 stars: one login, online submission, status query"),
    4: (
        "四星：网上申报、信任在先、办结核验",
        "4 stars: online submission, originals checked once at the end",
    ),
    5: ("五星：全程网办、零跑动", "5 stars: fully online, no trip"),
}


def star_level(*, online_depth: int, trips: int, original_check: str) -> int:
    if online_depth not in ONLINE_DEPTHS:
        raise ValueError(f"online depth must be 1–4, not {online_depth!r}")
    if trips < 0:
        raise ValueError("trips cannot be negative")
    if original_check not in ORIGINAL_CHECKS:
        raise ValueError(f"unknown original check {original_check!r}")
    if online_depth < 3:
        return online_depth
    if online_depth == 4 and trips == 0:
        return 5
    if trips <= 1 and original_check != ORIGINALS_AT_ACCEPTANCE:
        return 4
    return 3


def stars_display(level: int) -> str:
    return "★" * level + "☆" * (5 - level)
