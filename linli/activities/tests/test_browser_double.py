"""On a phone in real Chromium: community staff register a partner unit (the empty form says
what is missing next to each field), pair it with a grid, register a party member employed
there, and find the unit in the units list with its pairing and member."""

import pytest

from linli.activities.models import MemberRegistration, Pairing, PartnerUnit
from linli.conftest import screenshot
from linli.testing import block_the_outside

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_registers_unit_pairs_it_registers_member(city, phone):
    staff = city.person("community_worker")
    pg = phone(staff)
    outside = block_the_outside(pg)
    pg.goto_path("/activities/units/")
    pg.click("#new-unit")
    pg.click("#save-unit")
    assert pg.get_by_test_id("community-error").inner_text() == "请选择社区"
    assert pg.get_by_test_id("name-error").inner_text() == "请填写单位名称"
    pg.select_option("#id_community", label="石马社区")
    pg.fill("#id_name", "县供电公司")
    pg.fill("#id_party_branch", "供电公司党支部")
    pg.fill("#id_contact", "李主任")
    pg.click("#save-unit")
    assert "已登记共建单位县供电公司" in pg.locator(".messages").inner_text()
    assert pg.get_by_test_id("unit-summary").inner_text() == "石马社区 · 供电公司党支部 · 李主任"

    # pair it with the first grid (the form is open while the unit has no pairing)
    pg.select_option("#id_place", label="第一网格")
    pg.fill("#id_pledges", "每季度组织一次入户走访")
    pg.fill("#id_since", "2026-03-01")
    pg.click("#save-pairing")
    assert "已与第一网格结对" in pg.locator(".messages").inner_text()
    assert "第一网格 · 自 2026-03-01" in pg.locator("#pairings").inner_text()

    # register a member employed there: the unit is chosen already
    pg.click("#register-member")
    pg.select_option("#id_grid", label="第一网格")
    pg.fill("#id_name", "赵党员")
    pg.fill("#id_party_branch", "供电公司第一党支部")
    pg.click("#save-member")
    assert "赵党员已报到" in pg.locator(".messages").inner_text()
    assert "赵党员 · 第一网格 · 供电公司第一党支部" in pg.locator("#unit-members").inner_text()
    screenshot(pg, "double-reporting-unit")

    unit = PartnerUnit.objects.get(name="县供电公司")
    pg.goto_path("/activities/units/")
    row = pg.get_by_test_id(f"unit-{unit.pk}").inner_text().split("\t")
    assert [c.strip() for c in row[:4]] == ["县供电公司", "石马社区", "1", "1"]
    assert Pairing.objects.get(unit=unit).place == city.grid
    assert MemberRegistration.objects.get(unit=unit).grid == city.grid
    assert outside == []
