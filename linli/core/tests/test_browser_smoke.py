import pytest

from linli.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_renders_in_chinese(page):
    page.goto_path("/")
    assert page.locator("h1").inner_text() == "邻里"
    screenshot(page, "home")
