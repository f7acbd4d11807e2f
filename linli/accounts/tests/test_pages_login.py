"""Log-in pages through the Django test client: SMS code (send, rate limits in Chinese,
wrong and right code), staff password, log-out, the dev outbox."""

import re

import pytest
from django.contrib.auth import SESSION_KEY

from linli.accounts import services as account_services
from linli.accounts.models import SentSms, SmsCode
from linli.core import pii
from linli.core.actors import SYSTEM
from linli.testing import next_phone

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident_user():
    phone = next_phone()
    user = account_services.create_user(actor=SYSTEM, display_name="李阿姨", phone=phone)
    return user, phone


@pytest.fixture
def staff_user():
    phone = next_phone()
    user = account_services.create_user(actor=SYSTEM, display_name="王社工", phone=phone, username="wangsg",
                                        password="长城-secret-1", is_staff=True)
    return user, phone


def _text(response) -> str:
    return response.content.decode()


def _send(client, phone, **extra):
    return client.post("/login/", {"tab": "sms", "phone": phone, "action": "send"}, **extra)


def _logged_in_as(client, user) -> None:
    """The session holds `user`, and the next page greets them by name."""
    assert int(client.session[SESSION_KEY]) == user.pk
    home = client.get("/")
    assert home.status_code == 200
    assert home.wsgi_request.user.pk == user.pk
    assert f"您好，{user.display_name}" in _text(home)


def _anonymous(client) -> None:
    """No session user: the home page sends the visitor to log in."""
    assert SESSION_KEY not in client.session
    home = client.get("/")
    assert home.status_code == 302 and home["Location"].startswith("/login/")


def _last_code(phone_masked: str) -> str:
    sms = SentSms.objects.filter(phone_masked=phone_masked).order_by("-id").first()
    return re.search(r"\d{6}", sms.text).group(0)


def test_login_page_has_both_tabs(client):
    response = client.get("/login/")
    assert response.status_code == 200
    text = _text(response)
    assert "获取验证码" in text and "短信验证码" in text and "工作人员密码登录" in text
    response = client.get("/login/?tab=password")
    assert 'name="password"' in _text(response) and "用户名或手机号" in _text(response)


def test_sms_log_in(client, resident_user):
    user, phone = resident_user
    response = _send(client, phone)
    assert response.status_code == 200
    assert "验证码已发送" in _text(response)
    assert f'value="{phone}"' in _text(response)  # the number stays filled in
    code = _last_code(user.phone_masked)
    response = client.post("/login/", {"tab": "sms", "phone": phone, "code": code, "action": "login"})
    assert response.status_code == 302 and response["Location"] == "/"
    _logged_in_as(client, user)


