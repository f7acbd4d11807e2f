"""Objections during the preliminary result's objections period (询异公示): who may file,
when, one open per elector, answers, a corrected ballot changing the final result."""

import datetime as dt

import pytest
from django.utils import timezone

from linli.core.errors import Conflict, Forbidden, Invalid
from linli.core.models import AuditEntry
from linli.deliberation import services, services_objections as objections
from linli.deliberation.models import Ballot, CountedBallot, Elector, Objection, Vote, VoteEvent

from .test_votes import choose, owners_vote, publish_and_open, scan
from .test_votes import estate as _estate

estate = _estate

pytestmark = pytest.mark.django_db


def preliminary(estate, city, *, agree=("1栋-101", "1栋-102", "1栋-103", "2栋-102"), disagree=()):
    owners = estate.owners_each()
    convener = city.user_with("community_worker", at=city.community, name="召集人")
    vote = owners_vote(estate, actor=convener)
    publish_and_open(vote, actor=convener)
    for at in agree:
        services.cast_online_ballot(actor=estate.user(owners[at]), vote_id=vote.pk, choices=choose(vote, "agree"))
    for at in disagree:
        services.cast_online_ballot(actor=estate.user(owners[at]), vote_id=vote.pk,
                                    choices=choose(vote, "disagree"))
    services.close_vote(actor=convener, vote_id=vote.pk)
    services.publish_preliminary(actor=convener, vote_id=vote.pk)
    vote.refresh_from_db()
    return vote, owners, convener


def end_period(vote):
    Vote.objects.filter(pk=vote.pk).update(objection_until=timezone.now() - dt.timedelta(seconds=1))


def test_objection_only_during_the_period_and_only_by_the_roll(estate, city):
    owners = estate.owners_each()
    convener = city.user_with("community_worker", at=city.community)
    vote = owners_vote(estate, actor=convener)
    publish_and_open(vote, actor=convener)
    u = estate.user(owners["2栋-101"])
    with pytest.raises(Conflict) as err:  # open, not yet preliminary
        objections.file_objection(actor=u, vote_id=vote.pk, text="我的票没有计入")
    assert err.value.code == "not_objection_period"
    services.close_vote(actor=convener, vote_id=vote.pk)
    services.publish_preliminary(actor=convener, vote_id=vote.pk)
    vote.refresh_from_db()
    assert objections.in_objection_period(vote)
    stranger = city.user_with("resident", at=city.community, name="外人")
    with pytest.raises(Forbidden):
        objections.file_objection(actor=stranger, vote_id=vote.pk, text="不对")
    with pytest.raises(Invalid):
        objections.file_objection(actor=u, vote_id=vote.pk, text="  ")
    obj = objections.file_objection(actor=u, vote_id=vote.pk, text="我的票没有计入", attachment=scan())
    assert obj.elector.label == "2栋-101" and obj.status == "open" and obj.attachment
    end_period(vote)
    with pytest.raises(Conflict) as err:
        objections.file_objection(actor=estate.user(owners["1栋-101"]), vote_id=vote.pk, text="迟到的异议")
    assert err.value.code == "not_objection_period"


def test_one_open_objection_per_elector_and_unanswered_blocks_finalise(estate, city):
    vote, owners, convener = preliminary(estate, city)
    u = estate.user(owners["2栋-101"])
    obj = objections.file_objection(actor=u, vote_id=vote.pk, text="第一条")
    with pytest.raises(Conflict) as err:
        objections.file_objection(actor=u, vote_id=vote.pk, text="第二条")
    assert err.value.code == "objection_open"
    end_period(vote)
    with pytest.raises(Conflict) as err:
        services.finalise_vote(actor=convener, vote_id=vote.pk)
    assert err.value.code == "objection_unanswered"
    with pytest.raises(Forbidden):  # a resident cannot answer
        objections.answer_objection(actor=u, objection_id=obj.pk, upheld=False, reason="x")
    with pytest.raises(Invalid):
        objections.answer_objection(actor=convener, objection_id=obj.pk, upheld=False, reason="")
    from linli.notify.models import Notification

    assert Notification.objects.filter(recipient=convener, url__endswith=f"/{vote.pk}/objections/").exists()
    objections.answer_objection(actor=convener, objection_id=obj.pk, upheld=False, reason="经核对，该户未投票")
    assert Notification.objects.filter(recipient=u, url__endswith=f"/{vote.pk}/objections/").exists()
    with pytest.raises(Conflict):
        objections.answer_objection(actor=convener, objection_id=obj.pk, upheld=True, reason="改主意")
    services.finalise_vote(actor=convener, vote_id=vote.pk)
    vote.refresh_from_db()
    assert vote.status == "final" and vote.result["changes"] == []
    assert AuditEntry.objects.filter(kind="deliberation.vote_objection_answered").exists()


def test_answered_objection_frees_the_elector_for_another(estate, city):
    vote, owners, convener = preliminary(estate, city)
    u = estate.user(owners["2栋-101"])
    obj = objections.file_objection(actor=u, vote_id=vote.pk, text="第一条")
    objections.answer_objection(actor=convener, objection_id=obj.pk, upheld=False, reason="不成立")
    second = objections.file_objection(actor=u, vote_id=vote.pk, text="第二条")
    assert Objection.objects.filter(vote=vote, elector=second.elector).count() == 2


