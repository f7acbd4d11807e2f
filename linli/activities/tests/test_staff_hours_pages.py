"""The two staff pages over services that had none: manual service hours (find a person of
the community by name or full mobile; minutes, date, reason; audited; shown on the person's
own record and certificate) and a waiting participant's priority on the manage page (the
waiting order shown and the promotion follow the service)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from linli.accounts import services as account_services
from linli.activities import services
from linli.activities.models import ManualHours, Participation
from linli.core.actors import SYSTEM
from linli.core.audit import AuditEntry
from linli.places import services as place_services
from linli.testing import next_phone

from .conftest import make_activity

pytestmark = pytest.mark.django_db

S = Participation.Status


def text(response):
    return response.content.decode()


def field_errors(html: str, field: str) -> list[str]:
    block = re.search(r'data-field="%s".*?(?=<div class="field|</form>)' % re.escape(field), html, re.S)
    assert block, f"no field {field} on the page"
    return re.findall(r"<li>(.*?)</li>", block.group(0))




def resident_with_phone(city, name, at):
    phone = next_phone()
    user = account_services.create_user(actor=SYSTEM, display_name=name, phone=phone)
    account_services.assign_role(actor=SYSTEM, user_id=user.pk, role="resident", place_id=at.pk)
    return user, phone


def base(city):
    return f"/activities/volunteers/hours/?community={city.community.pk}"


# ---------------------------------------------------------------- manual hours


def test_staff_find_by_name_or_mobile_record_hours_audited_and_on_the_persons_record(client, city):
    staff = city.person("community_worker")
    me, phone = resident_with_phone(city, "刘阿姨", city.dwelling)
    client.force_login(staff)
    assert 'id="manual-hours-link"' in text(client.get("/activities/volunteers/"))
    page = text(client.get(base(city) + "&q=刘阿"))
    assert "刘阿姨" in page and f'data-testid="choose-{me.pk}"' in page
    page = text(client.get(base(city) + f"&q={phone}"))
    assert f'data-testid="choose-{me.pk}"' in page
    assert f'data-testid="choose-{me.pk}"' not in text(client.get(base(city) + f"&q={phone[:7]}"))  # full number only
    assert 'id="hours-form"' in text(client.get(base(city) + f"&person={me.pk}"))
    served = timezone.localdate() - timedelta(days=3)
    r = client.post(base(city), {"person": me.pk, "minutes": "90", "served_on": served.isoformat(),
                                 "reason": "疫情期间值守小区卡口"})
    assert r.status_code == 302
    row = ManualHours.objects.get()
    assert (row.person_id, row.community_id, row.minutes, row.served_on, row.actor_id) == (
        me.pk, city.community.pk, 90, served, staff.pk)
    audit = AuditEntry.objects.get(kind="activities.manual_hours")
    assert audit.actor_id == staff.pk and audit.note == "疫情期间值守小区卡口"
    page = text(client.get(r["Location"]))
    assert "疫情期间值守小区卡口" in page and "刘阿姨" in page  # the recent list
    client.force_login(me)
    assert "1.5" in text(client.get("/activities/mine/"))
    page = text(client.get("/activities/certificate/"))
    assert "疫情期间值守小区卡口" in page and "90" in page and "石马社区" in page


def test_every_field_error_at_once_and_nothing_recorded(client, city):
    staff = city.person("community_worker")
    me, _phone = resident_with_phone(city, "刘阿姨", city.dwelling)
    client.force_login(staff)
    r = client.post(base(city), {"person": me.pk, "minutes": "0", "served_on": "", "reason": " "})
    assert r.status_code == 400
    page = text(r)
    assert field_errors(page, "minutes") == ["服务时长须为 1 至 1440 分钟"]
    assert field_errors(page, "served_on") == ["请填写服务日期"]
    assert field_errors(page, "reason") == ["手工登记时长须填写理由"]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    r = client.post(base(city), {"person": "", "minutes": "abc", "served_on": tomorrow, "reason": ""})
    page = text(r)
    assert r.status_code == 400 and "请先选择本社区的居民" in page
    assert field_errors(page, "minutes") == ["服务时长须为整数分钟"]
    assert field_errors(page, "served_on") == ["服务日期不能晚于今天"]
    assert not ManualHours.objects.exists() and not AuditEntry.objects.filter(kind="activities.manual_hours").exists()


def test_out_of_scope_community_and_person_and_residents(client, city):
    staff = city.person("community_worker")
    other = place_services.create_place(actor=SYSTEM, parent_id=city.street.pk, kind_code="community", name="外社区")
    outsider, _phone = resident_with_phone(city, "刘外人", other)
    client.force_login(staff)
    assert client.get(f"/activities/volunteers/hours/?community={other.pk}").status_code == 404
    assert "刘外人" not in text(client.get(base(city) + "&q=刘"))
    r = client.post(base(city), {"person": outsider.pk, "minutes": "60",
                                 "served_on": timezone.localdate().isoformat(), "reason": "值守"})
    assert r.status_code == 400 and "请先选择本社区的居民" in text(r)
    client.force_login(city.person("resident"))
    assert client.get("/activities/volunteers/hours/").status_code == 404
    assert not ManualHours.objects.exists()


def test_manual_hours_page_in_english(client, city, english):
    staff = city.person("community_worker")
    me, _phone = resident_with_phone(city, "刘阿姨", city.dwelling)
    client.force_login(staff)
    r = client.post(base(city), {"person": me.pk, "minutes": "", "served_on": "", "reason": ""},
                    HTTP_ACCEPT_LANGUAGE="en")
    page = text(r)
    assert "Record service hours by hand" in page
    assert field_errors(page, "minutes") == ["Please enter the minutes served"]
    assert field_errors(page, "served_on") == ["Please enter the date served"]
    assert field_errors(page, "reason") == ["Hours recorded by hand need a reason"]


# ---------------------------------------------------------------- waiting priority


def waiting_order(html):
    table = html[html.index('id="participants"'):html.index("</table>")]
    return re.findall(r"<tr><td>(居民\d)</td><td>候补中", table)


def test_organiser_moves_a_waiting_person_up_and_the_order_and_promotion_follow(client, city, residents, organiser):
    a = make_activity(city, capacity=1)
    for r in residents[:4]:
        services.sign_up(actor=r, activity_id=a.pk)
    client.force_login(organiser)
    url = f"/activities/{a.pk}/manage/"
    page = text(client.get(url))
    assert waiting_order(page) == ["居民1", "居民2", "居民3"]
    third = Participation.objects.get(person=residents[3])
    assert f'data-testid="priority-{third.pk}"' in page
    confirmed = Participation.objects.get(person=residents[0])
    assert f'data-testid="priority-{confirmed.pk}"' not in page  # only waiting people
    r = client.post(f"/activities/{a.pk}/manage/priority/", {"participation": third.pk, "priority": "10",
                                                             "reason": "独居老人"})
    assert r.status_code == 302 and r["Location"] == url
    page = text(client.get(url))
    assert waiting_order(page) == ["居民3", "居民1", "居民2"] and "已调整居民3的候补顺序" in page
    audit = AuditEntry.objects.get(kind="activities.set_priority")
    assert audit.actor_id == organiser.pk and audit.note == "独居老人"
    services.cancel(actor=residents[0], participation_id=confirmed.pk)
    assert Participation.objects.get(pk=third.pk).status == S.OFFERED  # the service's promotion


def test_priority_errors_at_once_and_nothing_changes(client, city, residents, organiser):
    a = make_activity(city, capacity=1)
    for r in residents[:2]:
        services.sign_up(actor=r, activity_id=a.pk)
    waiting = Participation.objects.get(person=residents[1])
    client.force_login(organiser)
    r = client.post(f"/activities/{a.pk}/manage/priority/", {"participation": waiting.pk, "priority": "x",
                                                             "reason": ""}, follow=True)
    page = text(r)
    assert "优先级须为 -100 至 100 的整数" in page and "调整候补顺序须填写理由" in page
    r = client.post(f"/activities/{a.pk}/manage/priority/", {"participation": waiting.pk, "priority": "500",
                                                             "reason": "独居"}, follow=True)
    assert "优先级须为 -100 至 100 的整数" in text(r)
    confirmed = Participation.objects.get(person=residents[0])
    r = client.post(f"/activities/{a.pk}/manage/priority/", {"participation": confirmed.pk, "priority": "5",
                                                             "reason": "独居"}, follow=True)
    assert "只能调整候补中的报名" in text(r)
    waiting.refresh_from_db()
    assert waiting.priority == 0 and not AuditEntry.objects.filter(kind="activities.set_priority").exists()


def test_priority_out_of_scope_is_404(client, city, residents, organiser):
    a = make_activity(city, capacity=1)
    for r in residents[:2]:
        services.sign_up(actor=r, activity_id=a.pk)
    waiting = Participation.objects.get(person=residents[1])
    other = place_services.create_place(actor=SYSTEM, parent_id=city.street.pk, kind_code="community", name="外社区")
    elsewhere = city.user_with("community_worker", at=other, name="外社区干事")
    b = make_activity(city, capacity=1)
    for who in (elsewhere, residents[0], residents[1]):
        client.force_login(who)
        r = client.post(f"/activities/{a.pk}/manage/priority/", {"participation": waiting.pk, "priority": "9",
                                                                 "reason": "独居"})
        assert r.status_code == 404
    client.force_login(organiser)  # a participation of another activity through this one's url
    assert client.post(f"/activities/{b.pk}/manage/priority/", {"participation": waiting.pk, "priority": "9",
                                                                "reason": "独居"}).status_code == 404
    waiting.refresh_from_db()
    assert waiting.priority == 0


def test_manage_page_priority_form_in_english(client, city, residents, organiser, english):
    a = make_activity(city, capacity=1)
    for r in residents[:2]:
        services.sign_up(actor=r, activity_id=a.pk)
    client.force_login(organiser)
    page = text(client.get(f"/activities/{a.pk}/manage/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Move on the waiting list" in page and "Priority" in page


def test_the_service_itself_refuses_a_person_of_another_community(city):
    from linli.core.errors import Invalid

    other = place_services.create_place(actor=SYSTEM, parent_id=city.street.pk, kind_code="community", name="外社区")
    outsider, _phone = resident_with_phone(city, "刘外人", other)
    with pytest.raises(Invalid) as exc:
        services.add_manual_hours(actor=city.person("community_worker"), person_id=outsider.pk,
                                  community_id=city.community.pk, minutes=30, served_on=timezone.localdate(),
                                  reason="值守")
    assert exc.value.code == "not_of_community" and not ManualHours.objects.exists()
