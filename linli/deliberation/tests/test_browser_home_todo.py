"""A resident's home on a phone lists the courtyard meeting they are invited to and the open
vote they have not voted in yet; they follow the vote entry, cast their ballot, and the entry
is gone from their home while the meeting stays until it is held."""

import pytest
from django.utils import timezone

from linli.conftest import screenshot
from linli.deliberation import services_meetings as sm

from .estate import Estate
from .test_browser_vote import pick
from .test_votes import owners_vote, publish_and_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_home_lists_meetings_and_votes_until_done(city, phone):
    estate = Estate(city, {"1栋": [("101", "100"), ("102", "100")]})
    owners = estate.owners_each()
    me = estate.user(owners["1栋-101"])
    head = city.user_with("building_head", at=estate.compound)
    meeting = sm.create_meeting(actor=head, place_id=estate.compound.pk, kind="courtyard", title="楼道堆物清理院坝会",
                                starts_at=timezone.now() + timezone.timedelta(days=7), venue="1栋门前坝子")
    sm.publish_meeting_notice(actor=head, meeting_id=meeting.pk)
    vote = publish_and_open(owners_vote(estate))

    pg = phone(me)
    pg.goto_path("/")
    todo = pg.locator("#home-resident-todo")
    assert "楼道堆物清理院坝会" in todo.inner_text() and "1栋门前坝子" in todo.inner_text()
    entry = todo.locator(f'[data-vote="{vote.pk}"]')
    assert "更换小区大门" in entry.inner_text() and "投票中，请投票" in entry.inner_text()
    assert entry.bounding_box()["height"] >= 44
    screenshot(pg, "home-resident-meeting-and-vote")
    entry.click()
    pg.wait_for_url(f"**/deliberation/votes/{vote.pk}/")
    vote.refresh_from_db()
    pick(pg.get_by_test_id("ballot-form"), vote, "agree")
    pg.get_by_role("button", name="提交选票").click()
    assert "投票成功" in pg.get_by_test_id("receipt").inner_text()
    pg.goto_path("/")
    assert pg.locator(f'[data-vote="{vote.pk}"]').count() == 0
    assert pg.locator(f'[data-meeting="{meeting.pk}"]').count() == 1
