import os

import pytest
from django.db import connection


def pytest_configure(config):
    # `make test` runs the suite twice; the second run must really be on PostgreSQL.
    if os.environ.get("LINLI_REQUIRE_POSTGRES") == "1":
        from django.conf import settings

        assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), "expected PostgreSQL"


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    skip = pytest.mark.skip(reason="needs PostgreSQL; `make test` runs it there")
    for item in items:
        if "postgres_only" in item.keywords and not on_postgres:
            item.add_marker(skip)


def ensure_reference_data():
    """Transactional tests flush every table, including the rows the data migrations
    loaded (place levels, care tags, case categories); put them back when missing."""
    import importlib

    from django.apps import apps as django_apps

    from linli.cases.models import Category
    from linli.places.models import PlaceKind

    if not PlaceKind.objects.exists():
        importlib.import_module("linli.places.migrations.0002_defaults_and_collation").load(django_apps, None)
    if not Category.objects.exists():
        importlib.import_module("linli.cases.migrations.0002_default_taxonomy").load(django_apps, None)


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request):
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        ensure_reference_data()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language (zh-Hans): a test that switches to English
    (a request with Accept-Language, translation.activate) must not leak into the next."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def city(db):
    from linli.testing import City

    return City()


@pytest.fixture
def people(city):
    """The case cast (linli.testing.CASE_CAST: resident to street official) made before the
    test runs; any other cast member (`people["vet"]`, `people["vet_org"]`) on first read."""
    return city.people()


@pytest.fixture
def system():
    from linli.core.actors import SYSTEM

    return SYSTEM


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


# ---------------------------------------------------------------- browser (real Chromium)

CHROMIUM = os.environ.get("LINLI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN"}
SCREENSHOTS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "artifacts", "screenshots")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def csp_safe(pg):
    """Pages carry a Content-Security-Policy without 'unsafe-eval'; Playwright evals a bare
    expression string inside the page (blocked), but calls a function expression through the
    DevTools protocol (allowed). Wrap bare expressions so tests keep the CSP of production."""
    wait_for_function = pg.wait_for_function

    def wait_for_function_csp_safe(expression, *args, **kwargs):
        text = expression.strip()
        if not (text.startswith(("function", "async")) or "=>" in text.split("\n", 1)[0][:40]):
            expression = f"() => ({text})"
        return wait_for_function(expression, *args, **kwargs)

    pg.wait_for_function = wait_for_function_csp_safe
    return pg


@pytest.fixture
def page(browser, live_server):
    """A phone-sized page; `page.goto_path("/x/")` opens a path on the live server."""
    context = browser.new_context(**PHONE)
    pg = context.new_page()
    pg.set_default_timeout(15000)
    pg.goto_path = lambda path: pg.goto(live_server.url + path)
    csp_safe(pg)
    yield pg
    context.close()


def screenshot(pg, name: str) -> None:
    """Keep a screenshot of each page under test (CI keeps artifacts/screenshots)."""
    from django.db import connection as conn

    os.makedirs(SCREENSHOTS, exist_ok=True)
    pg.screenshot(path=os.path.join(SCREENSHOTS, f"{name}-{conn.vendor}.png"), full_page=True)


def login_as(page, live_server, user) -> None:
    """Put a logged-in session cookie for `user` into the browser context."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    host = live_server.url.split("//", 1)[1].split(":")[0]
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "domain": host,
                               "path": "/"}])


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Per-process look-up caches (linli.core.cache) must not carry rows from one test into
    the next: a test's transaction is rolled back, or its tables flushed, without signals."""
    from linli.core.cache import forget_all

    forget_all()
    yield
    forget_all()


@pytest.fixture
def phone(browser, live_server):
    """A phone for each person: `phone(user)` opens its own browser context, logged in as them
    (a workflow that passes between people is tested on each one's phone)."""
    contexts = []

    def open_as(user):
        context = browser.new_context(**PHONE)
        contexts.append(context)
        pg = csp_safe(context.new_page())
        pg.set_default_timeout(15000)
        pg.goto_path = lambda path: pg.goto(live_server.url + path)
        login_as(pg, live_server, user)
        return pg

    yield open_as
    for context in contexts:
        context.close()


def png_upload(color, size=(320, 240)) -> dict:
    """An image file for Playwright's set_input_files."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return {"name": "photo.png", "mimeType": "image/png", "buffer": out.getvalue()}
