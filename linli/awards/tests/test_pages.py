"""The awards' pages: the staff's rounds and round page (every field error at once, the forms
the rules allow, not found outside the community), the public list of a year, the volunteer
record and certificate showing a person's awards, and the link from the points staff pages."""

import pytest
from django.test import Client
from django.utils import timezone

from linli.awards import services
from linli.awards.models import AwardRound, Nomination
from linli.core.actors import SYSTEM
from linli.places import services as place_services
from linli.testing import same_queries

from .conftest import give_points, neighbour

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_creating_a_round_shows_every_error_then_opens_it(city, staff):
    c = client_for(staff)
    page = c.get(f"/awards/manage/?community={city.community.pk}")
    assert page.status_code == 200 and "新建评选" in page.content.decode()
    bad = c.post(f"/awards/manage/?community={city.community.pk}", {"kind": "", "year": "1990", "seats": "0",
                                                                    "method": "vote"})
    html = bad.content.decode()
    assert bad.status_code == 400
    assert "请选择评选项目" in html and "年度须在" in html and "名额须为 1 至 50 人" in html
    ok = c.post(f"/awards/manage/?community={city.community.pk}", {"kind": "neighbour_star", "year": str(YEAR),
                                                                   "seats": "3", "method": "committee"})
    rnd = AwardRound.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/awards/manage/{rnd.pk}/"
    again = c.post(f"/awards/manage/?community={city.community.pk}", {"kind": "neighbour_star", "year": str(YEAR),
                                                                      "seats": "3", "method": "vote"})
    assert again.status_code == 400 and "该社区本年度已有此项评选" in again.content.decode()


def test_the_round_page_offers_what_the_rules_allow(city, staff):
    a, b = neighbour(city, "陈阿姨"), neighbour(city, "赵叔")
    give_points(city, a, 50)
    give_points(city, b, 20)
    rnd = services.create_round(actor=staff, community_id=city.community.pk, kind="neighbour_star", year=YEAR,
                                seats=1, method="committee")
    c = client_for(staff)
    html = c.get(f"/awards/manage/{rnd.pk}/").content.decode()
    assert 'id="draw"' in html and 'id="decide"' not in html and 'id="publish"' not in html
    assert c.post(f"/awards/manage/{rnd.pk}/draw/", {"count": "5"}).status_code == 302
    html = c.get(f"/awards/manage/{rnd.pk}/").content.decode()
    assert 'id="draw"' not in html and 'id="decide"' in html and "陈阿姨" in html and "积分 50" in html
    wrong = c.post(f"/awards/manage/{rnd.pk}/decide/", {"reason": ""})
    assert wrong.status_code == 400 and "请选择获评人" in wrong.content.decode() and "请填写评定理由" in wrong.content.decode()
    first = Nomination.objects.get(round=rnd, person=a)
    assert c.post(f"/awards/manage/{rnd.pk}/decide/", {"nominations": [first.pk],
                                                        "reason": "评审委员会一致通过"}).status_code == 302
    assert c.post(f"/awards/manage/{rnd.pk}/publish/").status_code == 302
    html = c.get(f"/awards/manage/{rnd.pk}/").content.decode()
    assert "已公布" in html and 'id="public-link"' in html
    # Not theirs: a grid worker of the community, staff of nowhere near it.
    assert client_for(city.person("grid_worker")).get(f"/awards/manage/{rnd.pk}/").status_code == 404
    assert client_for(city.person("grid_worker")).post(f"/awards/manage/{rnd.pk}/publish/").status_code == 404


def _published(city, staff, winners, kind="neighbour_star", year=YEAR):
    rnd = services.create_round(actor=staff, community_id=city.community.pk, kind=kind, year=year,
                                seats=len(winners), method="committee")
    services.draw_nominations(actor=staff, round_id=rnd.pk, count=10)
    picked = list(Nomination.objects.filter(round=rnd, person__in=winners).values_list("pk", flat=True))
    services.decide_by_committee(actor=staff, round_id=rnd.pk, nomination_ids=picked, reason="评审委员会决定")
    services.publish_round(actor=staff, round_id=rnd.pk)
    return rnd


