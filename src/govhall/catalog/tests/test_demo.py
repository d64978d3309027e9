from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from govhall.catalog import demo, search
from govhall.catalog.codes import parse_implementation_code
from govhall.catalog.models import ItemVersion, ServiceItem
from govhall.catalog.tests import factories as f

pytestmark = pytest.mark.django_db
FIXTURE = Path(__file__).parent / "fixtures" / "demo_catalog.json"


@pytest.fixture
def departments() -> None:
    city = f.region()
    for code in ("SCJGJ", "XFJY", "STHJJ", "GAJ", "MZJ"):
        f.department(code, region_obj=city)
    yuncheng = f.region("445302", "云城区", "county", city)
    luoding = f.region("445381", "罗定市", "county", city)
    f.department("SCJGJ-5302", region_obj=yuncheng)
    f.department("MZJ-5381", region_obj=luoding)


def run() -> tuple[dict[str, int], str]:
    out = io.StringIO()
    created = demo.seed(out, random.Random(7), paths=[FIXTURE])
    return created, out.getvalue()


def test_seed_publishes_items_with_codes_county_variants_and_joint_departments(departments: None) -> None:
    created, output = run()
    # 食品经营许可: city + 云城区 (SCJGJ-5302 exists) ; 婚姻登记: 罗定市 only ; 护照 ; 处罚.
    assert created["items"] == 5
    assert "skipped" in output  # the record without a name
    food = ServiceItem.objects.filter(current_version__name="食品经营许可").select_related("department")
    assert sorted((i.department.code, i.level) for i in food) == [("SCJGJ", "city"), ("SCJGJ-5302", "county")]
    for item in ServiceItem.objects.select_related("department"):
        parsed = parse_implementation_code(item.implementation_code)
        assert parsed.uscc == item.department.uscc and parsed.level == item.level
        assert (
            item.current_version is not None and item.current_version.status == ItemVersion.Status.PUBLISHED
        )
    city_food = food.get(level="city").current_version
    assert city_food is not None
    assert sorted(d.code for d in city_food.joint_departments.all()) == ["STHJJ", "XFJY"]
    # Enterprise target: only the enterprise theme of the two named.
    assert [t.code for t in city_food.themes.all()] == ["L02"]
    assert city_food.star_level == 4 and city_food.original_check == "at_completion"
    assert city_food.process_template == "joint"  # the cases app's shipped process for joint items
    assert city_food.materials.get(name="授权委托书").condition  # conditional materials state when
    marriage = ServiceItem.objects.get(current_version__name="内地居民婚姻登记")
    assert marriage.department.code == "MZJ-5381" and marriage.level == "county"
    passport = ServiceItem.objects.get(current_version__name="普通护照签发").current_version
    assert passport is not None and passport.star_level == 5 and passport.process_template == "standard"
    assert search.search("开饭店")[0].item_id in {i.pk for i in food}


def test_seed_is_idempotent_and_codes_are_stable(departments: None) -> None:
    run()
    codes = set(ServiceItem.objects.values_list("implementation_code", flat=True))
    created, _ = run()
    assert created == {} and set(ServiceItem.objects.values_list("implementation_code", flat=True)) == codes


def test_basic_codes_are_stable_when_records_are_added() -> None:
    records = [{"kind": "01", "name": f"事项{n}"} for n in range(50)]
    before = demo.basic_codes(records)
    after = demo.basic_codes([*records, {"kind": "01", "name": "新增事项"}])
    assert all(after[key] == code for key, code in before.items())
    assert len(set(after.values())) == 51
