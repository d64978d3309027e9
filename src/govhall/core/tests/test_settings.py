"""Settings come from the environment, and production refuses the development secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[4]


def _load_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"SECRET_KEY", "SECRET_KEY_FILE", "DEBUG", "GOVHALL_TESTING", "DATABASE_URL", "REDIS_URL"}
    }
    clean.update({"GOVHALL_VAR": str(tmp_path), "PYTHONPATH": str(PROJECT / "src"), **env})
    code = (
        "import django, json; from django.conf import settings; django.setup(); "
        "print(json.dumps({'debug': settings.DEBUG, 'engine': settings.DATABASES['default']['ENGINE'], "
        "'hosts': settings.ALLOWED_HOSTS, 'huey': settings.HUEY['huey_class'], "
        "'cache': settings.CACHES['default']['BACKEND']}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "govhall.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    result = _load_settings(tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "拒绝启动" in result.stderr


def test_production_refuses_the_development_secret_even_when_given_explicitly(tmp_path: Path) -> None:
    from django.conf import settings

    result = _load_settings(tmp_path, SECRET_KEY=settings.DEVELOPMENT_SECRET_KEY)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_secret_from_file_and_debug_off_by_default(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("a-real-production-secret-" + "x" * 40, encoding="utf-8")
    result = _load_settings(tmp_path, SECRET_KEY_FILE=str(secret), ALLOWED_HOSTS="gov.example.cn")
    assert result.returncode == 0, result.stderr
    assert '"debug": false' in result.stdout
    assert "sqlite3" in result.stdout
    assert "gov.example.cn" in result.stdout
    assert "SqliteHuey" in result.stdout


def test_unreadable_secret_file_is_a_clear_error(tmp_path: Path) -> None:
    result = _load_settings(tmp_path, SECRET_KEY_FILE=str(tmp_path / "missing"))
    assert result.returncode != 0
    assert "SECRET_KEY_FILE" in result.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DATABASE_URL": "postgres://govhall@db.internal:5432/govhall"}, "postgresql"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/3"}, "RedisHuey"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/3"}, "RedisCache"),
    ],
)
def test_scaled_out_parts_are_chosen_by_environment(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    result = _load_settings(tmp_path, SECRET_KEY="s" * 50, **env)
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout
