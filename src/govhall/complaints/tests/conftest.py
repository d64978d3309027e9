from govhall.ratings.tests.conftest import _media_and_cache, clock, completed_case, item  # noqa: F401