def test_sms_log_in_follows_a_safe_next_only(client, resident_user):
    user, phone = resident_user
    _send(client, phone)
    code = _last_code(user.phone_masked)
    response = client.post("/login/", {"tab": "sms", "phone": phone, "code": code, "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"
    _logged_in_as(client, user)
    client.post("/logout/")
    _anonymous(client)
    SmsCode.objects.all().delete()  # the per-minute limit would refuse a second code
    _send(client, phone)
    code = _last_code(user.phone_masked)
    response = client.post("/login/", {"tab": "sms", "phone": phone, "code": code, "next": "/card/1/"})
    assert response["Location"] == "/card/1/"
    _logged_in_as(client, user)


def test_bad_phone_is_a_400_next_to_the_field(client):
    response = _send(client, "12345")
    assert response.status_code == 400
    assert "手机号码格式不正确" in _text(response)
    assert not SentSms.objects.exists()


def test_empty_phone_is_a_400(client):
    response = _send(client, "")
    assert response.status_code == 400
    assert "请填写手机号" in _text(response)


def test_second_code_within_a_minute_is_refused_in_chinese(client, resident_user):
    _, phone = resident_user
    assert _send(client, phone).status_code == 200
    response = _send(client, phone)
    assert response.status_code == 429
    assert "验证码发送过于频繁，请一分钟后再试" in _text(response)
    assert SentSms.objects.count() == 1


def test_per_address_limit(client):
    for _ in range(account_services.SMS_PER_IP_HOUR):
        assert _send(client, next_phone()).status_code == 200
    response = _send(client, next_phone())
    assert response.status_code == 429
    assert "请求过于频繁，请稍后再试" in _text(response)
    # another address may still ask
    assert _send(client, next_phone(), REMOTE_ADDR="10.0.0.9").status_code == 200


def test_wrong_code_is_a_400(client, resident_user):
    _, phone = resident_user
    _send(client, phone)
    wrong = "111111" if _last_code(pii.mask_phone(phone)) != "111111" else "222222"
    response = client.post("/login/", {"tab": "sms", "phone": phone, "code": wrong, "action": "login"})
    assert response.status_code == 400
    assert "验证码错误或已过期" in _text(response)
    _anonymous(client)


def test_missing_code_is_a_400(client, resident_user):
    _, phone = resident_user
    response = client.post("/login/", {"tab": "sms", "phone": phone, "code": "", "action": "login"})
    assert response.status_code == 400
    assert "请填写验证码" in _text(response)
    _anonymous(client)


def test_number_without_account(client):
    phone = next_phone()
    _send(client, phone)
    code = re.search(r"\d{6}", SentSms.objects.latest("id").text).group(0)
    response = client.post("/login/", {"tab": "sms", "phone": phone, "code": code})
    assert response.status_code == 400
    assert "该手机号尚未开通账号" in _text(response)
    _anonymous(client)


def test_staff_password_log_in_by_username_and_by_phone(client, staff_user):
    user, phone = staff_user
    response = client.post("/login/", {"tab": "password", "username": "wangsg", "password": "长城-secret-1"})
    assert response.status_code == 302
    _logged_in_as(client, user)
    client.post("/logout/")
    _anonymous(client)
    response = client.post("/login/", {"tab": "password", "username": phone, "password": "长城-secret-1"})
    assert response.status_code == 302
    _logged_in_as(client, user)


def test_wrong_password_is_a_400(client, staff_user):
    response = client.post("/login/", {"tab": "password", "username": "wangsg", "password": "nope"})
    assert response.status_code == 400
    assert "用户名或密码错误" in _text(response)
    assert 'name="password"' in _text(response)
    _anonymous(client)


def test_password_form_needs_both_fields(client):
    response = client.post("/login/", {"tab": "password", "username": "", "password": ""})
    assert response.status_code == 400
    assert "请填写用户名或手机号" in _text(response) and "请填写密码" in _text(response)
    _anonymous(client)


def test_non_staff_cannot_use_a_password(client):
    account_services.create_user(actor=SYSTEM, display_name="居民", username="jumin", password="pw-123456")
    response = client.post("/login/", {"tab": "password", "username": "jumin", "password": "pw-123456"})
    assert response.status_code == 400
    assert "用户名或密码错误" in _text(response)
    _anonymous(client)


def test_logout_is_post_only(client, staff_user):
    client.force_login(staff_user[0])
    assert client.get("/logout/").status_code == 405
    assert int(client.session[SESSION_KEY]) == staff_user[0].pk  # a GET does not log out
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    _anonymous(client)


def test_dev_outbox_lists_sent_codes(client, resident_user, settings):
    settings.LINLI_DEV_OUTBOX = True
    user, phone = resident_user
    _send(client, phone)
    response = client.get("/dev/outbox/")
    assert response.status_code == 200
    text = _text(response)
    assert user.phone_masked in text and _last_code(user.phone_masked) in text
    assert phone not in text


def test_dev_outbox_is_404_when_off(client, settings):
    settings.LINLI_DEV_OUTBOX = False
    response = client.get("/dev/outbox/")
    assert response.status_code == 404
    assert "页面不存在" in _text(response)
    assert "开发发件箱" not in _text(client.get("/login/"))
