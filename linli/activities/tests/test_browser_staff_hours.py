"""On phones in real Chromium: the organiser moves an elderly neighbour up the waiting list
and the neighbour sees they are next; staff find a resident by name and record hours by
hand, and the resident finds them on their certificate."""

from datetime import timedelta

import pytest
from django.utils import timezone

from linli.activities import services
from linli.activities.models import Participation
from linli.testing import block_the_outside

from .conftest import make_activity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_priority_then_manual_hours_across_phones(city, phone):
    organiser = city.person("community_worker")
    first, second, elder = (city.user_with("resident", at=city.dwelling, name=n) for n in ("居民甲", "居民乙", "孤老丙"))
    a = make_activity(city, capacity=1)
    for who in (first, second, elder):
        services.sign_up(actor=who, activity_id=a.pk)
    theirs = Participation.objects.get(person=elder)

    el = phone(elder)
    outside = block_the_outside(el)
    el.goto_path(f"/activities/{a.pk}/")
    assert "前面还有 1 人" in el.content()

    st = phone(organiser)
    st.goto_path(f"/activities/{a.pk}/manage/")
    form = st.get_by_test_id(f"priority-{theirs.pk}")
    form.locator("input[name=priority]").fill("10")
    form.locator("input[name=reason]").fill("独居老人")
    form.get_by_role("button").click()
    assert "已调整孤老丙的候补顺序" in st.locator(".messages").inner_text()
    waiting = [t for t in st.locator("#participants tr td:first-child").all_inner_texts() if t in ("居民乙", "孤老丙")]
    assert waiting == ["孤老丙", "居民乙"]

    el.reload()
    assert "前面还有 0 人" in el.content()

    st.goto_path("/activities/volunteers/")
    st.click("#manual-hours-link")
    st.fill("#q", "孤老")
    st.click("#find")
    st.get_by_test_id(f"choose-{elder.pk}").click()
    st.click("#save-hours")
    assert st.locator(".field-error").count() >= 1
    st.get_by_label("服务时长（分钟）").fill("120")
    st.get_by_label("服务日期").fill((timezone.localdate() - timedelta(days=1)).isoformat())
    st.get_by_label("登记理由").fill("帮邻居照看孩子")
    st.click("#save-hours")
    assert "已为孤老丙登记 120 分钟服务时长" in st.locator(".messages").inner_text()

    el.goto_path("/activities/certificate/")
    assert "帮邻居照看孩子" in el.content()
    assert outside == []
