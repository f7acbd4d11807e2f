"""Date fields and file buttons in the page's language, in real Chromium on a phone whose own
language is English: on a Chinese page no native date picker (it would show "mm/dd/yyyy") and
no native file button ("Choose Files") is in sight; the translated button and format hint are,
and the server parses the typed date with a clear field error."""

import io

import pytest
from django.conf import settings
from PIL import Image

from linli.conftest import PHONE, login_as, screenshot
from linli.testing import block_the_outside

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def png() -> dict:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(out, format="PNG")
    return {"name": "门口.png", "mimeType": "image/png", "buffer": out.getvalue()}


def no_native_pickers(page) -> None:
    """No date input anywhere; every file input out of sight, a visible translated button instead."""
    assert page.locator("input[type='date']").count() == 0
    text = page.locator("body").inner_text()
    assert "Choose Files" not in text and "Choose File" not in text and "mm/dd/yyyy" not in text
    files = page.locator("input[type='file']")
    for i in range(files.count()):
        box = files.nth(i).bounding_box()
        assert box is None or (box["width"] <= 1 and box["height"] <= 1), box
        button = page.locator(f"label.file-pick-button[for='{files.nth(i).get_attribute('id')}']")
        assert button.is_visible()
        b = button.bounding_box()
        assert b["height"] >= 44


@pytest.fixture
def english_phone(browser, live_server):
    """A phone whose browser speaks English (the case reported: mm/dd/yyyy, Choose Files)."""
    context = browser.new_context(**{**PHONE, "locale": "en-US"})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    pg.goto_path = lambda path: pg.goto(live_server.url + path)
    yield pg
    context.close()


def test_chinese_pages_show_their_own_date_fields_and_file_buttons(english_phone, live_server, city):
    page = english_phone
    assert page.evaluate("navigator.language") == "en-US"  # the browser itself speaks English
    host = live_server.url.split("//", 1)[1].split(":")[0]  # the page in Chinese (the language switch)
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans", "domain": host, "path": "/"}])
    resident = city.user_with("resident", at=city.dwelling, name="李大爷")
    login_as(page, live_server, resident)
    outside = block_the_outside(page)

    page.goto_path("/cases/new/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    no_native_pickers(page)
    photos = page.locator("label.file-pick-button[for='id_photos']")
    assert photos.inner_text() == "选择照片"
    names = page.locator("#id_photos ~ .file-pick-names")
    assert names.inner_text() == "未选择照片"
    page.set_input_files("#id_photos", [png()])
    assert names.inner_text() == "门口.png"
    photos.scroll_into_view_if_needed()
    screenshot(page, "report-photo-button")

    worker = city.user_with("grid_head", at=city.grid)
    login_as(page, live_server, worker)
    page.goto_path("/import/")
    no_native_pickers(page)
    assert page.locator("label.file-pick-button[for='import-file']").inner_text() == "选择文件"

    official = city.user_with("street_official", at=city.street)
    login_as(page, live_server, official)
    page.goto_path("/cases/figures/")
    no_native_pickers(page)
    start = page.locator("#id_date_from")
    assert start.get_attribute("type") == "text" and start.get_attribute("placeholder") == "YYYY-MM-DD"
    assert start.get_attribute("inputmode") == "numeric"
    help_text = page.locator("#date-format-help")
    assert help_text.is_visible() and "年-月-日" in help_text.inner_text()
    assert start.get_attribute("aria-describedby") == "date-format-help"

    # typed dates are parsed by the server; a wrong one gets its field's error in Chinese
    page.select_option("#id_period", "custom")
    page.fill("#id_date_from", "2026-11-31")
    page.fill("#id_date_to", "2026/11/30")
    page.click("#period-submit")
    page.wait_for_selector("#id_date_from-errors")
    assert "日期格式应为 2026-11-01" in page.locator("#id_date_from-errors").inner_text()
    assert page.locator("#id_date_to-errors").count() == 0
    screenshot(page, "figures-date-error")
    page.fill("#id_date_from", "2026-11-01")
    page.click("#period-submit")
    page.wait_for_selector("#period-range")
    assert page.locator("#period-range").inner_text().startswith("2026-11-01 至 2026-11-30")
    assert outside == []


def test_english_pages_say_choose_photos(page, live_server, city):
    host = live_server.url.split("//", 1)[1].split(":")[0]
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "domain": host, "path": "/"}])
    resident = city.user_with("resident", at=city.dwelling)
    login_as(page, live_server, resident)
    page.goto_path("/cases/new/")
    assert page.locator("label.file-pick-button[for='id_photos']").inner_text() == "Choose photos"
    assert page.locator("#id_photos ~ .file-pick-names").inner_text() == "No photo chosen"
    official = city.user_with("street_official", at=city.street)
    login_as(page, live_server, official)
    page.goto_path("/cases/figures/")
    assert "year-month-day" in page.locator("#date-format-help").inner_text()
