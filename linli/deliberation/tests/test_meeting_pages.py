"""Topic, meeting and figures pages, and the offline sign-in upload."""

import json

import pytest
from django.utils import timezone

from linli.deliberation import services_meetings as sm
from linli.deliberation.models import Attendance, SignIn, Topic
from linli.testing import api_headers

from .estate import Estate

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate(city):
    return Estate(city, {"1栋": [("101", "90"), ("102", "90")]})


def test_resident_proposes_and_neighbour_supports_on_the_page(client, estate):
    owners = estate.owners_each()
    a, b = estate.user(owners["1栋-101"]), estate.user(owners["1栋-102"])
    client.force_login(a)
    r = client.post("/deliberation/topics/", {"place_id": estate.compound.pk, "title": "楼道加装扶手"})
    assert r.status_code == 302
    topic = Topic.objects.get(title="楼道加装扶手")
    client.force_login(b)
    page = client.get("/deliberation/topics/").content.decode()
    assert "楼道加装扶手" in page and "附议 0/5" in page
    client.post("/deliberation/topics/", {"support": topic.pk})
    assert "附议 1/5" in client.get("/deliberation/topics/").content.decode()


def test_staff_refuses_with_a_reason_the_proposer_reads(client, estate, city):
    owners = estate.owners_each()
    proposer = estate.user(owners["1栋-101"])
    topic = sm.propose_topic(actor=proposer, place_id=estate.compound.pk, title="修建游泳池")
    client.force_login(city.user_with("community_worker", at=city.community))
    r = client.post(f"/deliberation/topics/{topic.pk}/", {"decision": "refuse"})
    assert r.status_code == 400 and "请选择不予采纳的原因" in r.content.decode() and "请向提议人说明理由" in r.content.decode()
    client.post(f"/deliberation/topics/{topic.pk}/", {"decision": "refuse", "refusal": "not_feasible", "note": "场地不足"})
    client.force_login(proposer)
    page = client.get(f"/deliberation/topics/{topic.pk}/").content.decode()
    assert "暂不可行" in page and "场地不足" in page


def test_meeting_sheet_minutes_and_offline_scans(client, estate, city):
    owners = estate.owners_each()
    head = city.user_with("building_head", at=estate.compound)
    topic = Topic.objects.create(place=estate.compound, path=estate.compound.path, title="拆除违建棚子")
    meeting = sm.create_meeting(actor=head, place_id=estate.compound.pk, kind="courtyard", title="院坝会",
                                starts_at=timezone.now(), topic_ids=[topic.pk])
    client.force_login(head)
    client.post(f"/deliberation/meetings/{meeting.pk}/", {"action": "notice"})
    client.post(f"/deliberation/meetings/{meeting.pk}/", {"action": "tick", "resident": [owners["1栋-101"].pk]})
    scans = [{"resident_id": owners["1栋-102"].pk, "nonce": "offline-0001", "scanned_at": "2026-01-01T10:00:00+08:00"}]
    for _ in range(2):  # the phone uploads its queue twice
        r = client.post(f"/api/v1/meetings/{meeting.pk}/sign-ins", json.dumps(scans), content_type="application/json",
                        **api_headers(head))
        assert r.status_code == 200 and r.json()[0]["ok"]
    assert SignIn.objects.filter(meeting=meeting).count() == 2 and Attendance.objects.filter(meeting=meeting).count() == 2
    page = client.get(f"/deliberation/meetings/{meeting.pk}/").content.decode()
    assert "已签到 2 人" in page and "1栋：2" in page
    item = meeting.items.get()
    client.post(f"/deliberation/meetings/{meeting.pk}/", {"action": "minutes", "item": item.pk, "discussion": "多轮劝说",
                                                          "decision": "一周内拆除", "actions": "楼栋长"})
    client.post(f"/deliberation/meetings/{meeting.pk}/", {"action": "approve"})
    meeting.refresh_from_db()
    assert meeting.status == "minutes"
    page = client.get("/deliberation/figures/", {"place": estate.compound.pk, "start": "2020-01-01",
                                                 "end": "2099-12-31"}).content.decode()
    assert "召开会议：1（签到人次 2）" in page and "收集议题：1" in page


def test_staff_make_a_case_a_topic_from_the_topics_page(client, city, django_capture_on_commit_callbacks):
    from linli.cases.models import CaseEvent

    people = city.people("resident", "community_worker")
    case = city.report("resident", "小区垃圾房破旧，门也坏了")
    client.force_login(people["resident"])
    assert 'data-testid="from-case"' not in client.get("/deliberation/topics/").content.decode()
    assert client.post("/deliberation/topics/from-case/", {"case": case.number}).status_code == 302
    assert not Topic.objects.filter(case_id=case.pk).exists()

    client.force_login(people["community_worker"])
    page = client.get("/deliberation/topics/", {"case": case.number}).content.decode()
    assert 'data-testid="from-case" open' in page and f'value="{case.number}"' in page
    r = client.post("/deliberation/topics/from-case/", {"case": "20990101999999"}, follow=True)
    assert "未找到该诉求" in r.content.decode() and not Topic.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/deliberation/topics/from-case/", {"case": case.number, "title": "垃圾房改造"})
    topic = Topic.objects.get(case_id=case.pk)
    assert r.status_code == 302 and r["Location"] == f"/deliberation/topics/{topic.pk}/"
    assert topic.title == "垃圾房改造" and topic.status == "to_schedule"
    assert CaseEvent.objects.filter(case=case, kind="topic", data__topic=topic.pk).count() == 1
    again = client.post("/deliberation/topics/from-case/", {"case": case.number}, follow=True).content.decode()
    assert "该诉求已转为议题" in again and Topic.objects.filter(case_id=case.pk).count() == 1
