import pytest

from linli.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_renders_in_chinese(page):
    page.goto_path("/")
    # not logged in: the log-in page, under the linli top bar
    assert page.url.endswith("/login/?next=/")
    assert page.locator(".brand").inner_text() == "邻里"
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    # the stylesheet and the vendored htmx are served (no CDN)
    assert page.evaluate("typeof htmx") == "object"
    assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).backgroundColor") != "rgba(0, 0, 0, 0)"
    screenshot(page, "home")
