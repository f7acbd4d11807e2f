"""What lands in each person's inbox and to-do along the hours workflow: the volunteer is told
when their hours are verified and when their correction is answered (once, nobody else); the
organiser's home lists the hours to verify across their activities and staff see the
corrections to answer, each item gone once it is done."""

from datetime import timedelta

import pytest
from django.utils import timezone

from linli.activities import selectors, services
from linli.activities.models import Participation
from linli.notify.models import Notification

from .conftest import make_activity

pytestmark = pytest.mark.django_db


def inbox(user, kind=None):
    qs = Notification.objects.filter(recipient=user, channel="in_app")
    return list(qs.filter(kind=kind) if kind else qs)


@pytest.fixture
def ended(city, residents, organiser):
    """An activity that ended an hour ago with two attendees checked in (hours not verified)."""
    a = make_activity(city, capacity=5)
    ps = [services.sign_up(actor=r, activity_id=a.pk) for r in residents[:2]]
    start = timezone.now() - timedelta(hours=3)
    type(a).objects.filter(pk=a.pk).update(starts_at=start, ends_at=start + timedelta(hours=2))
    Participation.objects.filter(pk__in=[p.pk for p in ps]).update(status="attended", checked_in_at=start)
    a.refresh_from_db()
    return a, ps


def test_verified_hours_tell_the_volunteer_once_and_nobody_else(ended, organiser, residents):
    a, (p1, p2) = ended
    services.verify_hours(actor=organiser, participation_id=p1.pk)
    mine = inbox(residents[0], "hours_verified")
    assert len(mine) == 1
    assert "广场舞培训" in mine[0].text and "120 分钟" in mine[0].text and mine[0].url == "/activities/mine/"
    assert inbox(residents[1]) == [] and inbox(organiser) == []
    with pytest.raises(Exception):
        services.verify_hours(actor=organiser, participation_id=p1.pk)  # already verified: no second notice
    assert len(inbox(residents[0], "hours_verified")) == 1


def test_a_refused_verification_writes_no_notice(ended, city, residents):
    a, (p1, _p2) = ended
    stranger = city.user_with("community_worker", at=city.other_grid)
    with pytest.raises(Exception):
        services.verify_hours(actor=stranger, participation_id=p1.pk)
    assert Notification.objects.count() == 0


def test_correction_answers_are_told_to_the_volunteer(ended, organiser, residents):
    a, (p1, p2) = ended
    services.verify_hours(actor=organiser, participation_id=p1.pk)
    services.verify_hours(actor=organiser, participation_id=p2.pk)
    c1 = services.request_correction(actor=residents[0], participation_id=p1.pk, minutes=150, reason="提前布置场地")
    c2 = services.request_correction(actor=residents[1], participation_id=p2.pk, minutes=300, reason="还有")
    services.answer_correction(actor=organiser, correction_id=c1.pk, accept=True)
    services.answer_correction(actor=organiser, correction_id=c2.pk, accept=False, answer="签退记录为两小时")
    yes = inbox(residents[0], "hours_corrected")
    no = inbox(residents[1], "hours_correction_refused")
    assert len(yes) == 1 and "120 分钟改为 150 分钟" in yes[0].text and yes[0].url == "/activities/mine/"
    assert len(no) == 1 and "签退记录为两小时" in no[0].text
    assert inbox(residents[0], "hours_correction_refused") == [] and inbox(residents[1], "hours_corrected") == []
    assert inbox(organiser) == []


def test_hours_to_verify_is_the_organisers_to_do_until_done(client, ended, organiser, city, residents):
    a, (p1, p2) = ended
    later = make_activity(city, capacity=5, starts_in=timedelta(days=3))
    services.sign_up(actor=residents[2], activity_id=later.pk)  # not held yet: nothing to verify
    rows = list(selectors.hours_to_verify(organiser))
    assert [(r.pk, r.to_verify) for r in rows] == [(a.pk, 2)]
    assert list(selectors.hours_to_verify(city.user_with("community_worker", at=city.other_grid))) == []
    assert list(selectors.hours_to_verify(residents[0])) == []

    client.force_login(organiser)
    text = client.get("/").content.decode()
    assert f'data-verify="{a.pk}" href="/activities/{a.pk}/manage/"' in text and "2 人的服务时长待核定" in text
    services.verify_hours(actor=organiser, participation_id=p1.pk)
    assert "1 人的服务时长待核定" in client.get("/").content.decode()
    services.verify_hours(actor=organiser, participation_id=p2.pk)
    text = client.get("/").content.decode()
    assert f'data-verify="{a.pk}"' not in text and 'id="home-activities-todo"' not in text


