"""Log-in by SMS code, API tokens, session auth with CSRF, and staff password log-in."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django.utils.crypto import get_random_string

from linli.accounts import services
from linli.accounts.models import ApiToken, SentSms, SmsCode
from linli.core.actors import SYSTEM
from linli.core.errors import Invalid, TooManyRequests
from linli.core.models import AuditEntry
from linli.testing import next_phone

pytestmark = pytest.mark.django_db
API = "/api/v1"


def call(method, path, body=None, client=None, **headers):
    client = client or Client()
    kwargs = dict(headers)
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(API + path, **kwargs)


def last_code() -> str:
    return re.search(r"\d{6}", SentSms.objects.first().text).group()


@pytest.fixture
def phone():
    return next_phone()


@pytest.fixture
def person(phone):
    return services.create_user(actor=SYSTEM, display_name="王阿姨", phone=phone)


@pytest.fixture
def start():
    with time_machine.travel(dt.datetime(2025, 3, 15, 9, 0, tzinfo=dt.timezone.utc), tick=False) as traveller:
        yield traveller


def test_sms_code_to_token_to_api(person, phone, start):
    r = call("post", "/auth/sms-code", {"phone": phone})
    assert r.status_code == 200 and r.json() == {"ok": True}
    sms = SmsCode.objects.get()
    code = last_code()
    assert code not in sms.code_hash  # only a hash is stored
    assert SentSms.objects.get().phone_masked == phone[:3] + "****" + phone[-4:]
    r = call("post", "/auth/token", {"phone": phone, "code": code, "token_name": "我的手机"})
    assert r.status_code == 200, r.content
    token = r.json()["token"]
    assert r.json()["display_name"] == "王阿姨"
    stored = ApiToken.objects.get(user=person)
    assert token not in (stored.key_hash, stored.prefix) and stored.name == "我的手机"
    me = call("get", "/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.status_code == 200 and me.json()["id"] == person.pk
    # One use per code.
    r = call("post", "/auth/token", {"phone": phone, "code": code})
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "sms_code_wrong"
    assert AuditEntry.objects.filter(kind="user.login_sms", actor=person).count() == 1


def test_wrong_code_counted_and_lockout_after_five(person, phone, start):
    call("post", "/auth/sms-code", {"phone": phone})
    code = last_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for attempt in range(1, 6):
        r = call("post", "/auth/token", {"phone": phone, "code": wrong})
        assert r.status_code == 400
        assert SmsCode.objects.get().attempts == attempt  # counted although refused
    assert r.json()["errors"][0]["message"] == "验证码错误次数过多，请重新获取"
    r = call("post", "/auth/token", {"phone": phone, "code": code})
    assert r.status_code == 400
    assert r.json()["errors"] == [{"field": "code", "message": "验证码错误次数过多，请重新获取",
                                   "code": "sms_code_locked"}]
    assert not ApiToken.objects.exists()
    # A new code (after the one-a-minute limit) works again.
    start.shift(dt.timedelta(seconds=61))
    call("post", "/auth/sms-code", {"phone": phone})
    assert call("post", "/auth/token", {"phone": phone, "code": last_code()}).status_code == 200


def test_code_expires_after_five_minutes(person, phone, start):
    call("post", "/auth/sms-code", {"phone": phone})
    code = last_code()
    start.shift(dt.timedelta(minutes=5, seconds=1))
    r = call("post", "/auth/token", {"phone": phone, "code": code})
    assert r.status_code == 400
    assert r.json()["errors"][0]["message"] == "验证码错误或已过期"


def test_code_for_number_without_account(phone, start):
    # The code is sent either way (the answer reveals nothing); log-in then says why not.
    assert call("post", "/auth/sms-code", {"phone": phone}).status_code == 200
    r = call("post", "/auth/token", {"phone": phone, "code": last_code()})
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "no_account"


def test_rate_limit_per_number(person, phone, start):
    assert call("post", "/auth/sms-code", {"phone": phone}).status_code == 200
    r = call("post", "/auth/sms-code", {"phone": phone})
    assert r.status_code == 429
    assert r.json()["errors"] == [{"field": "phone", "message": "验证码发送过于频繁，请一分钟后再试",
                                   "code": "sms_rate_number"}]
    for _ in range(services.SMS_PER_NUMBER_DAY - 1):
        start.shift(dt.timedelta(minutes=2))
        assert call("post", "/auth/sms-code", {"phone": phone}).status_code == 200
    start.shift(dt.timedelta(minutes=2))
    r = call("post", "/auth/sms-code", {"phone": phone})
    assert r.status_code == 429 and r.json()["errors"][0]["message"] == "该号码今日获取验证码次数已达上限"
    start.shift(dt.timedelta(days=1))
    assert call("post", "/auth/sms-code", {"phone": phone}).status_code == 200


def test_rate_limit_per_address(start):
    for _ in range(services.SMS_PER_IP_HOUR):
        assert call("post", "/auth/sms-code", {"phone": next_phone()}, REMOTE_ADDR="10.1.2.3").status_code == 200
    r = call("post", "/auth/sms-code", {"phone": next_phone()}, REMOTE_ADDR="10.1.2.3")
    assert r.status_code == 429
    assert r.json()["errors"][0] == {"field": None, "message": "请求过于频繁，请稍后再试", "code": "sms_rate_ip"}
    # Another address is not affected; an hour later this one may ask again.
    assert call("post", "/auth/sms-code", {"phone": next_phone()}, REMOTE_ADDR="10.9.9.9").status_code == 200
    start.shift(dt.timedelta(hours=1, seconds=1))
    assert call("post", "/auth/sms-code", {"phone": next_phone()}, REMOTE_ADDR="10.1.2.3").status_code == 200


def test_bad_phone_numbers():
    for bad in ("12345", "23800000000", "1380000000x", ""):
        r = call("post", "/auth/sms-code", {"phone": bad})
        assert r.status_code == 400, bad
        assert r.json()["errors"][0]["message"] == "手机号码格式不正确（应为11位大陆手机号）"
    r = call("post", "/auth/sms-code", {"phone": "1" * 21})
    assert r.status_code == 422
    assert not SmsCode.objects.exists()


def test_revoked_token_is_refused(person):
    token = services.issue_api_token(user=person, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert call("get", "/auth/me", **auth).status_code == 200
    r = call("delete", "/auth/token", **auth)
    assert r.status_code == 204
    assert ApiToken.objects.get().revoked_at is not None
    r = call("get", "/auth/me", **auth)
    assert r.status_code == 401 and r.json()["errors"][0]["message"] == "请先登录"
    assert AuditEntry.objects.filter(kind="api_token.revoke", actor=person).count() == 1


def test_other_users_token_cannot_be_revoked(person):
    other = services.create_user(actor=SYSTEM, display_name="别人", phone=next_phone())
    services.issue_api_token(user=other, name="t")
    with pytest.raises(Exception) as exc:
        services.revoke_api_token(actor=person, token_id=ApiToken.objects.get(user=other).pk)
    assert getattr(exc.value, "status", None) == 404
    assert ApiToken.objects.get(user=other).revoked_at is None


def test_garbage_tokens_are_401(person):
    for value in ("Bearer ", "Bearer nope", "Bearer " + "x" * 5000, "Token abc", "Bearer ll_\u00e9"):
        r = call("get", "/auth/me", HTTP_AUTHORIZATION=value)
        assert r.status_code == 401, value


def test_inactive_user_token_refused(person):
    token = services.issue_api_token(user=person, name="t")
    person.is_active = False
    person.save()
    assert call("get", "/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_session_auth_needs_csrf_for_writes(city):
    user = city.user_with("grid_worker", at=city.grid)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert call("get", "/auth/me", client=client).status_code == 200
    body = {"dwelling_id": city.dwelling.pk}
    r = call("post", "/households", body, client=client)
    assert r.status_code == 403
    assert r.json()["errors"] == [{"field": None, "message": "CSRF 校验失败，请刷新页面后重试", "code": "csrf_failed"}]
    # The CSRF cookie a page would have set, echoed in the header by the page's script.
    csrf = get_random_string(32)
    client.cookies["csrftoken"] = csrf
    r = call("post", "/households", body, client=client, HTTP_X_CSRFTOKEN=csrf)
    assert r.status_code == 201, r.content
    # DELETE /auth/token needs a token, not a session.
    r = call("delete", "/auth/token", client=client, HTTP_X_CSRFTOKEN=csrf)
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "not_token_auth"


def test_token_requests_need_no_csrf(city):
    user = city.user_with("grid_worker", at=city.grid)
    token = services.issue_api_token(user=user, name="t")
    client = Client(enforce_csrf_checks=True)
    r = call("post", "/households", {"dwelling_id": city.dwelling.pk}, client=client,
             HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 201


# ---------------------------------------------------------------- password log-in (staff)


@pytest.fixture
def staff():
    return services.create_user(actor=SYSTEM, display_name="管理员", username="admin1", password="s3cret-pass",
                                is_staff=True)


def test_password_login_for_staff(staff):
    user = services.password_login(username="admin1", password="s3cret-pass", ip="10.0.0.1")
    assert user == staff
    assert AuditEntry.objects.filter(kind="user.login_password", actor=staff).count() == 1


def test_password_login_refuses_non_staff_and_wrong_password(staff):
    services.create_user(actor=SYSTEM, display_name="居民", username="resident1", password="s3cret-pass")
    for username, password in (("resident1", "s3cret-pass"), ("admin1", "wrong"), ("nobody", "x"), ("", "")):
        with pytest.raises(Invalid) as exc:
            services.password_login(username=username, password=password)
        assert str(exc.value.message) == "用户名或密码错误"


def test_password_failures_are_rate_limited_per_account_and_address(staff, start):
    for _ in range(services.LOGIN_FAILURES_PER_USER):
        with pytest.raises(Invalid):
            services.password_login(username="admin1", password="wrong", ip="10.0.0.2")
    # the guessing address is stopped, even with the right password …
    with pytest.raises(TooManyRequests):
        services.password_login(username="admin1", password="s3cret-pass", ip="10.0.0.2")
    assert AuditEntry.objects.filter(kind="user.login_failed").count() == services.LOGIN_FAILURES_PER_USER
    # … but a stranger cannot lock the staff member out: the right password from a clean address
    # logs in (issue 10 §9)
    assert services.password_login(username="admin1", password="s3cret-pass", ip="10.0.0.3") == staff
    start.shift(services.LOGIN_FAILURE_WINDOW + dt.timedelta(seconds=1))
    assert services.password_login(username="admin1", password="s3cret-pass", ip="10.0.0.2") == staff


def test_one_address_guessing_many_accounts_is_stopped(staff):
    for i in range(services.LOGIN_FAILURES_PER_IP):
        with pytest.raises(Invalid):
            services.password_login(username=f"guess{i}", password="wrong", ip="10.0.0.9")
    with pytest.raises(TooManyRequests):
        services.password_login(username="admin1", password="s3cret-pass", ip="10.0.0.9")


def test_create_user_refuses_duplicates(staff):
    with pytest.raises(Invalid) as exc:
        services.create_user(actor=SYSTEM, display_name="x", username="admin1")
    assert exc.value.field == "username"


def test_token_last_used_is_recorded(person, start):
    token = services.issue_api_token(user=person, name="t")
    call("get", "/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert ApiToken.objects.get().last_used_at == timezone.now()
