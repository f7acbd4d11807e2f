"""Every case row names its compound (and its grid for those above the grid): a secretary
covering many compounds must tell which 1栋 is meant."""

import pytest

from linli.conftest import login_as, screenshot
from linli.testing import same_queries

pytestmark = pytest.mark.django_db

FULL = "汉都华府二期 · 1栋 · 1单元 · 101"


@pytest.fixture
def two_cases(city, people):
    """A case in each grid, reported by the cast's residents."""
    return [city.report("resident"), city.report("other_resident", "门口路灯坏了")]


def _where(html: str) -> list[str]:
    import re

    return re.findall(r'<span class="where">([^<]*)</span>', html)


def test_grid_worker_rows_name_the_compound(client, people, two_cases):
    client.force_login(people["grid_worker"])
    assert _where(client.get("/cases/").content.decode()) == [FULL]


def test_community_rows_name_the_grid_too(client, people, two_cases):
    client.force_login(people["community_worker"])
    assert sorted(_where(client.get("/cases/").content.decode())) == [
        "第一网格 · " + FULL, "第二网格 · 绿洲路126号大院 · 1栋 · 1单元 · 101"]


def test_the_residents_own_list_and_home_name_the_compound(client, people, two_cases):
    client.force_login(people["resident"])
    assert _where(client.get("/cases/mine/").content.decode()) == [FULL]
    assert FULL in client.get("/").content.decode()


def test_the_list_query_count_does_not_grow_with_rows(client, city, people, two_cases):
    client.force_login(people["community_worker"])
    response = same_queries(lambda: client.get("/cases/"),
                            grow=lambda: [city.report("resident", f"又一件事情{i}") for i in range(5)])
    assert len(_where(response.content.decode())) == 7


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_queue_row_on_a_phone_names_grid_and_compound(page, live_server, city, people):
    city.report("community_worker", "社区门口井盖松动", channel="patrol", at=city.building, category="manhole")
    login_as(page, live_server, people["street_official"])
    page.goto_path("/cases/")
    assert page.locator("#cases .where").first.inner_text() == "第一网格 · 汉都华府二期 · 1栋"
    screenshot(page, "case-rows-where")
