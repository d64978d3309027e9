from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from govhall.catalog.content import MaterialSpec
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
            materials=[MaterialSpec(name="居民身份证", original=True)],
        ),
    ]


def html(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


def test_list_page_filters_and_search(client: Client, items: list[ServiceItem]) -> None:
    page = html(client, "/items/")
    assert "共 3 个事项" in page and "食品经营许可" in page and 'for="f-theme"' in page
    person = html(client, "/items/?audience=citizen")
    assert "个人办事" in person and "食品经营许可" in person  # 'both' items show for individuals too
    assert "婚育收养" in person  # person theme tiles
    found = html(client, "/items/?q=开饭店")
    assert "搜索结果" in found and found.index("食品经营许可") < found.index("共找到") + 400
    assert "普通护照签发" not in html(client, "/items/?star=5&target=legal")
    assert "普通护照签发" in html(client, "/items/?star=5")


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/items/?theme=NOPE", 400, "主题“NOPE”不存在"),
        ("/items/?star=9", 400, "star must be an integer 1–5"),
        ("/items/?audience=alien", 400, "audience must be citizen or enterprise"),
        ("/items/BADCODE/", 400, "事项实施编码应为31位"),
        ("/themes/X99/", 404, "theme"),
        ("/departments/NOPE/", 404, "NOPE"),
        ("/power-list/?region=abc", 400, "6 digits"),
    ],
)
def test_bad_input_gets_a_bilingual_error_page(
    client: Client, items: list[ServiceItem], url: str, status: int, message: str
) -> None:
    assert message in html(client, url, status)


def test_guide_page_shows_every_element(client: Client, items: list[ServiceItem]) -> None:
    food = items[0]
    page = html(client, f"/items/{food.implementation_code}/")
    for text in [
        "食品经营许可",
        food.implementation_code,
        "★★★★☆",
        "四星",
        "在线办理",
        f"/apply/{food.implementation_code}/",
        "受理条件",
        "食品经营许可申请书",
        "情形：委托他人办理的",
        "营业执照",
        "不收费",
        "现场核查",
        "最长 10 个工作日",
        "《中华人民共和国食品安全法》",
        "要多久？",
        "承诺办结时限",
    ]:
        assert text in page, text
    counter_only = html(client, f"/items/{items[2].implementation_code}/")
    assert "本事项需到窗口办理" in counter_only and "/apply/" not in counter_only


def test_blank_form_download(client: Client, items: list[ServiceItem]) -> None:
    food = items[0]
    version = food.current_version
    assert version is not None
    with_form = version.materials.get(has_form=True)
    response = client.get(f"/items/{food.implementation_code}/materials/{with_form.pk}/form/")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.active["A1"].value == "食品经营许可申请书"  # type: ignore[index]
    without = version.materials.get(has_form=False, name="营业执照")
    assert client.get(f"/items/{food.implementation_code}/materials/{without.pk}/form/").status_code == 404
    other = items[2].current_version.materials.get()  # type: ignore[union-attr]
    assert client.get(f"/items/{food.implementation_code}/materials/{other.pk}/form/").status_code == 404


def test_theme_department_and_power_list_pages(client: Client, items: list[ServiceItem]) -> None:
    theme = html(client, "/themes/P10/")
    assert "证件办理" in theme and "普通护照签发" in theme and "居住证办理" not in theme
    assert "证件办理" in html(client, "/themes/")
    departments = html(client, "/departments/")
    assert "云浮市公安局" in departments and "/departments/GAJ/" in departments
    department = html(client, "/departments/GAJ/")
    assert "普通护照签发" in department and "食品经营许可" not in department
    power = html(client, "/power-list/")
    assert "行政许可" in power and "行政确认" in power and "食品经营许可" in power
    assert "居住证办理" not in power  # a public service, not a power


def test_traditional_and_english_views(client: Client, items: list[ServiceItem]) -> None:
    url = f"/items/{items[0].implementation_code}/"
    traditional = client.get(url + "?lang=zh-hant")
    text = traditional.content.decode()
    assert "食品經營許可" in text and "申請材料" in text and 'lang="zh-Hant"' in text
    assert traditional.cookies["govhall_script"].value == "hant"
    assert "食品經營許可" in html(client, url)  # remembered by the cookie
    english = html(client, url + "?lang=en")
    assert "Materials" in english and "Apply online" in english and "食品经营许可" in english
    simplified = html(client, url + "?lang=zh-hans")
    assert "申请材料" in simplified and "食品经营许可" in simplified


def test_list_pages_do_not_query_per_item(
    client: Client, items: list[ServiceItem], django_assert_max_num_queries: object
) -> None:
    for n in range(25):
        f.published_item(items[0].department, name=f"测试事项{n}")
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        html(client, "/items/")
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        html(client, "/items/?q=测试事项")
    with django_assert_max_num_queries(10):  # type: ignore[operator]
        html(client, "/power-list/")
    with django_assert_max_num_queries(14):  # type: ignore[operator]
        html(client, f"/items/{items[0].implementation_code}/")


def test_home_page_catalogue_sections(client: Client, items: list[ServiceItem]) -> None:
    page = html(client, "/")
    for text in (
        "个人办事主题",
        "法人办事主题",
        "婚育收养",
        "设立变更",
        "热门事项",
        "按星级查找",
        "部门办事",
    ):
        assert text in page, text
    hot = page[page.index("热门事项") :]
    assert hot.index("食品经营许可") < hot.index("普通护照签发")  # by popularity
    assert (
        'href="/items/?star=5"' in page
        and 'href="/themes/P10/"' in page
        and 'href="/departments/GAJ/"' in page
    )