def test_the_public_list_shows_published_winners_without_their_door(city, staff):
    a, b = neighbour(city, "陈阿姨"), neighbour(city, "赵叔")
    give_points(city, a, 50)
    give_points(city, b, 20)
    url = f"/awards/{city.community.pk}/{YEAR}/"
    assert "尚未公布" in Client().get(url).content.decode()
    _published(city, staff, [a])
    page = Client().get(url)  # public: no log-in
    html = page.content.decode()
    assert page.status_code == 200 and "睦邻之星" in html and "陈阿姨" in html and "赵叔" not in html
    assert "汉都华府二期 1栋" in html and "101" not in html


def test_the_public_list_reads_in_constant_statements(city, staff):
    people = [neighbour(city, f"居民{i}") for i in range(6)]
    for i, p in enumerate(people):
        give_points(city, p, 10 + i)
    heads = [city.person("building_head"), city.person("other_building_head")]
    _published(city, staff, people[:1], year=YEAR)
    url = f"/awards/{city.community.pk}/{YEAR}/"
    Client().get(url)  # warm the process caches
    page = same_queries(lambda: Client().get(url),
                        lambda: _published(city, staff, heads, kind="building_head", year=YEAR))
    html = page.content.decode()
    assert "十佳楼栋长" in html and "万玉廷" in html and "别的楼栋长" in html


def test_the_home_page_links_the_published_lists_where_the_person_lives(city, staff):
    a = neighbour(city, "陈阿姨")
    give_points(city, a, 50)
    url = f"/awards/{city.community.pk}/{YEAR}/"
    residents = [client_for(a), client_for(city.person("neighbour"))]
    assert all(url not in c.get("/").content.decode() for c in residents)  # nothing published yet
    _published(city, staff, [a])
    for c in residents:  # the winner and any neighbour of the community
        html = c.get("/").content.decode()
        assert url in html and f"石马社区 {YEAR} 年度评选结果" in html
    other = place_services.create_place(actor=SYSTEM, parent_id=city.street.pk, kind_code="community", name="别的社区")
    elsewhere = city.user_with("resident", at=other, name="别社区居民")
    assert url not in client_for(elsewhere).get("/").content.decode()  # another community of the street


def test_the_volunteer_record_and_certificate_show_the_award(city, staff):
    a = neighbour(city, "陈阿姨")
    give_points(city, a, 50)
    c = client_for(a)
    assert "睦邻之星" not in c.get("/activities/mine/").content.decode()
    _published(city, staff, [a])
    mine = c.get("/activities/mine/").content.decode()
    assert f"{YEAR} 睦邻之星" in mine and "石马社区" in mine
    cert = c.get("/activities/certificate/").content.decode()
    assert f"石马社区 {YEAR} 年度“睦邻之星”" in cert


def test_points_staff_pages_link_to_the_awards(city, staff):
    html = client_for(staff).get(f"/points/manage/rules/?community={city.community.pk}").content.decode()
    assert f'href="/awards/manage/?community={city.community.pk}"' in html


def test_staff_find_nominate_and_withdraw_on_the_round_page(city, staff):
    a, b = neighbour(city, "陈阿姨"), neighbour(city, "赵叔")
    give_points(city, a, 50)
    rnd = services.create_round(actor=staff, community_id=city.community.pk, kind="neighbour_star", year=YEAR,
                                seats=1)
    services.draw_nominations(actor=staff, round_id=rnd.pk)
    c = client_for(staff)
    found = c.get(f"/awards/manage/{rnd.pk}/", {"q": "赵"}).content.decode()
    assert 'id="nominate-form"' in found and f'value="{b.pk}"' in found
    bad = c.post(f"/awards/manage/{rnd.pk}/nominate/", {"person": b.pk, "reason": ""})
    assert bad.status_code == 400 and "请填写提名理由" in bad.content.decode()
    assert c.post(f"/awards/manage/{rnd.pk}/nominate/", {"person": b.pk, "reason": "常年义务修车"}).status_code == 302
    n = Nomination.objects.get(round=rnd, person=b)
    assert n.source == "hand" and n.reason == "常年义务修车"
    html = c.get(f"/awards/manage/{rnd.pk}/").content.decode()
    assert "提名理由：常年义务修车" in html and "人工提名" in html
    assert c.post(f"/awards/manage/{rnd.pk}/withdraw/", {"nomination": n.pk, "reason": "本人谦让"}).status_code == 302
    html = c.get(f"/awards/manage/{rnd.pk}/").content.decode()
    assert "撤回理由：本人谦让" in html
