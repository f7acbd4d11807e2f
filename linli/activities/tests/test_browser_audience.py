"""The audience across people on their phones: the organiser publishes an activity for
residents living alone (独居老人) on the staff page; the tagged resident finds it under
"activities for me" and signs up; a neighbour outside the audience does not find it, and
its page tells them why they cannot sign up."""

from datetime import timedelta

import pytest
from django.utils import timezone

from linli.accounts.models import User
from linli.activities.models import Activity, Participation
from linli.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_organiser_sets_the_audience_the_tagged_resident_signs_up_the_neighbour_sees_why_not(city, phone):
    organiser = city.user_with("community_worker", at=city.community, name="社区干事")
    tagged = city.user_with("resident", at=city.dwelling, name="李大爷本人")
    User.objects.filter(pk=tagged.pk).update(resident=city.resident)  # his home is tagged 独居老人
    tagged = User.objects.get(pk=tagged.pk)
    neighbour = city.user_with("resident", at=city.dwelling, name="普通居民")

    staff = phone(organiser)
    staff.goto_path("/activities/new/")
    start = timezone.localtime() + timedelta(days=3)
    staff.select_option("#id_place", str(city.community.pk))
    staff.select_option("#id_kind", "health")
    staff.fill("#id_title", "独居老人上门义诊")
    staff.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    staff.fill("#id_ends_at", (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    staff.fill("#id_offer_hours", "3")
    staff.check("input[name=audience_tags][value=elderly_alone]")
    staff.get_by_role("button", name="发布").click()
    staff.wait_for_url("**/activities/*/")
    assert "独居老人" in staff.get_by_test_id("audience").inner_text()
    a = Activity.objects.get(title="独居老人上门义诊")
    assert a.audience_tags == ["elderly_alone"] and a.offer_minutes == 180
    screenshot(staff, "activity-audience-published")

    me = phone(tagged)
    me.goto_path("/activities/")
    me.get_by_text("独居老人上门义诊").first.click()
    me.click("#signup")
    assert me.get_by_test_id("my-status").inner_text() == "已报名"
    assert Participation.objects.get(activity=a, person=tagged).status == "signed_up"

    other = phone(neighbour)
    other.goto_path("/activities/")
    assert other.get_by_text("独居老人上门义诊").count() == 0
    other.goto_path(f"/activities/{a.pk}/")
    assert other.locator("#signup").count() == 0
    assert "您不在报名范围内" in other.get_by_test_id("not-for-me").inner_text()
    screenshot(other, "activity-audience-not-for-me")
