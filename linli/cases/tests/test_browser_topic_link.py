"""A reporter's request becomes a topic for residents to deliberate: on her phone the reporter
finds the notice in her inbox, opens her case, reads the timeline entry and follows it to the
topic; the handling grid worker's phone shows the same entry on the case."""

import re

import pytest
from playwright.sync_api import expect

from linli.conftest import screenshot
from linli.deliberation import services_meetings as deliberation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_reporter_follows_her_case_to_its_topic_on_a_phone(city, phone):
    people = city.people("resident", "grid_worker", "community_worker")
    case = city.accept(city.report("resident", "小区垃圾房破旧，门也坏了，夏天气味大"), people["grid_worker"])
    # Outside a test transaction the event's after-commit effect runs as in production.
    topic = deliberation.topic_from_case(actor=people["community_worker"], case_id=case.pk,
                                         title="垃圾房改造：砖、门和颜色")

    r = phone(people["resident"])
    r.goto_path("/notices/")
    notice = r.locator("#notices .notice-row", has_text="您的诉求已转为居民议事议题")
    expect(notice).to_have_count(1)
    notice.click()
    expect(r).to_have_url(re.compile(rf"/cases/{case.pk}/$"))
    entry = r.locator("#case-timeline li[data-kind=topic]")
    expect(entry).to_contain_text("转为议题")
    expect(entry).to_contain_text("垃圾房改造：砖、门和颜色")
    screenshot(r, "case-became-topic")
    entry.get_by_test_id("case-topic-link").click()
    expect(r.locator("h1")).to_contain_text("垃圾房改造：砖、门和颜色")
    assert r.url.endswith(f"/deliberation/topics/{topic.pk}/")

    w = phone(people["grid_worker"])
    w.goto_path(f"/cases/{case.pk}/")
    expect(w.locator("#case-timeline li[data-kind=topic]")).to_have_count(1)
