"""The import page in real headless Chromium on a phone-sized screen: a grid head uploads a
file with a bad row and sees the Chinese error report; after fixing it, the import succeeds."""

import pytest
from django.urls import reverse

from linli.conftest import login_as, screenshot
from linli.places.models import Resident
from linli.places.tests.test_import import good_rows, xlsx_bytes
from linli.places.tests.test_import_page import handler404, urlpatterns  # noqa: F401  (this module's URLconf)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.urls(__name__)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_upload_a_file_with_an_error_then_a_good_one(page, live_server, city):
    head = city.user_with("grid_head", at=city.grid, name="刘网格长")
    login_as(page, live_server, head)
    page.goto_path(reverse("importing:import"))
    assert page.locator("h1").inner_text() == "导入人口数据"
    # the grid head works in one grid, so it is preselected
    assert page.locator("#import-place").input_value() == str(city.grid.pk)
    screenshot(page, "import-form")

    rows = good_rows()
    rows[2]["性别"] = "不详"
    page.set_input_files("#import-file", files=[{"name": "人口信息.xlsx", "mimeType": XLSX,
                                                "buffer": xlsx_bytes(rows)}])
    page.locator("#import-button").click()
    report = page.locator("#import-errors")
    report.wait_for()
    assert "文件有错误，未导入任何数据" in report.inner_text()
    first = report.locator("tbody tr").first
    assert first.locator(".col-row").inner_text() == "第4行"
    assert first.locator(".col-column").inner_text() == "性别"
    assert first.locator(".col-message").inner_text() == "性别应为“男”或“女”"
    assert not Resident.objects.filter(name="张建国").exists()
    screenshot(page, "import-errors")

    page.set_input_files("#import-file", files=[{"name": "人口信息.xlsx", "mimeType": XLSX,
                                                "buffer": xlsx_bytes(good_rows())}])
    page.locator("#import-button").click()
    page.locator("#import-result").wait_for()
    assert page.locator("#n-created").inner_text() == "6"
    assert Resident.objects.filter(name="张建国", path__startswith=city.grid.path).exists()
    screenshot(page, "import-done")
