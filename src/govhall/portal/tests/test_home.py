"""The public home page and the shared layout."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from govhall.portal.views import CATALOGUE_SECTIONS_TEMPLATE, _optional_template
from govhall.testing.factories import CitizenFactory, DepartmentFactory, EnterpriseFactory, ensure_region

pytestmark = pytest.mark.django_db


def figures(html: str) -> dict[str, int]:
    """The live counts strip, label → number, read from the rendered page."""
    pairs = re.findall(r"<dt>([^<]+)</dt><dd>([\d,]+)<small>", html)
    return {label: int(number.replace(",", "")) for label, number in pairs}


def test_home_page_has_title_search_and_entrances(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    site_name = django_settings.GOVHALL_SITE_NAME
    assert f"<title>{site_name} · 首页</title>" in html
    assert f'<h1 id="hero-title">{site_name}</h1>' in html
    form = re.search(r'<form class="gh-search" role="search" method="get" action="([^"]+)">', html)
    assert form and form.group(1) == "/items/"
    assert '<label for="home-search"' in html and 'id="home-search" name="q" type="search"' in html
    for entrance in ("个人办事", "法人办事", "部门办事"):
        assert f'<span class="gh-entrance-title">{entrance}</span>' in html
    assert 'aria-current="page">首页</a>' in html


def test_counts_come_from_the_database(client: Client) -> None:
    assert figures(client.get("/").content.decode()) == {
        "入驻部门": 0,
        "覆盖县（市、区）": 0,
        "注册个人用户": 0,
        "注册法人用户": 0,
    }
    ensure_region("445302")
    ensure_region("445381")
    DepartmentFactory.create_batch(3)
    DepartmentFactory(is_active=False)
    CitizenFactory.create_batch(4)
    CitizenFactory(is_active=False)
    EnterpriseFactory.create_batch(2)
    assert figures(client.get("/").content.decode()) == {
        "入驻部门": 3,
        "覆盖县（市、区）": 2,
        "注册个人用户": 4,
        "注册法人用户": 2,
    }


def test_layout_is_accessible_and_self_contained(client: Client) -> None:
    html = client.get("/").content.decode()
    assert '<html lang="zh-CN">' in html
    assert 'name="viewport"' in html
    assert 'href="#main"' in html and '<main id="main"' in html
    assert '<nav class="gh-nav" aria-label="主导航">' in html
    # Government intranets have no CDN: every script and stylesheet comes from this deployment.
    external = re.findall(r'(?:src|href)="(https?:)?//', html)
    assert external == []
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert int(response.headers["Content-Length"]) > 1000, asset


def test_anonymous_visitor_sees_login_and_register(client: Client) -> None:
    html = client.get("/").content.decode()
    assert 'href="/accounts/login/"' in html
    assert 'href="/accounts/register/"' in html
    assert "gh-link-button" not in html and 'action="/accounts/logout/"' not in html


def test_signed_in_user_sees_name_and_logout_is_a_post_form(client: Client) -> None:
    user = CitizenFactory(display_name="林晓云")
    client.force_login(user)
    html = client.get("/").content.decode()
    assert "林晓云" in html
    logout = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', html, re.S)
    assert logout and logout.group(1) == "/accounts/logout/"
    assert "csrfmiddlewaretoken" in logout.group(2) and "退出" in logout.group(2)
    assert 'href="/accounts/login/"' not in html


def test_demo_banner_only_in_demo_mode(client: Client, settings: Any) -> None:
    settings.DEMO_MODE = False
    assert "演示环境" not in client.get("/").content.decode()
    settings.DEMO_MODE = True
    assert "演示环境" in client.get("/").content.decode()


def test_catalogue_sections_are_included_once_the_template_exists(
    client: Client, settings: Any, tmp_path: Path
) -> None:
    assert "catalogue-sections-marker" not in client.get("/").content.decode()
    (tmp_path / "catalog").mkdir()
    (tmp_path / CATALOGUE_SECTIONS_TEMPLATE).write_text(
        '<section id="catalogue-sections-marker">{{ site_name }}</section>', encoding="utf-8"
    )
    templates = [dict(settings.TEMPLATES[0])]
    templates[0]["DIRS"] = [tmp_path, *templates[0]["DIRS"]]
    settings.TEMPLATES = templates
    html = client.get("/").content.decode()
    assert f'<section id="catalogue-sections-marker">{django_settings.GOVHALL_SITE_NAME}</section>' in html


def test_optional_template_lookup() -> None:
    assert _optional_template("base.html") == "base.html"
    assert _optional_template("no/such/template.html") == ""
