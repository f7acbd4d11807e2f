"""睦邻之星 from the record to the published list, on phones in headless Chromium: the community
worker creates the round and draws nominations from the year's record, starts the vote; three
residents find it among their votes and vote; the worker closes it, puts the result up and
makes it final (deliberation's pages); the round shows the winner, is published; the winner
finds the notice in their inbox and the award on their volunteer record, and anyone reads
the public list."""

import pytest
from playwright.sync_api import expect

from linli.awards.models import AwardRound, Nomination
from linli.conftest import screenshot
from linli.deliberation.models import Vote

from .conftest import attend, give_minutes, give_points, neighbour

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_neighbour_star_from_record_to_vote_to_public_list(city, phone, live_server):
    a, b, c = neighbour(city, "陈阿姨"), neighbour(city, "赵叔"), neighbour(city, "孙奶奶")
    give_points(city, a, 60)
    give_points(city, b, 40)
    give_minutes(city, c, 90)
    attend(city, [c])
    worker = city.person("community_worker")

    s = phone(worker)
    s.goto_path(f"/points/manage/rules/?community={city.community.pk}")
    s.locator("#awards-link").click()
    s.select_option("#kind", "neighbour_star")
    s.fill("#seats", "1")
    s.select_option("#method", "vote")
    s.locator("#create-round").click()
    expect(s.get_by_test_id("status")).to_have_text("草稿")
    s.fill("#count", "3")
    s.locator("#draw").click()
    expect(s.get_by_test_id("status")).to_have_text("提名中")
    rows = s.locator("#nominations li")
    expect(rows).to_have_count(3)
    assert "陈阿姨" in rows.nth(0).inner_text() and "积分 60" in rows.nth(0).inner_text()
    screenshot(s, "awards-round-drawn")
    s.fill("#objection_days", "0")
    s.locator("#start-vote").click()
    expect(s.get_by_test_id("status")).to_have_text("投票中")  # deliberation's manage page
    rnd = AwardRound.objects.get()
    vote = Vote.objects.get(pk=rnd.vote_id)
    screenshot(s, "awards-vote-manage")

    # Residents find the vote among theirs and approve one candidate each (up to the seats).
    for voter, pick in ((a, "孙奶奶"), (b, "孙奶奶"), (c, "陈阿姨")):
        r = phone(voter)
        r.goto_path("/deliberation/")
        r.get_by_test_id("my-votes").get_by_role("link", name=vote.title).click()
        r.get_by_test_id("ballot-form").get_by_label(pick).check()
        r.get_by_role("button", name="提交选票").click()
        expect(r.get_by_test_id("receipt")).to_contain_text("投票成功")
    screenshot(r, "awards-ballot-receipt")

    s.reload()
    s.get_by_role("button", name="截止并计票").click()
    expect(s.get_by_test_id("status")).to_have_text("已截止")
    s.get_by_role("button", name="公示初步结果（询异）").click()
    expect(s.get_by_test_id("status")).to_have_text("结果公示（询异）")
    s.get_by_role("button", name="确定最终结果").click()
    expect(s.get_by_test_id("status")).to_have_text("结果已确定")

    # The final event recorded the winner on the round; the worker publishes the list.
    s.goto_path(f"/awards/manage/{rnd.pk}/")
    expect(s.get_by_test_id("decided")).to_be_visible()
    winner_row = s.locator(f'[data-nomination="{Nomination.objects.get(round=rnd, person=c).pk}"]')
    expect(winner_row.get_by_test_id("winner")).to_have_text("获评")
    expect(s.get_by_test_id("winner")).to_have_count(1)
    s.locator("#publish").click()
    expect(s.get_by_test_id("status")).to_have_text("已公布")
    screenshot(s, "awards-round-published")

    # The winner: a notice in the inbox, the award on the volunteer record.
    w = phone(c)
    w.goto_path("/notices/")
    expect(w.locator("#notices")).to_contain_text("睦邻之星")
    w.goto_path("/activities/mine/")
    expect(w.get_by_test_id("honour")).to_contain_text("睦邻之星")
    screenshot(w, "awards-volunteer-record")

    # Anyone reads the public list: the winner, and nobody else.
    s.locator("#public-link").click()
    winners = s.get_by_test_id("winner")
    expect(winners).to_have_count(1)
    expect(winners).to_contain_text("孙奶奶")
    assert "陈阿姨" not in s.locator("main, body").first.inner_text()
    screenshot(s, "awards-public-list")
