"""Figures per place and period (issue 12 §5), over data built by hand through the services:
topics collected and handled, meetings held and their attendance, votes held, passed and failed
for lack of quorum — counting only the place asked about and the period asked for."""

import datetime as dt

import pytest
from django.utils import timezone

from linli.core.actors import SYSTEM
from linli.deliberation import selectors_meetings
from linli.deliberation import services as vs
from linli.deliberation import services_meetings as sm
from linli.deliberation.models import Topic

from .estate import Estate, period

pytestmark = pytest.mark.django_db


def owners_vote(estate, title, owners, agree: list[str], *, extend=False):
    """An owners' vote on one ordinary matter, with online 'agree' ballots from `agree`,
    closed now (well before its planned closing time)."""
    vote = vs.create_vote(actor=SYSTEM, place_id=estate.compound.pk, kind="owners", title=title,
                          matters=[{"title": title, "kind": "ordinary"}])
    vs.publish_notice(actor=SYSTEM, vote_id=vote.pk, **period())
    vs.open_vote(actor=SYSTEM, vote_id=vote.pk)
    vote.refresh_from_db()
    matter = vote.frozen["matters"][0]
    agree_id = next(o["id"] for o in matter["options"] if o["role"] == "agree")
    for at in agree:
        vs.cast_online_ballot(actor=estate.user(owners[at]), vote_id=vote.pk, choices={matter["id"]: [agree_id]})
    if extend:
        vs.extend_vote(actor=SYSTEM, vote_id=vote.pk, closes_at=vote.closes_at + dt.timedelta(days=3),
                       reason="参与业主不足三分之二")
    return vs.close_vote(actor=SYSTEM, vote_id=vote.pk)


@pytest.fixture
def ground(city):
    here = Estate(city, {"1栋": [("101", "100"), ("102", "100"), ("103", "100")]}, name="金穗苑")
    there = Estate(city, {"1栋": [("101", "90"), ("102", "90")]}, name="锦城苑")
    owners, others = here.owners_each(), there.owners_each()
    staff = city.user_with("community_worker", at=city.community)
    proposer = here.user(owners["1栋-101"])
    return here, there, owners, others, staff, proposer


def test_figures_count_each_thing_of_the_place_and_period_once(ground, client):
    here, there, owners, others, staff, proposer = ground
    now = timezone.now()
    # Topics: 4 here (one last year), 1 there.
    waiting = sm.propose_topic(actor=proposer, place_id=here.compound.pk, title="楼道加装扶手")
    refused = sm.propose_topic(actor=proposer, place_id=here.compound.pk, title="修建游泳池")
    sm.screen_topic(actor=staff, topic_id=refused.pk, accept=False, refusal="not_feasible", note="场地不足")
    scheduled = sm.propose_topic(actor=proposer, place_id=here.compound.pk, title="垃圾房改造")
    old = sm.propose_topic(actor=proposer, place_id=here.compound.pk, title="去年的议题")
    Topic.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=400))
    sm.propose_topic(actor=staff, place_id=there.compound.pk, title="别的小区的议题")

    # Meetings: a courtyard meeting held with 2 people (one signed in twice), one with minutes
    # and 1 person, one only announced; one held in the other compound.
    held = sm.create_meeting(actor=staff, place_id=here.compound.pk, kind="courtyard", title="院坝会",
                             starts_at=now, topic_ids=[scheduled.pk])
    sm.publish_meeting_notice(actor=staff, meeting_id=held.pk)
    for n, at in enumerate(["1栋-101", "1栋-102", "1栋-101"]):
        sm.sign_in(actor=staff, meeting_id=held.pk, resident_id=owners[at].pk, method="qr", nonce=f"fig-held-{n:04d}")
    minuted = sm.create_meeting(actor=staff, place_id=here.compound.pk, kind="council", title="议事会",
                                starts_at=now, topic_ids=[])
    sm.publish_meeting_notice(actor=staff, meeting_id=minuted.pk)
    sm.sign_in(actor=staff, meeting_id=minuted.pk, resident_id=owners["1栋-103"].pk, method="list",
               nonce="fig-minuted-1")
    announced = sm.create_meeting(actor=staff, place_id=here.compound.pk, kind="owners", title="业主大会",
                                  starts_at=now + dt.timedelta(days=8))
    sm.publish_meeting_notice(actor=staff, meeting_id=announced.pk)
    elsewhere = sm.create_meeting(actor=staff, place_id=there.compound.pk, kind="courtyard", title="别处的院坝会",
                                  starts_at=now)
    sm.publish_meeting_notice(actor=staff, meeting_id=elsewhere.pk)
    sm.sign_in(actor=staff, meeting_id=elsewhere.pk, resident_id=others["1栋-101"].pk, method="qr",
               nonce="fig-elsewhere-1")

    # Votes here: passed (2 of 3 owners, both agree); closed short of the quorum (1 of 3);
    # failed after its extension (1 of 3); one still open. There: one passed.
    owners_vote(here, "更换大门", owners, ["1栋-101", "1栋-102"])
    owners_vote(here, "加装充电桩", owners, ["1栋-101"])
    owners_vote(here, "外墙改色", owners, ["1栋-103"], extend=True)
    still_open = vs.create_vote(actor=SYSTEM, place_id=here.compound.pk, kind="owners", title="仍在投票",
                                matters=[{"title": "仍在投票", "kind": "ordinary"}])
    vs.publish_notice(actor=SYSTEM, vote_id=still_open.pk, **period())
    vs.open_vote(actor=SYSTEM, vote_id=still_open.pk)
    owners_vote(there, "别处的表决", others, ["1栋-101", "1栋-102"])

    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=30), dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min))
    figures = selectors_meetings.figures(staff, under=here.compound.path, start=start, end=end)
    assert figures == {"topics_collected": 3, "topics_handled": 2, "meetings_held": 2, "attendance": 3,
                       "votes_held": 3, "votes_passed": 1, "votes_failed_quorum": 2}

    # The whole community: the other compound's topic, meeting (1 person) and passed vote too.
    everywhere = selectors_meetings.figures(staff, under=here.city.community.path, start=start, end=end)
    assert everywhere == {"topics_collected": 4, "topics_handled": 2, "meetings_held": 3, "attendance": 4,
                          "votes_held": 4, "votes_passed": 2, "votes_failed_quorum": 2}

    # Last year's period has only the old topic.
    last_year = selectors_meetings.figures(staff, under=here.compound.path, start=now - dt.timedelta(days=500),
                                           end=now - dt.timedelta(days=300))
    assert last_year == {"topics_collected": 1, "topics_handled": 0, "meetings_held": 0, "attendance": 0,
                         "votes_held": 0, "votes_passed": 0, "votes_failed_quorum": 0}

    client.force_login(staff)
    page = client.get("/deliberation/figures/", {"place": here.compound.pk, "start": start.date().isoformat(),
                                                 "end": today.isoformat()}).content.decode()
    assert "收集议题：3（已处理 2）" in page and "召开会议：2（签到人次 3）" in page
    assert "表决：3（通过 1，未达参与比例 2）" in page
    assert waiting.status == "proposed"
