"""The staff vote set-up page: every setting the service knows, set on the page and then
honoured by the roll, the tally and who sees what."""

import datetime as dt

import pytest
from django.utils import timezone

from linli.core.errors import DomainError, Forbidden
from linli.deliberation import selectors, services
from linli.deliberation.models import Elector, Vote

from .estate import Estate, area, period

pytestmark = pytest.mark.django_db
NEW = "/deliberation/votes/new/"


@pytest.fixture
def estate(city):
    return Estate(city, {"1栋": [("101", "100"), ("102", "100"), ("103", "100")],
                         "2栋": [("101", "80.50"), ("102", "120"), ("103", "99.99")]})


@pytest.fixture
def worker(city):
    return city.user_with("community_worker", at=city.community, name="社区干部")


def set_up(client, worker, estate, title="更换小区大门", **fields):
    client.force_login(worker)
    data = {"place_id": estate.compound.pk, "kind": "owners", "title": title, "matter_kind_0": "ordinary",
            "allow_change": "1", "precedence": "paper_first", **fields}
    r = client.post(NEW, data)
    assert r.status_code == 302, r.content.decode()
    return Vote.objects.get(title=title)


def open_(vote, actor):
    services.publish_notice(actor=actor, vote_id=vote.pk, **period())
    services.open_vote(actor=actor, vote_id=vote.pk)
    vote.refresh_from_db()
    return vote


def agree(vote, matter=0):
    m = vote.frozen["matters"][matter]
    return {m["id"]: [next(o["id"] for o in m["options"] if o["role"] == "agree")]}


def born(years_ago: int, extra_days: int = 0) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years_ago, day=min(today.day, 28)) - dt.timedelta(days=extra_days)


def test_a_building_subset_vote_rolls_and_counts_only_those_buildings(client, worker, estate):
    owners = estate.owners_each()
    vote = set_up(client, worker, estate, building_ids=[estate.buildings["1栋"].pk])
    assert list(vote.buildings.all()) == [estate.buildings["1栋"]]
    vote = open_(vote, worker)
    assert sorted(Elector.objects.filter(vote=vote).values_list("label", flat=True)) == ["1栋-101", "1栋-102", "1栋-103"]
    assert (vote.frozen["totals"]["heads"], vote.frozen["totals"]["area"]) == (3, area("300"))
    with pytest.raises(DomainError):
        services.cast_online_ballot(actor=estate.user(owners["2栋-102"]), vote_id=vote.pk, choices=agree(vote))
    for at in ("1栋-101", "1栋-102"):
        services.cast_online_ballot(actor=estate.user(owners[at]), vote_id=vote.pk, choices=agree(vote))
    services.close_vote(actor=worker, vote_id=vote.pk)
    vote.refresh_from_db()
    m = vote.result["matters"][0]
    assert m["participants"]["heads"]["of"] == 3 and m["quorum"]["met"]  # 2 of 3 heads, 200 of 300 m²


def test_a_building_outside_the_scope_is_refused(client, worker, estate, city):
    other = Estate(city, {"9栋": [("101", "50")]}, name="别的小区")
    client.force_login(worker)
    r = client.post(NEW, {"place_id": estate.compound.pk, "kind": "owners", "title": "越界",
                          "building_ids": [other.buildings["9栋"].pk]})
    assert r.status_code == 400 and "所选楼栋须在表决范围内" in r.content.decode()
    assert not Vote.objects.filter(title="越界").exists()


@pytest.mark.parametrize("secret", [True, False])
def test_a_secret_vote_hides_each_choice_from_everyone_including_scrutineers(client, worker, estate, city, secret):
    owners = estate.owners_each()
    scrutineer = city.user_with("owners_committee", at=estate.compound)
    street = city.user_with("street_official", at=city.street)
    vote = set_up(client, worker, estate, **({"secret": "1"} if secret else {}))
    assert vote.secret is secret
    vote.scrutineers.add(scrutineer)
    vote = open_(vote, worker)
    assert vote.frozen["secret"] is secret
    services.cast_online_ballot(actor=estate.user(owners["1栋-101"]), vote_id=vote.pk, choices=agree(vote))
    for who in (scrutineer, street, worker):
        client.force_login(who)
        page = client.post(f"/deliberation/votes/{vote.pk}/choices/", {"reason": "唱票核对"})
        shows = page.status_code == 200 and "1栋-101" in page.content.decode()
        assert shows is (not secret and who is not worker)
        if secret:
            with pytest.raises(Forbidden) as err:
                services.view_individual_choices(actor=who, vote_id=vote.pk, reason="唱票核对")
            assert err.value.code in ("secret_ballot", "not_scrutineer")


def test_results_are_shown_before_close_only_when_chosen(client, worker, estate):
    owners = estate.owners_each()
    shown = open_(set_up(client, worker, estate, title="即时公开", results_shown="1"), worker)
    hidden = open_(set_up(client, worker, estate, title="截止公开"), worker)
    for v in (shown, hidden):
        services.cast_online_ballot(actor=estate.user(owners["1栋-101"]), vote_id=v.pk, choices=agree(v))
    res = selectors.results(worker, shown)
    assert res["matters"][0]["participants"]["heads"]["count"] == 1
    with pytest.raises(Forbidden) as err:
        selectors.results(worker, hidden)
    assert err.value.code == "results_hidden"


