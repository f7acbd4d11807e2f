"""Log-in in real headless Chromium on a phone-sized screen: SMS code read from the dev
outbox, the rate-limit message, staff password, log-out, the language switch."""

import re

import pytest

from linli.accounts import services as account_services
from linli.conftest import screenshot
from linli.core.actors import SYSTEM
from linli.testing import next_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(city):
    user = city.user_with("grid_worker", at=city.grid, name="张网格")
    return user, user.phone


def test_sms_log_in_lands_on_the_tree(page, worker, settings):
    settings.LINLI_DEV_OUTBOX = True
    user, phone = worker
    page.goto_path("/")
    assert "/login/" in page.url
    assert page.locator("h1").inner_text() == "登录"
    screenshot(page, "login-sms")

    page.fill("#id_phone", phone)
    page.click("#send-code")
    page.wait_for_selector("#code-sent")
    assert "验证码已发送" in page.locator("#code-sent").inner_text()
    assert page.input_value("#id_phone") == phone

    # read the code on the dev outbox page, as a developer would
    outbox = page.context.new_page()
    outbox.goto(page.url.split("/login/")[0] + "/dev/outbox/")
    first = outbox.locator("tbody tr").first
    assert first.locator("td").nth(1).inner_text() == user.phone_masked
    code = re.search(r"\d{6}", first.locator(".sms-text").inner_text()).group(0)
    screenshot(outbox, "dev-outbox")
    outbox.close()

    # asking again at once is refused, in Chinese, next to the number
    page.click("#send-code")
    assert "验证码发送过于频繁，请一分钟后再试" in page.locator(".field-error .errorlist").inner_text()
    screenshot(page, "login-rate-limited")

    page.fill("#id_code", "99999" if code != "99999" else "88888")
    page.click("#sms-submit")
    assert "验证码错误或已过期" in page.locator(".errorlist").first.inner_text()

    page.fill("#id_code", code)
    page.press("#id_code", "Enter")  # Enter logs in (not "获取验证码")
    page.wait_for_url(re.compile(r"/$"))
    assert page.locator("h1").inner_text() == "您好，张网格"
    assert page.locator("#roots").count() == 1
    assert "张网格" in page.locator("[data-testid=who]").inner_text()
    row = page.locator("#roots li", has_text="第一网格")
    assert row.locator(".n-households").inner_text() == "1"
    assert row.locator(".n-residents").inner_text() == "1"
    screenshot(page, "home-tree")

    page.get_by_role("button", name="退出").click()
    page.wait_for_url(re.compile(r"/login/$"))


def test_staff_password_log_in(page, city):
    phone = next_phone()
    user = account_services.create_user(actor=SYSTEM, display_name="王社工", phone=phone, username="wangsg",
                                        password="secret-pass-1", is_staff=True)
    account_services.assign_role(actor=SYSTEM, user_id=user.pk, role="community_worker", place_id=city.community.pk)
    page.goto_path("/login/")
    page.get_by_role("link", name="工作人员密码登录").click()
    page.fill("#id_username", "wangsg")
    page.fill("#id_password", "wrong-password")
    page.click("#password-submit")
    assert "用户名或密码错误" in page.locator(".errorlist").first.inner_text()
    screenshot(page, "login-password-error")
    page.fill("#id_username", phone)
    page.fill("#id_password", "secret-pass-1")
    page.click("#password-submit")
    page.wait_for_url(re.compile(r"/$"))
    assert "社区工作者 · 石马社区" in page.locator("[data-testid=who]").inner_text()


def test_language_switch_on_the_login_page(page):
    page.goto_path("/login/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    page.get_by_role("button", name="English").click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert "/login/" in page.url
    assert page.get_by_role("button", name="English").get_attribute("aria-pressed") == "true"
    screenshot(page, "login-english")
    page.get_by_role("button", name="中文").click()
    page.wait_for_function("document.documentElement.lang === 'zh-Hans'")
