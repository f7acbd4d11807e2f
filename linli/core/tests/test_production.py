"""linli as production runs it: the settings refuse public keys, `check --deploy` is clean, and a
real gunicorn with production settings (DEBUG off, static files by WhiteNoise from
collectstatic) serves a styled page whose htmx works, in Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
PY = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def production_env(tmp_path, **extra) -> dict:
    """A clean environment for a production process: own keys, nothing inherited from the
    test run's mode."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINLI_", "DJANGO_"))}
    env.update({
        "LINLI_MODE": "production",
        "LINLI_SECRET_KEY": "prod-" + Fernet.generate_key().decode() + Fernet.generate_key().decode(),
        "LINLI_PII_KEY": Fernet.generate_key().decode(),
        "LINLI_PII_HASH_KEY": "hash-" + Fernet.generate_key().decode(),
        "LINLI_ALLOWED_HOSTS": "localhost,127.0.0.1",
        "LINLI_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "linli.settings",
    })
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def manage(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def settings_value(env, expr: str) -> subprocess.CompletedProcess:
    code = f"import django; django.setup(); from django.conf import settings; print({expr})"
    return subprocess.run([PY, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


# ---------------------------------------------------------------- safe by default


def test_without_a_mode_the_server_refuses_to_start_without_its_own_keys(tmp_path):
    env = production_env(tmp_path, LINLI_MODE=None, LINLI_SECRET_KEY=None, LINLI_PII_KEY=None,
                         LINLI_PII_HASH_KEY=None)
    result = settings_value(env, "settings.DEBUG")
    assert result.returncode != 0
    assert "LINLI_SECRET_KEY" in result.stderr and "LINLI_PII_KEY" in result.stderr
    # a secret alone is not enough: the personal-data keys must be its own
    env = production_env(tmp_path, LINLI_MODE=None, LINLI_PII_KEY=None, LINLI_PII_HASH_KEY=None)
    result = settings_value(env, "settings.DEBUG")
    assert result.returncode != 0 and "LINLI_PII_HASH_KEY" in result.stderr


def test_production_has_debug_off_and_no_dev_outbox_even_when_asked(tmp_path):
    env = production_env(tmp_path, LINLI_DEBUG="1", LINLI_DEV_OUTBOX="1")
    result = settings_value(env, "settings.DEBUG, settings.LINLI_DEV_OUTBOX, settings.SESSION_COOKIE_SECURE")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False False True"


def test_the_demo_shows_product_error_pages_unless_a_developer_asks(tmp_path):
    env = production_env(tmp_path, LINLI_MODE="demo", LINLI_SECRET_KEY=None, LINLI_PII_KEY=None,
                         LINLI_PII_HASH_KEY=None)
    assert settings_value(env, "settings.DEBUG, settings.LINLI_DEV_OUTBOX").stdout.strip() == "False True"
    env["LINLI_DEBUG"] = "1"
    assert settings_value(env, "settings.DEBUG").stdout.strip() == "True"


def test_check_deploy_passes_for_production_settings_with_no_warnings(tmp_path):
    env = production_env(tmp_path, LINLI_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
                         LINLI_CSRF_TRUSTED_ORIGINS="https://linli.example.cn")
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)" in result.stdout


def test_check_deploy_fails_on_public_or_derived_keys(tmp_path):
    # development keys: the public secret, personal-data keys derived from it, the dev outbox
    env = production_env(tmp_path, LINLI_MODE="development", LINLI_SECRET_KEY=None, LINLI_PII_KEY=None,
                         LINLI_PII_HASH_KEY=None)
    result = manage(env, "check", "--deploy")
    assert result.returncode != 0
    for code in ("linli.E001", "linli.E002", "linli.E004", "linli.E007"):
        assert code in result.stderr + result.stdout
    # production with keys that are not keys
    env = production_env(tmp_path, LINLI_PII_KEY="not-a-fernet-key", LINLI_PII_HASH_KEY="short")
    out = manage(env, "check", "--deploy")
    assert out.returncode != 0 and "linli.E003" in out.stderr and "linli.E005" in out.stderr


# ---------------------------------------------------------------- a real production server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{s['USER']}:{s.get('PASSWORD') or ''}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    return "sqlite:///" + os.path.abspath(s["NAME"])


@pytest.fixture
def production_server(transactional_db, tmp_path):
    port = _free_port()
    # As behind a TLS proxy: the browser sends X-Forwarded-Proto (the proxy would), and the
    # site's public origin is trusted for CSRF; both come from the environment.
    env = production_env(tmp_path, DATABASE_URL=_database_url(),
                         LINLI_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
                         LINLI_CSRF_TRUSTED_ORIGINS=f"http://localhost:{port}")
    collected = manage(env, "collectstatic", "--no-input", "-v0")
    assert collected.returncode == 0, collected.stderr
    log = open(tmp_path / "gunicorn.log", "w")
    proc = subprocess.Popen([GUNICORN, "linli.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                             "--error-logfile", "-"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        # Workers answer once they have loaded the app and warmed up (jieba, the model).
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/login/",
                                                 headers={"X-Forwarded-Proto": "https"})
                if urllib.request.urlopen(request, timeout=60).status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        yield f"http://localhost:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        print((tmp_path / "gunicorn.log").read_text()[-3000:])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_production_server_serves_styled_pages_and_htmx_works(production_server, browser, city):
    from linli.accounts.models import User
    from linli.conftest import PHONE, screenshot
    from linli.testing import block_the_outside

    user = city.user_with("grid_worker", at=city.grid, name="向劲松")
    User.objects.filter(pk=user.pk).update(username="xiangjs", is_staff=True)
    user = User.objects.get(pk=user.pk)
    user.set_password("a-long-password-1")
    user.save(update_fields=["password"])

    context = browser.new_context(**PHONE, extra_http_headers={"X-Forwarded-Proto": "https"})
    page = context.new_page()
    page.set_default_timeout(20000)
    outside = block_the_outside(page)
    csp_errors = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        response = page.goto(production_server + "/login/?tab=password")
        assert response.status == 200
        assert "max-age=31536000" in response.headers["strict-transport-security"]
        assert "script-src 'self'" in response.headers["content-security-policy"]
        # styled: the stylesheet has a content-hashed name (collectstatic's manifest) and applies
        css = page.locator("link[rel=stylesheet]").first.get_attribute("href")
        assert css.startswith("/static/css/linli.") and css.endswith(".css") and css != "/static/css/linli.css"
        static = page.request.get(production_server + css)
        assert static.status == 200 and "immutable" in static.headers.get("cache-control", "")
        # the top bar is red and the log-in button wide: unstyled, both would be browser defaults
        assert page.locator(".topbar").evaluate("e => getComputedStyle(e).backgroundColor") not in (
            "rgba(0, 0, 0, 0)", "transparent")
        assert page.locator("#password-submit").evaluate("e => getComputedStyle(e).display") == "flex"
        page.fill("#id_username", "xiangjs")
        page.fill("#id_password", "a-long-password-1")
        page.click("#password-submit")
        page.wait_for_url(lambda url: "/login/" not in url)
        # logged in as that worker (the session holds them), not merely sent elsewhere
        assert "向劲松" in page.locator("[data-testid=who]").inner_text()
        # htmx: typing on the report page brings the category suggestion from the server
        page.goto(production_server + "/cases/new/")
        assert page.evaluate("typeof window.htmx") == "object"
        page.fill("#id_text", "楼道里扶手又坏了，老人上下楼很危险")
        page.locator("#id_text").dispatch_event("input")
        page.wait_for_selector("#suggested-category")
        assert "可能是以下类别" in page.inner_text("#hints")
        screenshot(page, "production-report")
        # unknown addresses: the product's own page, not Django's debug page
        missing = page.goto(production_server + "/no-such-page/")
        assert missing.status == 404 and "页面不存在" in page.inner_text("main")
        assert "Traceback" not in page.content() and "DEBUG = True" not in page.content()
    finally:
        context.close()
    assert outside == []
    assert csp_errors == []


def test_a_worker_loads_the_dictionary_and_the_model_when_it_starts(db, settings):
    """wsgi.warm_up (run at import when LINLI_WARM_UP, on in production, off in tests)."""
    from linli.triage import pipeline, suggest

    assert settings.LINLI_WARM_UP is False  # tests do not pay for it by default
    suggest.forget_cached_model()
    import linli.wsgi

    linli.wsgi.warm_up()
    assert pipeline._jieba_ready