def test_a_checked_out_attendee_waits_for_verification_before_the_end(city, residents, organiser):
    a = make_activity(city, capacity=5)
    p = services.sign_up(actor=residents[0], activity_id=a.pk)
    start = timezone.now() - timedelta(minutes=30)
    type(a).objects.filter(pk=a.pk).update(starts_at=start, ends_at=start + timedelta(hours=2))
    Participation.objects.filter(pk=p.pk).update(status="attended", checked_in_at=start)
    assert list(selectors.hours_to_verify(organiser)) == []  # still running, not checked out
    services.check_out(actor=residents[0], participation_id=p.pk)
    assert [r.to_verify for r in selectors.hours_to_verify(organiser)] == [1]


def test_team_leaders_see_their_teams_hours_to_verify(client, city, residents, organiser):
    """A team's leader organises without a role: their home lists their team's activity."""
    from linli.activities import volunteers

    team = volunteers.create_team(actor=organiser, community_id=city.community.pk, name="夕阳红舞蹈队", kind="dance")
    leader = city.user_with("resident", at=city.dwelling, name="队长")
    volunteers.join_team(actor=organiser, team_id=team.pk, person=leader, leader=True)
    a = make_activity(city, capacity=5)
    ours = make_activity(city, capacity=5)
    for act in (a, ours):
        p = services.sign_up(actor=residents[0], activity_id=act.pk)
        Participation.objects.filter(pk=p.pk).update(status="attended", checked_in_at=timezone.now())
    start = timezone.now() - timedelta(hours=3)
    type(a).objects.filter(pk__in=[a.pk, ours.pk]).update(starts_at=start, ends_at=start + timedelta(hours=2))
    type(a).objects.filter(pk=ours.pk).update(team=team, organiser_kind="team")
    client.force_login(leader)
    text = client.get("/").content.decode()
    assert f'data-verify="{ours.pk}"' in text and f'data-verify="{a.pk}"' not in text


def test_open_corrections_are_the_staff_to_do_and_answered_on_their_page(client, ended, organiser, residents, city):
    a, (p1, _p2) = ended
    services.verify_hours(actor=organiser, participation_id=p1.pk)
    client.force_login(organiser)
    assert 'id="home-corrections"' not in client.get("/").content.decode()
    c = services.request_correction(actor=residents[0], participation_id=p1.pk, minutes=150, reason="提前布置场地")
    text = client.get("/").content.decode()
    assert 'href="/activities/corrections/"' in text and 'id="home-corrections-count">1<' in text
    page = client.get("/activities/corrections/").content.decode()
    assert "提前布置场地" in page and f'data-correction="{c.pk}"' in page
    # someone outside the activity's place neither sees it on their home nor on the page
    other = city.user_with("community_worker", at=city.other_grid)
    client.force_login(other)
    assert 'id="home-corrections"' not in client.get("/").content.decode()
    assert "提前布置场地" not in client.get("/activities/corrections/").content.decode()
    client.force_login(organiser)
    response = client.post("/activities/corrections/", {"correction": c.pk, "accept": "1", "answer": ""})
    assert response.status_code == 302
    assert 'id="home-corrections"' not in client.get("/").content.decode()
    assert len(inbox(residents[0], "hours_corrected")) == 1


def test_a_place_cancelled_by_staff_is_told_with_the_reason_and_ones_own_is_not(city, residents, organiser):
    a = make_activity(city, capacity=5)
    mine = services.sign_up(actor=residents[0], activity_id=a.pk)
    theirs = services.sign_up(actor=residents[1], activity_id=a.pk)
    services.cancel(actor=residents[0], participation_id=mine.pk)
    services.cancel(actor=organiser, participation_id=theirs.pk, reason="场地临时改为核酸检测点")
    assert inbox(residents[0]) == []
    told = inbox(residents[1], "activity_cancelled_by_staff")
    assert len(told) == 1 and "场地临时改为核酸检测点" in told[0].text and told[0].url == f"/activities/{a.pk}/"
    assert inbox(organiser) == []


def test_an_offer_that_lapses_is_told_once_and_the_next_one_is_offered(city, residents):
    a = make_activity(city, capacity=1)
    first = services.sign_up(actor=residents[0], activity_id=a.pk)
    services.sign_up(actor=residents[1], activity_id=a.pk)
    services.sign_up(actor=residents[2], activity_id=a.pk)
    services.cancel(actor=residents[0], participation_id=first.pk)  # residents[1] is offered the place
    assert len(inbox(residents[1], "activity_offer")) == 1
    later = timezone.now() + timedelta(minutes=a.offer_minutes + 1)
    services.expire_offers(now=later)
    services.expire_offers(now=later)
    lapsed = inbox(residents[1], "activity_offer_expired")
    assert len(lapsed) == 1 and "未在期限内确认" in lapsed[0].text
    assert len(inbox(residents[2], "activity_offer")) == 1 and inbox(residents[2], "activity_offer_expired") == []
