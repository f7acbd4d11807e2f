"""The owners' roll import page in real headless Chromium on a phone-sized screen: a grid head
uploads a roll with bad rows and sees each row's error; after fixing it the import succeeds,
and the same file again changes nothing."""

import pytest

from linli.conftest import login_as, screenshot
from linli.deliberation.models import DwellingTitle
from linli.places.models import Ownership

from .estate import Estate
from .test_roll_import import GOOD_ROWS, xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_upload_a_roll_with_bad_rows_then_a_good_one(page, live_server, city):
    estate = Estate(city, {"1栋": [("101", "80"), ("102", "90"), ("103", None)]})
    head = city.user_with("grid_head", at=city.grid, name="刘网格长")
    login_as(page, live_server, head)
    page.goto_path(f"/deliberation/roll/import/?compound={estate.compound.pk}")
    assert page.locator("h1").inner_text() == "导入业主名册"
    assert page.locator("#import-compound").input_value() == str(estate.compound.pk)
    assert page.locator("#template-link").get_attribute("href") == "/deliberation/roll/import/template.xlsx"
    screenshot(page, "roll-import-form")

    bad = list(GOOD_ROWS)
    bad[0] = ("1栋", None, 101, "八十九", "张三", None, None, None, None)
    bad[3] = ("1栋", None, 104, 120, "赵六", None, None, None, None)
    page.set_input_files("#import-file", files=[{"name": "业主名册.xlsx", "mimeType": XLSX, "buffer": xlsx(bad)}])
    page.locator("#import-button").click()
    report = page.locator("#import-errors")
    report.wait_for()
    assert "文件有错误，未导入任何数据" in report.inner_text()
    assert "共 4 行，其中 2 行有问题，共 2 处错误" in page.locator("#error-summary").inner_text()
    rows = report.locator("tbody tr")
    assert rows.count() == 2
    assert [rows.nth(0).locator(c).inner_text() for c in (".col-row", ".col-column", ".col-message")] == [
        "第2行", "登记面积", "面积须是大于0的数字"]
    assert [rows.nth(1).locator(c).inner_text() for c in (".col-row", ".col-column")] == ["第5行", "房号"]
    assert "本小区没有房屋“1栋104”" in rows.nth(1).locator(".col-message").inner_text()
    # the table fits the phone's width (it scrolls inside its own box, not the page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert not Ownership.objects.exists() and not DwellingTitle.objects.exists()
    screenshot(page, "roll-import-errors")

    page.set_input_files("#import-file", files=[{"name": "业主名册.xlsx", "mimeType": XLSX,
                                                "buffer": xlsx(GOOD_ROWS)}])
    page.locator("#import-button").click()
    page.locator("#import-result").wait_for()
    assert page.locator("#import-result h2").inner_text() == "导入成功"
    assert page.locator("#n-changed").inner_text() == "3"
    assert page.locator("#n-owners").inner_text() == "3"
    assert Ownership.objects.count() == 3 and DwellingTitle.objects.count() == 3
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "roll-import-done")

    page.set_input_files("#import-file", files=[{"name": "业主名册.xlsx", "mimeType": XLSX,
                                                "buffer": xlsx(GOOD_ROWS)}])
    page.locator("#import-button").click()
    page.locator("#import-result").wait_for()
    assert page.locator("#change-summary").inner_text() == "0 套房屋有变化"
    assert page.locator("#n-unchanged").inner_text() == "3"
