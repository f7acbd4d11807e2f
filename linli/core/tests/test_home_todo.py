"""The home page's to-do lists read in constant queries: an organiser's hours to verify and
corrections to answer, a resident's meetings and votes, whether there are 3 or 30 of each."""

from datetime import timedelta

import pytest
from django.utils import timezone

from linli.activities import services as activity_services
from linli.activities.models import Activity, Participation
from linli.core.actors import SYSTEM
from linli.deliberation import services_meetings as sm
from linli.deliberation.tests.estate import Estate
from linli.deliberation.tests.test_votes import owners_vote, publish_and_open
from linli.testing import same_queries

pytestmark = pytest.mark.django_db


def _home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def _ended_activities(city, people, n, start_at=0):
    start = timezone.now() - timedelta(hours=3)
    for i in range(start_at, start_at + n):
        a = activity_services.create_activity(
            actor=SYSTEM, place_id=city.community.pk, kind="volunteer", title=f"清扫楼道{i}",
            starts_at=timezone.now() + timedelta(days=1), ends_at=timezone.now() + timedelta(days=1, hours=2))
        for person in people:
            activity_services.sign_up(actor=person, activity_id=a.pk)
        Activity.objects.filter(pk=a.pk).update(starts_at=start, ends_at=start + timedelta(hours=2))
        Participation.objects.filter(activity=a).update(status="attended", checked_in_at=start)
        p = Participation.objects.filter(activity=a).order_by("id").first()
        activity_services.verify_hours(actor=SYSTEM, participation_id=p.pk)
        activity_services.request_correction(actor=p.person, participation_id=p.pk, minutes=150, reason="布置场地")


def test_organiser_home_to_do_reads_in_constant_queries(client, city):
    organiser = city.user_with("community_worker", at=city.community, name="社区干事")
    people = [city.user_with("resident", at=city.dwelling, name=f"居民{i}") for i in range(3)]
    _ended_activities(city, people, 3)
    client.force_login(organiser)
    text = same_queries(lambda: _home(client), lambda: _ended_activities(city, people, 27, start_at=3))
    assert text.count("data-verify=") == 5  # the first five, soonest ended
    assert 'id="home-corrections-count">30<' in text


def test_resident_home_to_do_reads_in_constant_queries(client, city):
    estate = Estate(city, {"1栋": [("101", "100"), ("102", "100")]})
    owners = estate.owners_each()
    me = estate.user(owners["1栋-101"])
    head = city.user_with("building_head", at=estate.compound)

    def grow(n):
        for _i in range(n):
            m = sm.create_meeting(actor=head, place_id=estate.compound.pk, kind="courtyard", title="院坝会",
                                  starts_at=timezone.now() + timedelta(days=3))
            sm.publish_meeting_notice(actor=head, meeting_id=m.pk)
            publish_and_open(owners_vote(estate))

    grow(2)
    client.force_login(me)
    text = same_queries(lambda: _home(client), lambda: grow(10))
    assert text.count("data-meeting=") == 5 and text.count("data-vote=") == 5
