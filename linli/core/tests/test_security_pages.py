"""Headers, error pages, the API docs and the dev outbox (issue 10 §2, §11; issue 11 §3)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.utils import translation

from linli.accounts.models import SentSms


def test_every_page_carries_a_content_security_policy(client, db):
    response = client.get("/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    # inline scripts run only with this response's nonce
    nonce = response.wsgi_request.csp_nonce
    assert f"'nonce-{nonce}'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"


def test_a_second_response_gets_another_nonce(client, db):
    first = client.get("/login/")["Content-Security-Policy"]
    second = client.get("/login/")["Content-Security-Policy"]
    assert first != second


def test_api_docs_use_the_vendored_swagger_ui_not_a_cdn(client, db):
    response = client.get("/api/v1/docs")
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "/static/vendor/swagger-ui/swagger-ui.css" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert '"validatorUrl": null' in html


def test_unknown_addresses_get_the_products_page_in_the_pages_language(client, db):
    zh = client.get("/no-such-page/")
    assert zh.status_code == 404 and "页面不存在" in zh.content.decode()
    en = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    html = en.content.decode()
    assert en.status_code == 404 and 'lang="en"' in html and "页面不存在" not in html
    assert "Page not found" in html and "Django" not in html and "URLconf" not in html


def test_server_errors_get_the_products_page_in_the_pages_language(db):
    from django.urls import get_resolver

    from linli.accounts.views import server_error

    view = get_resolver().resolve_error_handler(500)
    assert view is server_error
    request = RequestFactory().get("/")
    with translation.override("en"):
        html = server_error(request).content.decode()
    assert "Something went wrong" in html and "Traceback" not in html
    assert "出错了" in server_error(request).content.decode()


def test_media_is_not_served_at_all(client, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    assert client.get("/media/photo.jpg").status_code == 404


def test_the_dev_outbox_answers_only_on_this_machine(client, db, settings):
    settings.LINLI_DEV_OUTBOX = True
    SentSms.objects.create(phone_masked="138****0000", phone_hash="x", text="【邻里】您的登录验证码是 123456")
    local = client.get("/dev/outbox/")
    assert local.status_code == 200 and "123456" in local.content.decode()
    assert "开发发件箱" in local.content.decode()
    remote = client.get("/dev/outbox/", REMOTE_ADDR="203.0.113.9")
    assert remote.status_code == 404 and "123456" not in remote.content.decode()


def test_the_test_mode_has_no_dev_outbox_unless_a_test_turns_it_on(client, db):
    SentSms.objects.create(phone_masked="138****0000", phone_hash="x", text="验证码 654321")
    assert client.get("/dev/outbox/").status_code == 404


@pytest.mark.parametrize("path", ["/login/", "/api/v1/docs"])
def test_no_page_refers_to_an_outside_host(client, db, path):
    html = client.get(path).content.decode()
    assert "//cdn" not in html and "unpkg" not in html and "jsdelivr" not in html
