from __future__ import annotations

import pytest

from govhall.catalog import search, services
from govhall.catalog.content import MaterialSpec
from govhall.catalog.models import ServiceItem
from govhall.catalog.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue() -> dict[str, ServiceItem]:
    dept = f.department()
    admin = f.staff(dept)
    items = {
        "food": f.published_item(dept, actor=admin, name="食品经营许可", popularity=5),
        "hotel": f.published_item(
            dept,
            actor=admin,
            name="旅馆业特种行业许可证核发",
            aliases=["开旅馆", "开宾馆"],
            conditions="经营饭店、宾馆、招待所的，应当具有消防安全条件",
            popularity=50,
        ),
        "hygiene": f.published_item(
            dept,
            actor=admin,
            name="公共场所卫生许可",
            aliases=[],
            materials=[MaterialSpec(name="饭店、歌舞厅等场所平面图")],
            popularity=40,
        ),
        "passport": f.published_item(
            dept,
            actor=admin,
            name="普通护照签发",
            aliases=["办护照", "出国证件"],
            target="person",
            theme_codes=["P10"],
        ),
        "marriage": f.published_item(
            dept,
            actor=admin,
            name="内地居民婚姻登记",
            aliases=["领结婚证", "结婚登记"],
            target="person",
            theme_codes=["P01"],
        ),
    }
    return items


def ids(query: str) -> list[int]:
    return [hit.item_id for hit in search.search(query)]


def test_plain_language_alias_ranks_the_official_item_first(catalogue: dict[str, ServiceItem]) -> None:
    results = ids("开饭店")
    assert results[0] == catalogue["food"].pk
    # The items that only mention 饭店 in conditions or materials still come, lower down.
    assert set(results[1:]) >= {catalogue["hotel"].pk, catalogue["hygiene"].pk}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("我想开个饭店", "food"),
        ("怎么领结婚证", "marriage"),
        ("护照", "passport"),
        ("食品經營許可", "food"),  # Traditional characters
        ("经营许", "food"),  # a fragment of the name
        ("旅馆业特种行业许可证核发", "hotel"),
    ],
)
def test_queries_people_type(catalogue: dict[str, ServiceItem], query: str, expected: str) -> None:
    assert ids(query)[0] == catalogue[expected].pk


def test_name_outranks_materials_and_conditions(catalogue: dict[str, ServiceItem]) -> None:
    hits = search.search("卫生许可")
    assert hits[0].item_id == catalogue["hygiene"].pk and hits[0].score > hits[-1].score


def test_nothing_for_empty_or_meaningless_queries(catalogue: dict[str, ServiceItem]) -> None:
    assert ids("") == [] and ids("   ") == [] and ids("怎么办理") == [] and ids("量子纠缠") == []


def test_unpublished_and_withdrawn_items_are_not_found(catalogue: dict[str, ServiceItem]) -> None:
    food = catalogue["food"]
    services.withdraw(actor=f.staff(food.department), item=food, reason="测试")
    assert food.pk not in ids("开饭店")


def test_icontains_baseline_finds_substrings_only(catalogue: dict[str, ServiceItem]) -> None:
    assert search.icontains_scan("开饭店") == []
    assert set(search.icontains_scan("饭店")) == {catalogue["hotel"].pk, catalogue["hygiene"].pk}


def test_version_terms_weights_fields() -> None:
    version = f.content()
    from govhall.catalog.models import ItemVersion

    terms = search.version_terms(
        ItemVersion(name=version.name, aliases=version.aliases, conditions=version.conditions),
        ["食品经营许可申请书"],
    )
    assert terms["食品经营许可"] >= search.WHOLE_NAME_WEIGHT
    assert terms["开饭店"] == search.WHOLE_ALIAS_WEIGHT
    assert terms["饭店"] == search.ALIAS_WEIGHT
    assert terms["申请书"] == search.MATERIAL_WEIGHT
    assert "的" not in terms


def test_licence_name_finds_the_item_that_issues_it(catalogue: dict[str, ServiceItem]) -> None:
    dept = catalogue["food"].department
    issuing = f.published_item(dept, name="企业设立登记", aliases=["开公司"], result_licence_type="营业执照")
    assert ids("营业执照")[0] == issuing.pk


def test_single_item_before_the_joint_bundle_at_equal_relevance(catalogue: dict[str, ServiceItem]) -> None:
    dept = catalogue["food"].department
    other = f.department("XFJY")
    bundle = f.published_item(
        dept, name="开办餐饮店一件事", aliases=["开饭店"], joint_department_codes=[other.code], popularity=999
    )
    results = ids("开饭店")
    assert results.index(catalogue["food"].pk) < results.index(bundle.pk)


def test_each_item_once_before_its_other_departments(catalogue: dict[str, ServiceItem]) -> None:
    food = catalogue["food"]
    county = f.department("SCJGJ-5302", region_obj=f.region("445302", "云城区", "county", f.region()))
    admin = f.staff(county)
    version = services.create_item(
        actor=admin, department=county, level="county", basic_code=food.basic_code, content=f.content()
    )
    services.submit_for_review(actor=admin, version=version)
    services.publish(actor=admin, version=version)
    ServiceItem.objects.filter(pk=version.item_id).update(popularity=1000)
    results = ids("食品经营许可")
    assert results[0] == version.item_id  # the more used department first…
    assert results[1] != food.pk  # …then other items before the same item's repeat
    assert food.pk in results
