"""The site speaks Simplified Chinese unless the visitor picks another language."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_browser_preferring_english_still_gets_chinese(client: Client) -> None:
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    assert "登录" in response.content.decode()


@pytest.mark.django_db
def test_english_when_chosen(client: Client) -> None:
    client.get("/items/?lang=en")
    response = client.get("/items/")
    assert response["Content-Language"] == "en"
