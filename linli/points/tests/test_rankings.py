"""Rankings of people within a compound, grid or community over a period (fixed or from/to
dates), the ranking of places, and the monthly cap of an earning rule. Points are worked
out by hand from the shop fixture's rules: attended 5, service hour 10, verified tip 20."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from linli.core.actors import SYSTEM
from linli.places import services as place_services
from linli.points import selectors, services
from linli.points.models import Award, EarningRule, PointAccount, PointEntry
from linli.testing import same_queries

from .conftest import give

pytestmark = pytest.mark.django_db


def people_of(html: str) -> list[tuple[str, int]]:
    block = html[html.index('<ol id="people">'):html.index("</ol>", html.index('<ol id="people">'))]
    return [(n, int(p)) for n, p in re.findall(r"<li>(.*?) · (\d+)</li>", block)]


def places_of(html: str) -> list[tuple[str, int, int]]:
    block = html[html.index('<ol id="places">'):html.index("</ol>", html.index('<ol id="places">'))]
    return [(n, int(p), int(k)) for n, p, k in re.findall(r"<li>(.*?) · (\d+)（(\d+) 人）</li>", block)]


@pytest.fixture
def earned(city, shop, resident):
    """Points earned in the community, by hand:
    汉都华府二期 (第一网格): 李大爷 tip 20 + attended 5 = 25; 李大妈 3 service hours = 30.
    汉都华府一期 (第一网格 too): 张三 5 service hours = 50.
    绿洲路126号大院 (第二网格): 王云川 tip 20 + 2 service hours = 40.
    The community's own flat: 孟大爷 given 15 by hand (the transfer's path is the community)."""
    neighbour = city.user_with("resident", at=city.dwelling, name="李大妈")
    first = place_services.create_place(actor=SYSTEM, parent_id=city.grid.pk, kind_code="compound",
                                        name="汉都华府一期")
    first_dwelling = place_services.create_place(actor=SYSTEM, parent_id=first.pk, kind_code="dwelling", name="202")
    zhang = city.user_with("resident", at=first_dwelling, name="张三")
    wang = city.user_with("resident", at=city.other_dwelling, name="王云川")
    meng = city.user_with("resident", at=city.community_dwelling, name="孟大爷")

    def aw(trigger, where, person, source, units=1):
        services.award(trigger=trigger, path=where.path, person_id=person.pk, source=source, units=units,
                       verified=True)

    aw("verified_tip", city.dwelling, resident, "case:1")
    aw("attended", city.dwelling, resident, "activity:1")
    aw("service_hour", city.dwelling, neighbour, "activity:2", units=3)
    aw("service_hour", first_dwelling, zhang, "activity:3", units=5)
    aw("verified_tip", city.other_dwelling, wang, "case:2")
    aw("service_hour", city.other_dwelling, wang, "activity:4", units=2)
    give(meng, city.community, 15)
    return {"first": first, "first_dwelling": first_dwelling, "neighbour": neighbour, "zhang": zhang,
            "wang": wang, "meng": meng}


def test_a_compound_ranks_only_its_own_people(client, city, earned, staff):
    client.force_login(staff)
    html = client.get(f"/points/rankings/?under={city.compound.pk}&days=30").content.decode()
    assert people_of(html) == [("李大妈", 30), ("李大爷", 25)]
    other = client.get(f"/points/rankings/?under={earned['first'].pk}&days=30").content.decode()
    assert people_of(other) == [("张三", 50)]


def test_grid_and_community_rankings(client, city, earned, staff):
    client.force_login(staff)
    grid = client.get(f"/points/rankings/?under={city.grid.pk}&days=30").content.decode()
    assert people_of(grid) == [("张三", 50), ("李大妈", 30), ("李大爷", 25)]
    other_grid = client.get(f"/points/rankings/?under={city.other_grid.pk}&days=30").content.decode()
    assert people_of(other_grid) == [("王云川", 40)]
    community = client.get(f"/points/rankings/?under={city.community.pk}&days=30").content.decode()
    assert people_of(community) == [("张三", 50), ("王云川", 40), ("李大妈", 30), ("李大爷", 25), ("孟大爷", 15)]


def test_the_place_ranking_is_points_and_people_per_child_place(client, city, earned, staff):
    client.force_login(staff)
    compounds = client.get(f"/points/rankings/?under={city.community.pk}&level=compound").content.decode()
    assert places_of(compounds) == [("汉都华府二期", 55, 2), ("汉都华府一期", 50, 1), ("绿洲路126号大院", 40, 1)]
    grids = client.get(f"/points/rankings/?under={city.community.pk}&level=grid").content.decode()
    assert places_of(grids) == [("第一网格", 105, 3), ("第二网格", 40, 1)]
    in_grid = client.get(f"/points/rankings/?under={city.grid.pk}&level=compound").content.decode()
    assert places_of(in_grid) == [("汉都华府二期", 55, 2), ("汉都华府一期", 50, 1)]


def test_a_resident_picks_among_their_own_compound_grid_and_community(client, city, earned, resident):
    client.force_login(resident)
    html = client.get("/points/rankings/").content.decode()
    select = html[html.index('<select name="under">'):html.index("</select>")]
    assert re.findall(r"<option[^>]*>(.*?)</option>", select) == ["石马社区", "第一网格", "汉都华府二期"]
    assert f'value="{city.community.pk}" selected>' in select  # the community first
    assert people_of(client.get(f"/points/rankings/?under={city.compound.pk}").content.decode()) == [
        ("李大妈", 30), ("李大爷", 25)]
    # Another compound of the same grid, the other grid, the street: not theirs.
    for place in (earned["first"], city.other_grid, city.street):
        assert client.get(f"/points/rankings/?under={place.pk}").status_code == 404


def at_local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=timezone.get_current_timezone())


def test_a_custom_period_counts_both_days_in_full_and_nothing_outside(client, city, shop, staff, resident):
    """From 1 to 31 March: 00:00 on the 1st and 23:59:59 on the 31st count; the second before
    and 00:00 on 1 April do not."""
    moments = {at_local(2026, 2, 28, 23, 59, 59): 1, at_local(2026, 3, 1, 0, 0, 0): 2,
               at_local(2026, 3, 31, 23, 59, 59): 4, at_local(2026, 4, 1, 0, 0, 0): 8}
    for moment, points in moments.items():
        t = give(resident, city.community, points)
        PointEntry.objects.filter(transfer=t).update(at=moment)
    client.force_login(staff)
    html = client.get(f"/points/rankings/?under={city.community.pk}&start=2026-03-01&end=2026-03-31").content.decode()
    assert people_of(html) == [("李大爷", 6)]
    one_day = client.get(f"/points/rankings/?under={city.community.pk}&start=2026-04-01&end=2026-04-01")
    assert people_of(one_day.content.decode()) == [("李大爷", 8)]
    assert people_of(client.get(f"/points/rankings/?under={city.community.pk}&days=30").content.decode()) == []


def field_error(html: str, field: str) -> list[str]:
    return re.findall(rf'<p class="field-error" id="error-{field}">(.*?)</p>', html)


@pytest.mark.parametrize("query,field,zh,en", [
    ("start=2026-03-02&end=2026-03-01", "end", "结束日期不能早于开始日期", "The end date cannot be before the start date"),
    ("start=2025-01-01&end=2026-01-02", "end", "时间段最长一年", "The period is at most a year"),
    ("start=2026-03-01", "end", "请填写结束日期", "Please enter the end date"),
    ("end=2026-03-01", "start", "请填写开始日期", "Please enter the start date"),
])
def test_a_wrong_period_is_refused_field_by_field(client, city, staff, english, query, field, zh, en):
    client.force_login(staff)
    url = f"/points/rankings/?under={city.community.pk}&{query}"
    assert field_error(client.get(url).content.decode(), field) == [zh]
    assert field_error(client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode(), field) == [en]


def test_a_year_to_the_day_is_allowed(client, city, staff):
    client.force_login(staff)
    html = client.get(f"/points/rankings/?under={city.community.pk}&start=2025-01-01&end=2026-01-01").content.decode()
    assert 'class="field-error"' not in html


def test_the_rankings_page_does_not_grow_with_its_rows(client, city, shop, staff):
    client.force_login(staff)
    url = f"/points/rankings/?under={city.community.pk}&level=compound"
    n = iter(range(100))

    def grow():
        for where in (city.dwelling, city.other_dwelling, city.community_dwelling):
            for _ in range(3):
                person = city.user_with("resident", at=where, name=f"居民{next(n)}")
                services.award(trigger="verified_tip", path=where.path, person_id=person.pk,
                               source=f"case:{person.pk}", verified=True)

    grow()
    html = same_queries(lambda: client.get(url), grow).content.decode()
    assert places_of(html) == [("汉都华府二期", 120, 6), ("绿洲路126号大院", 120, 6)]
    assert len(people_of(html)) == 18


def test_the_monthly_cap_holds_and_opens_again_when_the_month_turns(city, resident, monkeypatch):
    """A rule of 10 points capped at 25 a month: 10, 10, then 5 (what is left), then nothing
    (capped) up to the last second of January; 10 again at 00:00 on 1 February (local time)."""
    rule = services.save_rule(actor=SYSTEM, community_id=city.community.pk, trigger=EarningRule.Trigger.ATTENDED,
                              name="参加活动", points=10, monthly_cap=25)
    clock = {"now": None}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])

    def attend(moment, n):
        clock["now"] = moment
        (a,) = services.award(trigger="attended", path=city.dwelling.path, person_id=resident.pk,
                              source=f"activity:{n}", verified=True)
        return a

    got = [attend(at_local(2026, 1, 5, 9), 1), attend(at_local(2026, 1, 20, 9), 2),
           attend(at_local(2026, 1, 31, 23, 0), 3), attend(at_local(2026, 1, 31, 23, 59, 59), 4),
           attend(at_local(2026, 2, 1, 0, 0, 0), 5)]
    assert [(a.status, a.credited) for a in got] == [
        (Award.Status.CREDITED, 10), (Award.Status.CREDITED, 10), (Award.Status.CREDITED, 5),
        (Award.Status.CAPPED, 0), (Award.Status.CREDITED, 10)]
    account = PointAccount.objects.get(owner=resident, community=city.community)
    assert account.balance == 35
    assert sum(PointEntry.objects.filter(account=account).values_list("amount", flat=True)) == 35
    # February has 15 left: 10, then 5, then capped.
    more = [attend(at_local(2026, 2, 27, 12), 6), attend(at_local(2026, 2, 28, 12), 7)]
    assert [(a.status, a.credited) for a in more] == [(Award.Status.CREDITED, 10), (Award.Status.CREDITED, 5)]
    assert attend(at_local(2026, 2, 28, 13), 8).status == Award.Status.CAPPED
    # The figures the staff's rules page shows for February: 25 points, one person.
    (row,) = selectors.rules_of(city.community, now=at_local(2026, 2, 28, 14))
    assert row.pk == rule.pk and (row.month_points, row.month_people) == (25, 1)


def test_a_reversed_award_no_longer_ranks(client, city, earned, staff):
    """张三's 50 are taken back: nothing left, he and his compound leave the rankings."""
    award = Award.objects.get(person=earned["zhang"])
    services.reverse_transfer(actor=staff, transfer_id=award.transfer_id, reason="重复登记")
    client.force_login(staff)
    grid = client.get(f"/points/rankings/?under={city.grid.pk}&days=30").content.decode()
    assert people_of(grid) == [("李大妈", 30), ("李大爷", 25)]
    in_grid = client.get(f"/points/rankings/?under={city.grid.pk}&level=compound").content.decode()
    assert places_of(in_grid) == [("汉都华府二期", 55, 2)]
