from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govhall.catalog.stars import ORIGINAL_CHECKS, star_level, stars_display

depths = st.integers(1, 4)
trips = st.integers(0, 5)
checks = st.sampled_from(ORIGINAL_CHECKS)
CHECK_ORDER = {"at_acceptance": 0, "at_completion": 1, "none": 1}


@pytest.mark.parametrize(
    ("depth", "trips", "check", "expected"),
    [
        (4, 0, "none", 5),
        (4, 1, "at_completion", 4),
        (3, 1, "at_completion", 4),
        (3, 0, "none", 4),
        (3, 1, "at_acceptance", 3),
        (4, 2, "at_completion", 3),
        (2, 0, "none", 2),
        (1, 2, "at_acceptance", 1),
    ],
)
def test_the_documented_rule(depth: int, trips: int, check: str, expected: int) -> None:
    assert star_level(online_depth=depth, trips=trips, original_check=check) == expected


@given(depths, trips, checks)
def test_five_stars_exactly_when_fully_online_with_no_trip(depth: int, n: int, check: str) -> None:
    assert (star_level(online_depth=depth, trips=n, original_check=check) == 5) == (depth == 4 and n == 0)


@given(depths, depths, trips, trips, checks, checks)
def test_better_service_never_loses_stars(d1: int, d2: int, t1: int, t2: int, c1: str, c2: str) -> None:
    worse = star_level(
        online_depth=min(d1, d2), trips=max(t1, t2), original_check=min(c1, c2, key=CHECK_ORDER.get)
    )
    better = star_level(
        online_depth=max(d1, d2), trips=min(t1, t2), original_check=max(c1, c2, key=CHECK_ORDER.get)
    )
    assert better >= worse


@given(depths, trips, checks)
def test_online_submission_is_at_least_three_stars(depth: int, n: int, check: str) -> None:
    level = star_level(online_depth=depth, trips=n, original_check=check)
    assert 1 <= level <= 5
    assert (level >= 3) == (depth >= 3)
    assert len(stars_display(level)) == 5 and stars_display(level).count("★") == level


def test_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        star_level(online_depth=5, trips=0, original_check="none")
    with pytest.raises(ValueError):
        star_level(online_depth=3, trips=-1, original_check="none")
    with pytest.raises(ValueError):
        star_level(online_depth=3, trips=0, original_check="sometimes")
