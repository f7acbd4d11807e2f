"""A resident's home lists the meetings they are invited to (notice out, not held yet) and the
open votes in which they still have a ballot to cast; each item goes once it is done (the
meeting held, the ballot cast, the vote closed), and never shows to someone not invited."""

import pytest
from django.utils import timezone

from linli.core.actors import SYSTEM
from linli.deliberation import selectors, selectors_meetings
from linli.deliberation import services
from linli.deliberation import services_meetings as sm
from linli.deliberation.models import Meeting

from .estate import Estate
from .test_votes import choose, owners_vote, publish_and_open

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate(city):
    return Estate(city, {"1栋": [("101", "100"), ("102", "100")], "2栋": [("101", "80")]})


def home(client, user) -> str:
    client.force_login(user)
    return client.get("/").content.decode()


def test_invited_meetings_follow_the_invitation_rule_until_held(client, estate, city):
    owners = estate.owners_each()
    u1, u2 = estate.user(owners["1栋-101"]), estate.user(owners["2栋-101"])
    head = city.user_with("building_head", at=estate.compound)
    soon = timezone.now() + timezone.timedelta(days=7)
    building = sm.create_meeting(actor=head, place_id=estate.buildings["1栋"].pk, kind="courtyard",
                                 title="1栋楼道堆物院坝会", starts_at=soon, venue="1栋门口")
    named = sm.create_meeting(actor=head, place_id=estate.compound.pk, kind="council", title="2栋加装电梯议事会",
                              starts_at=soon, household_ids=[owners["2栋-101"].household_id])
    draft = sm.create_meeting(actor=head, place_id=estate.compound.pk, kind="courtyard", title="还在筹备的会",
                              starts_at=soon)
    assert selectors_meetings.invited_meetings(u1) == []  # no notice published yet
    for m in (building, named):
        sm.publish_meeting_notice(actor=head, meeting_id=m.pk)
    for user, resident in ((u1, owners["1栋-101"]), (u2, owners["2栋-101"])):
        expected = {m.pk for m in Meeting.objects.filter(status="notice") if sm.is_invited(m, resident)}
        assert {m.pk for m in selectors_meetings.invited_meetings(user)} == expected
    assert [m.pk for m in selectors_meetings.invited_meetings(u1)] == [building.pk]
    assert [m.pk for m in selectors_meetings.invited_meetings(u2)] == [named.pk]
    text = home(client, u1)
    assert f'data-meeting="{building.pk}" href="/deliberation/meetings/{building.pk}/"' in text
    assert "1栋门口" in text and "2栋加装电梯议事会" not in text and draft.title not in text
    assert "2栋加装电梯议事会" in home(client, u2)
    # The first sign-in holds the meeting: it leaves the to-do.
    sm.sign_in(actor=head, meeting_id=building.pk, resident_id=owners["1栋-102"].pk, method="list", nonce="list-0001")
    assert f'data-meeting="{building.pk}"' not in home(client, u1)
    assert selectors_meetings.invited_meetings(city.user_with("grid_worker", at=city.grid)) == []


def test_open_votes_to_cast_until_the_ballot_is_in(client, estate, city):
    owners = estate.owners_each()
    u1, u2 = estate.user(owners["1栋-101"]), estate.user(owners["2栋-101"])
    vote = publish_and_open(owners_vote(estate))
    draft = owners_vote(estate)  # not open yet: nothing to cast
    assert [v.pk for v in selectors.votes_to_cast(u1)] == [vote.pk] and draft.pk != vote.pk
    text = home(client, u1)
    assert f'data-vote="{vote.pk}" href="/deliberation/votes/{vote.pk}/"' in text and "更换小区大门" in text
    services.cast_online_ballot(actor=u1, vote_id=vote.pk, choices=choose(vote, "agree"))
    assert selectors.votes_to_cast(u1) == []
    assert f'data-vote="{vote.pk}"' not in home(client, u1)
    assert [v.pk for v in selectors.votes_to_cast(u2)] == [vote.pk]  # the neighbour still has theirs
    services.close_vote(actor=SYSTEM, vote_id=vote.pk)
    assert selectors.votes_to_cast(u2) == []
    # someone not on the roll never sees it
    outsider = city.user_with("resident", at=city.other_dwelling)
    assert selectors.votes_to_cast(outsider) == [] and 'id="home-resident-todo"' not in home(client, outsider)