def test_upheld_objection_corrects_a_ballot_and_the_final_result_changes(estate, city):
    # 2 agree, 3 disagree of 6 (quorum met): rejected. 2栋-102's counted ballot is corrected
    # to agree on an upheld objection: 3 of 5 and 320 of 500.49 m² agree, so it passes.
    vote, owners, convener = preliminary(estate, city, agree=("1栋-101", "1栋-102"),
                                         disagree=("1栋-103", "2栋-101", "2栋-102"))
    assert not vote.result["matters"][0]["passed"]
    clerk_b = city.user_with("community_worker", at=city.community, name="录入员乙")
    u = estate.user(owners["2栋-102"])
    obj = objections.file_objection(actor=u, vote_id=vote.pk, text="我交的纸质票是同意，网上那票是别人误点")
    with pytest.raises(Conflict) as err:  # not yet upheld
        objections.enter_corrected_ballot(actor=convener, objection_id=obj.pk, choices=choose(vote, "agree"),
                                          scan=scan())
    assert err.value.code == "not_upheld"
    objections.answer_objection(actor=convener, objection_id=obj.pk, upheld=True, reason="纸质票原件核实为同意")
    e = Elector.objects.get(vote=vote, label="2栋-102")
    old = CountedBallot.objects.get(elector=e).ballot_id
    r = objections.enter_corrected_ballot(actor=convener, objection_id=obj.pk, choices=choose(vote, "agree"),
                                          scan=scan())
    assert r["stage"] == "first" and not r["ballot"]
    with pytest.raises(Conflict) as err:
        objections.enter_corrected_ballot(actor=convener, objection_id=obj.pk, choices=choose(vote, "agree"))
    assert err.value.code == "same_person"
    r = objections.enter_corrected_ballot(actor=clerk_b, objection_id=obj.pk, choices=choose(vote, "agree"))
    assert r["match"] and r["ballot"]
    counted = CountedBallot.objects.get(elector=e)
    assert counted.ballot_id == r["ballot"] and counted.ballot.data["objection"] == obj.pk
    assert Ballot.objects.filter(pk=old).exists()  # the old ballot stays in history
    obj.refresh_from_db()
    assert obj.corrected_ballot_id == r["ballot"]
    # Rolls stay frozen: the count of electors and their weights are those of the notice.
    totals = vote.frozen["totals"]
    weights = list(Elector.objects.filter(vote=vote).order_by("pk").values_list("heads", "area_centi"))
    end_period(vote)
    services.finalise_vote(actor=convener, vote_id=vote.pk)
    vote.refresh_from_db()
    assert vote.status == "final" and vote.result["matters"][0]["passed"]
    assert Elector.objects.filter(vote=vote).count() == 6
    assert vote.frozen["totals"] == totals and vote.result["totals"]["heads"] == 6
    assert list(Elector.objects.filter(vote=vote).order_by("pk").values_list("heads", "area_centi")) == weights
    (change,) = vote.result["changes"]
    assert change["passed_before"] is False and change["passed_after"] is True
    by_label = {o["label"]: (o["heads_before"], o["heads_after"]) for o in change["options"]}
    assert by_label == {"同意": (2, 3), "不同意": (3, 2)}
    kinds = list(VoteEvent.objects.filter(vote=vote).values_list("kind", flat=True))
    assert kinds[-4:] == ["objection", "objection_answered", "ballot_corrected", "final"]


def test_no_correction_after_final(estate, city):
    vote, owners, convener = preliminary(estate, city)
    obj = objections.file_objection(actor=estate.user(owners["2栋-101"]), vote_id=vote.pk, text="异议")
    objections.answer_objection(actor=convener, objection_id=obj.pk, upheld=True, reason="成立")
    end_period(vote)
    services.finalise_vote(actor=convener, vote_id=vote.pk)
    with pytest.raises(Conflict) as err:
        objections.enter_corrected_ballot(actor=convener, objection_id=obj.pk, choices=choose(vote, "agree"),
                                          scan=scan())
    assert err.value.code == "wrong_status"


def test_objection_pages_file_answer_correct_and_the_public_notice(client, estate, city):
    vote, owners, convener = preliminary(estate, city, agree=("1栋-101", "1栋-102"),
                                         disagree=("1栋-103", "2栋-101", "2栋-102"))
    clerk_b = city.user_with("community_worker", at=city.community, name="录入员乙")
    resident = estate.user(owners["2栋-102"])
    client.force_login(resident)
    assert f"/deliberation/votes/{vote.pk}/objections/" in client.get(f"/deliberation/votes/{vote.pk}/").content.decode()
    url = f"/deliberation/votes/{vote.pk}/objections/"
    assert 'data-testid="objection-form"' in client.get(url).content.decode()
    assert client.post(url, {"action": "file", "text": ""}).status_code == 400
    assert client.post(url, {"action": "file", "text": "我投的是同意", "attachment": scan()}).status_code == 302
    page = client.get(url).content.decode()
    assert "我投的是同意" in page and "待答复" in page
    obj = Objection.objects.get(vote=vote)
    client.force_login(convener)
    r = client.post(url, {"action": "uphold", "objection": obj.pk, "reason": "原件核实为同意"})
    assert r.status_code == 302
    mid = vote.frozen["matters"][0]["id"]
    agree = choose(vote, "agree")[mid][0]
    client.post(url, {"action": "correct", "objection": obj.pk, f"m{mid}": str(agree), "scan": scan()})
    client.force_login(clerk_b)
    client.post(url, {"action": "correct", "objection": obj.pk, f"m{mid}": str(agree)})
    obj.refresh_from_db()
    assert obj.corrected_ballot_id
    end_period(vote)
    services.finalise_vote(actor=convener, vote_id=vote.pk)
    client.force_login(resident)
    notice = client.get(f"/deliberation/votes/{vote.pk}/notice/").content.decode()
    assert "2栋-102" in notice and "原件核实为同意" in notice and 'data-testid="result-changes"' in notice
    assert "我投的是同意" not in notice  # the objection's text stays off the public notice
