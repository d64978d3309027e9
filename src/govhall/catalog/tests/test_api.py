from __future__ import annotations

import pytest
from django.test import Client

from govhall.catalog.models import ServiceItem
from govhall.catalog.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def items() -> list[ServiceItem]:
    market = f.department("SCJGJ", name="云浮市市场监督管理局")
    police = f.department("GAJ", name="云浮市公安局")
    return [
        f.published_item(market, name="食品经营许可", popularity=9),
        f.published_item(
            police,
            kind="07",
            name="普通护照签发",
            aliases=["办护照"],
            target="person",
            theme_codes=["P10"],
            online_depth=4,
            trips=0,
            original_check="none",
        ),
        f.published_item(
            police,
            kind="20",
            name="居住证办理",
            aliases=[],
            target="person",
            theme_codes=["P16"],
            online_depth=2,
        ),
    ]


def get(client: Client, url: str, **params: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = client.get(url, params)
    return response.status_code, response.json()


def test_list_filters_and_paging(client: Client, items: list[ServiceItem]) -> None:
    status, body = get(client, "/api/v1/catalog/items")
    assert status == 200 and body["total"] == 3 and body["items"][0]["name"] == "食品经营许可"
    assert get(client, "/api/v1/catalog/items", target="legal")[1]["total"] == 1
    assert [i["name"] for i in get(client, "/api/v1/catalog/items", theme="p10")[1]["items"]] == [
        "普通护照签发"
    ]
    assert get(client, "/api/v1/catalog/items", department="GAJ")[1]["total"] == 2
    assert get(client, "/api/v1/catalog/items", kind="20")[1]["total"] == 1
    five = get(client, "/api/v1/catalog/items", star="5")[1]
    assert [i["stars"] for i in five["items"]] == ["★★★★★"]
    assert get(client, "/api/v1/catalog/items", online="1")[1]["total"] == 2
    paged = get(client, "/api/v1/catalog/items", page_size="2", page="2")[1]
    assert (paged["pages"], len(paged["items"])) == (2, 1)
    searched = get(client, "/api/v1/catalog/items", q="开饭店")[1]
    assert searched["items"][0]["implementation_code"] == items[0].implementation_code


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"theme": "X99"}, "unknown_theme"),
        ({"department": "NOPE"}, "unknown_department"),
        ({"star": "6"}, "invalid_star"),
        ({"star": "many"}, "invalid_star"),
        ({"kind": "11"}, "invalid_kind"),
        ({"target": "alien"}, "invalid_target"),
        ({"page": "0"}, "invalid_page"),
        ({"page_size": "1000"}, "invalid_page_size"),
        ({"online": "maybe"}, "invalid_online"),
        ({"q": "长" * 101}, "invalid_query"),
    ],
)
def test_malformed_filters_are_400_with_a_message(
    client: Client, items: list[ServiceItem], params: dict, code: str
) -> None:  # type: ignore[type-arg]
    status, body = get(client, "/api/v1/catalog/items", **params)
    assert status == 400 and body["code"] == code
    assert body["message_zh"] and body["message_en"]


def test_item_detail_has_the_whole_guide(client: Client, items: list[ServiceItem]) -> None:
    food = items[0]
    status, body = get(client, f"/api/v1/catalog/items/{food.implementation_code}")
    assert status == 200
    assert body["name"] == "食品经营许可" and body["star_level"] == 4 and body["can_apply_online"] is True
    assert body["legal_basis"].startswith("《中华人民共和国食品安全法》")
    assert [m["name"] for m in body["materials"]][:2] == ["食品经营许可申请书", "营业执照"]
    assert body["materials"][1]["source"] == "licence" and body["materials"][1]["licence_type"] == "营业执照"
    assert body["special_procedures"] == [{"kind": "inspection", "name": "现场核查", "max_days": 10}]
    assert body["themes"][0]["code"] == "L02" and body["faqs"][0]["answer"] == "10个工作日"
    assert body["fees"] == [] and body["department"]["code"] == "SCJGJ"


def test_bad_and_unknown_codes(client: Client, items: list[ServiceItem]) -> None:
    status, body = get(client, "/api/v1/catalog/items/BADCODE")
    assert status == 400 and body["code"] == "invalid_item_code" and "31" in body["message"]
    valid_unknown = items[0].implementation_code[:-5] + "99900"
    status, body = get(client, f"/api/v1/catalog/items/{valid_unknown}")
    assert status == 404 and body["code"] == "item_not_found"


def test_themes_and_departments(client: Client, items: list[ServiceItem]) -> None:
    status, themes = get(client, "/api/v1/catalog/themes")
    assert status == 200 and len(themes) == 35
    counts = {t["code"]: t["item_count"] for t in themes}
    assert counts["P10"] == 1 and counts["L02"] == 1 and counts["P01"] == 0
    assert len(get(client, "/api/v1/catalog/themes", audience="person")[1]) == 16
    assert get(client, "/api/v1/catalog/themes", audience="martian")[0] == 400
    status, departments = get(client, "/api/v1/catalog/departments")
    assert {d["code"]: d["item_count"] for d in departments} == {"GAJ": 2, "SCJGJ": 1}


def test_list_does_not_query_per_item(
    client: Client, items: list[ServiceItem], django_assert_max_num_queries: object
) -> None:
    for n in range(12):
        f.published_item(items[0].department, name=f"测试事项{n}")
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        assert get(client, "/api/v1/catalog/items", page_size="50")[1]["total"] == 15
    with django_assert_max_num_queries(10):  # type: ignore[operator]
        assert get(client, "/api/v1/catalog/items", q="测试事项")[1]["total"] == 12


@pytest.mark.parametrize("param", ["q", "theme", "department", "kind"])
def test_control_characters_are_refused_not_crashing(
    client: Client, items: list[ServiceItem], param: str
) -> None:
    status, body = get(client, "/api/v1/catalog/items", **{param: "a\x00b"})
    assert status == 400 and body["code"] == "invalid_parameter"


def test_nul_in_path_codes_is_a_clean_error(client: Client, items: list[ServiceItem]) -> None:
    assert client.get("/api/v1/catalog/items/AB%00CD").status_code == 400
    assert client.get("/themes/P%00/").status_code == 404
    assert client.get("/departments/GAJ%00/").status_code == 404
