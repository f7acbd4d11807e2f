"""Owners' votes end to end through the services: the frozen roll's owner counting, ballots
by every channel, precedence, the life cycle and who sees what."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from linli.core.actors import SYSTEM
from linli.core.errors import Conflict, Forbidden, Invalid, NotFound
from linli.core.models import AuditEntry
from linli.deliberation import selectors, services
from linli.deliberation.models import Ballot, CountedBallot, Elector, Vote, VoteEvent
from linli.places import services as place_services

from .estate import Estate, area, period

pytestmark = pytest.mark.django_db


def owners_vote(estate, *, matters=None, actor=SYSTEM, **settings):
    return services.create_vote(actor=actor, place_id=estate.compound.pk, kind="owners", title="更换小区大门",
                                matters=matters or [{"title": "更换大门", "kind": "ordinary"}], **settings)


def publish_and_open(vote, actor=SYSTEM):
    services.publish_notice(actor=actor, vote_id=vote.pk, **period())
    services.open_vote(actor=actor, vote_id=vote.pk)
    vote.refresh_from_db()
    return vote


def option_ids(vote, matter=0):
    vote.refresh_from_db()
    return {o["role"] if o["role"] != "candidate" else o["label"]: o["id"]
            for o in vote.frozen["matters"][matter]["options"]}


def choose(vote, role, matter=0):
    vote.refresh_from_db()
    m = vote.frozen["matters"][matter]
    return {m["id"]: [option_ids(vote, matter)[role]]}


def scan():
    return SimpleUploadedFile("ballot.jpg", b"\xff\xd8\xff scan", content_type="image/jpeg")


@pytest.fixture
def estate(city):
    return Estate(city, {"1栋": [("101", "100"), ("102", "100"), ("103", "100")],
                         "2栋": [("101", "80.50"), ("102", "120"), ("103", "99.99")]})


def test_one_owner_of_three_dwellings_counts_once_with_the_areas_added(estate):
    zhang = estate.person("张三", "1栋-101")
    estate.own(zhang, "1栋-101", "1栋-102", "2栋-101")
    for at in ("1栋-103", "2栋-102", "2栋-103"):
        estate.own(estate.person(f"业主{at}", at), at)
    vote = owners_vote(estate)
    publish_and_open(vote)
    vote.refresh_from_db()
    assert vote.frozen["totals"]["heads"] == 4  # Zhang + three others
    assert vote.frozen["totals"]["area"] == area("600.49")
    zh = Elector.objects.get(vote=vote, voters__resident=zhang)
    assert (zh.heads, zh.area_centi, zh.dwellings.count()) == (1, area("280.50"), 3)
    # His one ballot is one head with 280.50 m², in every kind of matter alike.
    services.cast_online_ballot(actor=estate.user(zhang), vote_id=vote.pk, choices=choose(vote, "agree"))
    services.close_vote(actor=SYSTEM, vote_id=vote.pk)
    vote.refresh_from_db()
    agree = vote.result["matters"][0]["options"][0]
    assert (agree["heads"]["count"], agree["area"]["count"]) == (1, area("280.50"))
    assert vote.result["matters"][0]["participants"]["heads"] == {"count": 1, "of": 4, "percent": "25.00"}


def test_the_developers_unsold_dwellings_count_as_one_owner(estate):
    for at in ("1栋-101", "1栋-102"):
        estate.own(estate.person(f"业主{at}", at), at)
    estate.title("1栋-103", developer_unsold=True)  # flagged in the owners' roll
    # 2栋's three dwellings have no owner on record: the developer's as well.
    vote = owners_vote(estate)
    services.publish_notice(actor=SYSTEM, vote_id=vote.pk, **period())
    vote.refresh_from_db()
    totals = vote.frozen["totals"]
    assert totals["heads"] == 3 and totals["developer_dwellings"] == 4 and totals["unowned_dwellings"] == 3
    dev = Elector.objects.get(vote=vote, is_developer=True)
    assert dev.heads == 1 and dev.area_centi == area("400.49") and not dev.voters.exists()


def test_registered_area_comes_before_surveyed_contract_and_the_dwelling_record(estate):
    estate.owners_each()
    estate.title("1栋-101", registered_area="90.00", surveyed_area="95", contract_area="99")
    estate.title("1栋-102", surveyed_area="95", contract_area="99")
    estate.title("1栋-103", contract_area="99")
    vote = owners_vote(estate)
    services.publish_notice(actor=SYSTEM, vote_id=vote.pk, **period())
    got = dict(Elector.objects.filter(vote=vote).values_list("label", "area_centi"))
    assert got["1栋-101"] == area("90") and got["1栋-102"] == area("95") and got["1栋-103"] == area("99")


def test_co_owned_dwelling_has_one_vote_cast_by_the_named_co_owner(estate):
    estate.owners_each()
    wife = estate.person("王芳", "2栋-103", relation="spouse")
    husband = place_services.Resident.objects.get(name="业主6")
    estate.own(wife, "2栋-103")
    vote = owners_vote(estate)
    publish_and_open(vote)
    # Nobody named: neither co-owner may vote online.
    with pytest.raises(Forbidden):
        services.cast_online_ballot(actor=estate.user(wife), vote_id=vote.pk, choices=choose(vote, "agree"))
    vote2 = owners_vote(estate)
    estate.title("2栋-103", named_voter=wife)
    publish_and_open(vote2)
    shared = Elector.objects.get(vote=vote2, dwellings__label="2栋-103")
    assert shared.heads == 1 and "王芳" in shared.name and "业主6" in shared.name
    services.cast_online_ballot(actor=estate.user(wife), vote_id=vote2.pk, choices=choose(vote2, "agree"))
    with pytest.raises(Forbidden):
        services.cast_online_ballot(actor=estate.user(husband), vote_id=vote2.pk, choices=choose(vote2, "agree"))


def test_roll_without_area_is_refused_listing_every_dwelling(city):
    estate = Estate(city, {"1栋": [("101", None), ("102", "50"), ("103", None)]})
    vote = owners_vote(estate)
    with pytest.raises(Invalid) as err:
        services.publish_notice(actor=SYSTEM, vote_id=vote.pk, **period())
    assert [e["code"] for e in err.value.errors] == ["dwelling_without_area"] * 2
    assert "1栋-101" in str(err.value.errors[0]["message"]) and "1栋-103" in str(err.value.errors[1]["message"])
    assert Vote.objects.get(pk=vote.pk).status == "draft" and not Elector.objects.filter(vote=vote).exists()


def test_later_edits_never_change_the_frozen_roll_or_result(estate):
    owners = estate.owners_each()
    vote = owners_vote(estate)
    publish_and_open(vote)
    before = list(Elector.objects.filter(vote=vote).values_list("key", "area_centi").order_by("id"))
    d = estate.dwellings["1栋-101"]
    place_services.set_dwelling_area(actor=SYSTEM, dwelling_id=d.pk, floor_area="500")
    estate.own(owners["1栋-102"], "1栋-101")
    assert list(Elector.objects.filter(vote=vote).values_list("key", "area_centi").order_by("id")) == before
    with pytest.raises(Conflict) as err:
        services.update_vote(actor=SYSTEM, vote_id=vote.pk, quorum_num=3, quorum_den=4)
    assert err.value.code == "vote_frozen"


def test_law_is_the_floor_the_compound_may_be_stricter(estate):
    with pytest.raises(Invalid) as err:
        owners_vote(estate, quorum_num=1, quorum_den=2)
    assert err.value.errors[0]["code"] == "below_law"
    with pytest.raises(Invalid):
        owners_vote(estate, matters=[{"title": "动用维修资金", "kind": "special", "pass": [2, 3, False]}])
    with pytest.raises(Invalid):  # "at least half" is weaker than "more than half"
        owners_vote(estate, matters=[{"title": "改选", "kind": "ordinary", "pass": [1, 2, False]}])
    v = owners_vote(estate, quorum_num=3, quorum_den=4,
                    matters=[{"title": "动用维修资金", "kind": "special", "pass": [4, 5, False]}])
    assert (v.quorum_num, v.matters.get().pass_num) == (3, 4)


def test_ballots_by_every_channel_and_their_precedence(estate):
    owners = estate.owners_each()
    clerk_a = estate.city.user_with("community_worker", at=estate.city.community, name="录入员甲")
    clerk_b = estate.city.user_with("community_worker", at=estate.city.community, name="录入员乙")
    clerk_c = estate.city.user_with("community_worker", at=estate.city.community, name="录入员丙")
    vote = owners_vote(estate, actor=clerk_a)
    publish_and_open(vote, actor=clerk_a)
    agree, disagree = choose(vote, "agree"), choose(vote, "disagree")
    e101 = Elector.objects.get(vote=vote, label="1栋-101")

    # Online, then changed before close (allowed by default): the latest online ballot counts.
    u101 = estate.user(owners["1栋-101"])
    services.cast_online_ballot(actor=u101, vote_id=vote.pk, choices=agree)
    services.cast_online_ballot(actor=u101, vote_id=vote.pk, choices=disagree)
    assert CountedBallot.objects.get(elector=e101).ballot.data["choices"] == {
        str(k): v for k, v in disagree.items()}

    # Paper over online (the frozen default): typed twice; first alone casts nothing.
    r = services.enter_paper_ballot(actor=clerk_a, vote_id=vote.pk, code=e101.code, choices=agree, scan=scan())
    assert r == {"stage": "first", "match": False, "ballot": None}
    with pytest.raises(Conflict) as err:  # the same clerk cannot confirm their own typing
        services.enter_paper_ballot(actor=clerk_a, vote_id=vote.pk, code=e101.code, choices=agree)
    assert err.value.code == "same_person"
    r = services.enter_paper_ballot(actor=clerk_b, vote_id=vote.pk, code=e101.code, choices=agree)
    assert r["stage"] == "second" and r["match"] and r["ballot"]
    counted = CountedBallot.objects.get(elector=e101)
    assert counted.channel == "paper" and counted.ballot.attachment
    # Now the online ballot is refused: the paper one stands.
    with pytest.raises(Conflict) as err:
        services.cast_online_ballot(actor=u101, vote_id=vote.pk, choices=disagree)
    assert err.value.code == "superseded_channel"

    # A mismatch is listed and waits for a third person.
    e102 = Elector.objects.get(vote=vote, label="1栋-102")
    services.enter_paper_ballot(actor=clerk_a, vote_id=vote.pk, code=e102.code, choices=agree, scan=scan())
    r = services.enter_paper_ballot(actor=clerk_b, vote_id=vote.pk, code=e102.code, choices=disagree)
    assert r == {"stage": "second", "match": False, "ballot": None}
    assert [e.elector_id for e in selectors.paper_mismatches(vote)] == [e102.pk]
    assert not CountedBallot.objects.filter(elector=e102).exists()
    r = services.enter_paper_ballot(actor=clerk_c, vote_id=vote.pk, code=e102.code, choices=agree)
    assert r["stage"] == "third" and r["ballot"]
    assert selectors.paper_mismatches(vote) == []

    # Proxy with the power of attorney attached.
    e103 = Elector.objects.get(vote=vote, label="1栋-103")
    with pytest.raises(Invalid) as err:
        services.cast_proxy_ballot(actor=clerk_a, vote_id=vote.pk, code=e103.code, choices=agree,
                                   proxy_name="", attachment=None)
    assert {e["field"] for e in err.value.errors} == {"proxy_name", "attachment"}
    services.cast_proxy_ballot(actor=clerk_a, vote_id=vote.pk, code=e103.code, choices=agree, proxy_name="李四",
                               attachment=scan())

    # Every ballot ever cast is kept; one counts per elector.
    assert Ballot.objects.filter(vote=vote, elector=e101).count() == 3
    assert CountedBallot.objects.filter(vote=vote).count() == 3
    with pytest.raises(Exception):
        Ballot.objects.filter(elector=e101).first().delete()


def test_no_change_when_the_rule_forbids_it(estate):
    owners = estate.owners_each()
    vote = owners_vote(estate, allow_change=False)
    publish_and_open(vote)
    u = estate.user(owners["1栋-101"])
    services.cast_online_ballot(actor=u, vote_id=vote.pk, choices=choose(vote, "agree"))
    with pytest.raises(Conflict) as err:
        services.cast_online_ballot(actor=u, vote_id=vote.pk, choices=choose(vote, "disagree"))
    assert err.value.code == "already_voted"


def test_latest_rule_lets_a_later_online_ballot_replace_paper(estate):
    owners = estate.owners_each()
    a = estate.city.user_with("community_worker", at=estate.city.community)
    b = estate.city.user_with("community_worker", at=estate.city.community)
    vote = owners_vote(estate, precedence="latest")
    publish_and_open(vote)
    e = Elector.objects.get(vote=vote, label="1栋-101")
    services.enter_paper_ballot(actor=a, vote_id=vote.pk, code=e.code, choices=choose(vote, "agree"), scan=scan())
    services.enter_paper_ballot(actor=b, vote_id=vote.pk, code=e.code, choices=choose(vote, "agree"))
    services.cast_online_ballot(actor=estate.user(owners["1栋-101"]), vote_id=vote.pk,
                                choices=choose(vote, "disagree"))
    assert CountedBallot.objects.get(elector=e).channel == "online"


def test_bad_ballots_are_refused(estate):
    owners = estate.owners_each()
    vote = owners_vote(estate)
    u = estate.user(owners["1栋-101"])
    with pytest.raises(Conflict):  # not open yet
        services.publish_notice(actor=SYSTEM, vote_id=vote.pk, **period())
        services.cast_online_ballot(actor=u, vote_id=vote.pk, choices=choose(vote, "agree"))
    services.open_vote(actor=SYSTEM, vote_id=vote.pk)
    m = vote.frozen["matters"][0]["id"]
    for bad in ({}, {m: []}, {m: [1, 2]}, {m: [999999]}, {999: [1]}, {"x": [1]}, "agree"):
        with pytest.raises(Invalid):
            services.cast_online_ballot(actor=u, vote_id=vote.pk, choices=bad)
    outsider = estate.city.user_with("resident", at=estate.city.other_dwelling)
    with pytest.raises(Forbidden):
        services.cast_online_ballot(actor=outsider, vote_id=vote.pk, choices=choose(vote, "agree"))
    with pytest.raises(NotFound):
        services.enter_paper_ballot(actor=SYSTEM, vote_id=vote.pk, code="NOPE", choices=choose(vote, "agree"))
    assert not Ballot.objects.filter(vote=vote).exists()


def test_life_cycle_hidden_results_preliminary_and_final(estate, city):
    owners = estate.owners_each()
    convener = city.user_with("community_worker", at=city.community)
    vote = owners_vote(estate, actor=convener)
    publish_and_open(vote, actor=convener)
    for at in ("1栋-101", "1栋-102", "1栋-103", "2栋-102"):
        services.cast_online_ballot(actor=estate.user(owners[at]), vote_id=vote.pk, choices=choose(vote, "agree"))
    vote.refresh_from_db()
    with pytest.raises(Forbidden) as err:
        selectors.results(convener, vote)
    assert err.value.code == "results_hidden"
    services.close_vote(actor=convener, vote_id=vote.pk)
    vote.refresh_from_db()
    assert vote.status == "closed"
    res = selectors.results(convener, vote)
    m = res["matters"][0]
    # 4 of 6 owners (exactly 2/3) with 420.00 of 600.49 m² (2/3 is 400.33): quorum met; all agree.
    assert m["quorum"]["met"] and m["passed"]
    assert {b["name"]: b["matters"][0]["participants"]["heads"]["count"] for b in res["by_building"]} == {
        "1栋": 3, "2栋": 1}
    with pytest.raises(Conflict):
        services.cast_online_ballot(actor=estate.user(owners["2栋-101"]), vote_id=vote.pk,
                                    choices=choose(vote, "agree"))
    services.publish_preliminary(actor=convener, vote_id=vote.pk)
    with pytest.raises(Conflict) as err:
        services.finalise_vote(actor=convener, vote_id=vote.pk)
    assert err.value.code == "objection_period"
    Vote.objects.filter(pk=vote.pk).update(objection_until=timezone.now() - dt.timedelta(seconds=1))
    services.finalise_vote(actor=convener, vote_id=vote.pk)
    vote.refresh_from_db()
    assert vote.status == "final" and vote.result["matters"][0]["passed"]
    kinds = list(VoteEvent.objects.filter(vote=vote).values_list("kind", flat=True))
    assert kinds == ["created", "notice", "opened", "closed", "preliminary", "final"]


def test_extended_once_then_failed_without_quorum(estate):
    estate.owners_each()
    vote = owners_vote(estate)
    publish_and_open(vote)
    vote.refresh_from_db()
    with pytest.raises(Invalid):
        services.extend_vote(actor=SYSTEM, vote_id=vote.pk, closes_at=vote.extension_limit + dt.timedelta(days=1),
                             reason="参与不足")
    services.extend_vote(actor=SYSTEM, vote_id=vote.pk, closes_at=vote.extension_limit, reason="参与不足")
    with pytest.raises(Conflict) as err:
        services.extend_vote(actor=SYSTEM, vote_id=vote.pk, closes_at=vote.extension_limit, reason="再延")
    assert err.value.code == "already_extended"
    services.close_vote(actor=SYSTEM, vote_id=vote.pk)
    assert Vote.objects.get(pk=vote.pk).status == "failed"


def test_a_failed_matter_cannot_come_back_within_the_cooling_period(estate):
    from linli.deliberation.models import Topic

    estate.owners_each()
    topic = Topic.objects.create(place=estate.compound, path=estate.compound.path, title="加装电梯")
    vote = owners_vote(estate, topic_id=topic.pk)
    publish_and_open(vote)
    vote.refresh_from_db()
    services.extend_vote(actor=SYSTEM, vote_id=vote.pk, closes_at=vote.extension_limit, reason="参与不足")
    services.close_vote(actor=SYSTEM, vote_id=vote.pk)
    with pytest.raises(Conflict) as err:
        owners_vote(estate, topic_id=topic.pk)
    assert err.value.code == "cooling_period"


def test_individual_choices_only_to_scrutineers_and_the_street_and_audited(estate, city):
    owners = estate.owners_each()
    worker = city.user_with("community_worker", at=city.community)
    scrutineer = city.user_with("owners_committee", at=estate.compound)
    street = city.user_with("street_official", at=city.street)
    vote = owners_vote(estate, actor=worker, scrutineer_ids=[scrutineer.pk])
    publish_and_open(vote, actor=worker)
    services.cast_online_ballot(actor=estate.user(owners["1栋-101"]), vote_id=vote.pk, choices=choose(vote, "agree"))
    with pytest.raises(Forbidden):
        services.view_individual_choices(actor=worker, vote_id=vote.pk, reason="核对")
    for who in (scrutineer, street):
        rows = services.view_individual_choices(actor=who, vote_id=vote.pk, reason="唱票核对")
        assert [e.label for e, _b in rows] == ["1栋-101"]
    assert AuditEntry.objects.filter(kind="deliberation.view_choices").count() == 2


def test_election_uses_the_same_owner_counting(estate):
    zhang = estate.person("张三", "1栋-101")
    estate.own(zhang, "1栋-101", "1栋-102", "1栋-103")
    for at in ("2栋-101", "2栋-102", "2栋-103"):
        estate.own(estate.person(f"业主{at}", at), at)
    vote = owners_vote(estate, matters=[{"title": "选举业委会委员", "kind": "election", "seats": 1,
                                         "options": ["甲", "乙"]}])
    publish_and_open(vote)
    ids = option_ids(vote)
    mid = vote.frozen["matters"][0]["id"]
    services.cast_online_ballot(actor=estate.user(zhang), vote_id=vote.pk, choices={mid: [ids["甲"]]})
    services.close_vote(actor=SYSTEM, vote_id=vote.pk)
    vote.refresh_from_db()
    m = vote.result["matters"][0]
    assert vote.frozen["totals"]["heads"] == 4
    assert m["options"][0]["heads"]["count"] == 1  # one head, not three
    assert m["outcome"] == "no_quorum"
