"""Legibility on a 390 px phone for elderly residents: status badges, labels and body text at
least 16 px, everything tappable (menu, breadcrumbs, rows, buttons, language switch) at least
44 px tall, measured on the rendered element boxes in Chromium."""

import pytest

from linli.cases import services as case_services
from linli.conftest import login_as, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = ".case-status, .badge, .kind, .row-meta, .breadcrumbs, .help, .case-number, .where, .count span, label, p, .topbar-user"
TAPS = ".topnav a, .breadcrumbs a, a.row, .btn, .lang-switch button, .topbar .link-button, .row-aside a"

MEASURE = """([textSel, tapSel]) => {
  const visible = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const small = [...document.querySelectorAll(textSel)].filter(visible)
    .filter((e) => parseFloat(getComputedStyle(e).fontSize) < 16)
    .map((e) => e.className + ' ' + getComputedStyle(e).fontSize + ' ' + e.textContent.trim().slice(0, 20));
  const low = [...document.querySelectorAll(tapSel)].filter(visible)
    .filter((e) => e.getBoundingClientRect().height < 44)
    .map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().height) + ' ' + e.textContent.trim().slice(0, 20));
  const counted = [...document.querySelectorAll(textSel)].filter(visible).length
    + [...document.querySelectorAll(tapSel)].filter(visible).length;
  return {small, low, counted};
}"""


def _measure(page) -> dict:
    return page.evaluate(MEASURE, [TEXT, TAPS])


def test_text_and_tap_targets_on_a_phone(page, live_server, city):
    people = city.people()
    case = case_services.submit_case(actor=people["resident"], text="楼道里堆满杂物，扶手也坏了", channel="resident",
                                     place_id=city.dwelling.pk, category_code="stairwell")
    checked = {}
    login_as(page, live_server, people["resident"])
    for path in ("/", "/cases/mine/", f"/cases/{case.pk}/"):
        page.goto_path(path)
        found = _measure(page)
        assert found["small"] == [] and found["low"] == [], (path, found)
        checked[path] = found["counted"]
    assert page.locator(".case-status").first.bounding_box()["height"] >= 16
    screenshot(page, "legibility-resident-case")

    page.context.clear_cookies()
    login_as(page, live_server, people["community_worker"])
    for path in ("/", "/cases/", f"/places/{city.unit.pk}/", f"/households/{city.household.pk}/"):
        page.goto_path(path)
        found = _measure(page)
        assert found["small"] == [] and found["low"] == [], (path, found)
        checked[path] = found["counted"]
    # the breadcrumbs were measured (the unit page has links up to the community)
    page.goto_path(f"/places/{city.unit.pk}/")
    crumbs = page.locator(".breadcrumbs a")
    assert crumbs.count() >= 3
    assert min(crumbs.nth(i).bounding_box()["height"] for i in range(crumbs.count())) >= 44
    screenshot(page, "legibility-unit")
    assert all(n > 5 for n in checked.values()), checked