def test_household_roll_is_the_head_else_the_adults(client, worker, estate):
    head = estate.person("户主", "1栋-101", relation="head")
    estate.person("配偶", "1栋-101", relation="spouse")
    spouse = estate.person("妻子", "1栋-102", relation="spouse")
    estate.person("孩子", "1栋-102", birth=born(10), relation="child")
    vote = open_(set_up(client, worker, estate, kind="household", building_ids=[estate.buildings["1栋"].pk]), worker)
    voters = {e.label: set(e.voters.values_list("resident_id", flat=True))
              for e in Elector.objects.filter(vote=vote)}
    assert voters["1栋-101"] == {head.pk}
    assert voters["1栋-102"] == {spouse.pk}


@pytest.mark.parametrize("min_age, expected", [("", {"成年人"}), ("16", {"成年人", "十七岁"})])
def test_resident_vote_age_cut_off_from_the_page(client, worker, estate, min_age, expected):
    estate.person("成年人", "1栋-101", birth=born(40))
    estate.person("十七岁", "1栋-101", birth=born(17, 1), relation="child")
    estate.person("十五岁", "1栋-101", birth=born(15, 1), relation="child")
    vote = open_(set_up(client, worker, estate, kind="resident", min_age=min_age), worker)
    assert vote.frozen["min_age"] == int(min_age or 18)
    assert set(Elector.objects.filter(vote=vote).values_list("name", flat=True)) == expected


def test_a_stricter_quorum_and_threshold_set_on_the_page_are_frozen_at_notice(client, worker, estate):
    estate.owners_each()
    vote = set_up(client, worker, estate, quorum_num="4", quorum_den="5", pass_num_0="2", pass_den_0="3",
                  matter_title_1="第二项：增设充电桩", matter_kind_1="special", objection_days="10", cooling_days="90",
                  tie_break="runoff")
    assert (vote.objection_days, vote.cooling_days, vote.tie_break) == (10, 90, "runoff")
    vote = open_(vote, worker)
    assert vote.frozen["quorum"] == [4, 5] and vote.frozen["tie_break"] == "runoff"
    assert [m["pass"] for m in vote.frozen["matters"]] == [[2, 3, False], [3, 4, False]]
    assert [m["title"] for m in vote.frozen["matters"]] == ["更换小区大门", "第二项：增设充电桩"]
    with pytest.raises(DomainError) as err:
        services.update_vote(actor=worker, vote_id=vote.pk, quorum_num=2, quorum_den=3)
    assert err.value.code == "vote_frozen"
    vote.refresh_from_db()
    assert (vote.quorum_num, vote.quorum_den) == (4, 5)


def test_the_page_shows_every_field_error_at_once_and_keeps_what_was_typed(client, worker, estate):
    client.force_login(worker)
    r = client.post(NEW, {"place_id": estate.compound.pk, "kind": "owners", "title": "",
                          "min_age": "abc", "objection_days": "-1", "quorum_num": "1", "quorum_den": "2",
                          "matter_title_1": "第二项", "matter_kind_1": "ordinary", "pass_num_1": "1", "pass_den_1": "3",
                          "description": "保留的说明"})
    page = r.content.decode()
    assert r.status_code == 400
    for message in ("年龄限制须是 0 到 120 的整数", "询异公示天数须是 0 到 365 的整数", "请填写表决事项",
                    "业主共同决定须有专有部分面积和人数均占三分之二以上的业主参与表决",
                    "通过门槛不能低于法律规定"):
        assert message in page, message
    assert "保留的说明" in page and 'value="第二项"' in page
    assert not Vote.objects.exists()


def test_the_page_defaults_are_the_law_and_the_english_page_works(client, worker, estate):
    client.force_login(worker)
    zh = client.get(NEW).content.decode()
    assert 'name="allow_change" value="1" checked' in zh and 'name="results_shown" value="1" >' in zh
    assert 'name="objection_days" type="number" min="0" max="365" inputmode="numeric" value="7"' in zh
    assert estate.buildings["1栋"].name in zh
    en = client.get(NEW, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for text in ("Secret ballot", "Show running results while voting is open", "Objection period (days)",
                 "Buildings"):
        assert text in en, text
    r = client.post(NEW, {"place_id": estate.compound.pk, "kind": "owners", "title": "", "min_age": "x"},
                    HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400 and "The age limit must be a whole number from 0 to 120" in r.content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_convener_sets_a_secret_one_building_vote_after_fixing_every_error(city, phone):
    estate = Estate(city, {"1栋": [("101", "100"), ("102", "100")], "2栋": [("101", "100")]})
    estate.owners_each()
    worker = city.user_with("community_worker", at=city.community, name="社区干部")
    p = phone(worker)
    p.goto_path(NEW)
    p.select_option("select[name=place_id]", str(estate.compound.pk))
    p.select_option("select[name=kind]", "owners")
    p.fill("input[name=quorum_num]", "1")
    p.fill("input[name=quorum_den]", "2")
    p.get_by_role("button", name="保存草稿").click()
    errors = p.get_by_test_id("errors").inner_text()
    assert "请填写表决事项" in errors and "三分之二以上" in errors
    assert p.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    p.fill("input[name=title]", "1栋加装电梯")
    p.fill("input[name=quorum_num]", "3")
    p.fill("input[name=quorum_den]", "4")
    p.locator(f'input[name=building_ids][value="{estate.buildings["1栋"].pk}"]').check()
    assert "金穗苑 1栋" in p.get_by_test_id("vote-setup").inner_text()
    p.locator("input[name=secret]").check()
    p.get_by_role("button", name="保存草稿").click()
    p.get_by_role("button", name="发布公告并冻结名册").click()
    assert p.get_by_test_id("roll-heads").inner_text() == "2"
    vote = Vote.objects.get(title="1栋加装电梯")
    assert vote.secret and vote.frozen["quorum"] == [3, 4] and vote.frozen["secret"]
