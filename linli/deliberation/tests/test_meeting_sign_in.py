"""QR sign-in at a meeting: the invitee's signed ticket, the staff phone's upload (accepted,
duplicate, failed, each answered once and kept), merged with ticks into one record per person;
the notice and the minutes reach the invited."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from linli.deliberation import services_meetings as sm
from linli.deliberation import services_sign_in as ssi
from linli.deliberation.models import Attendance, SignIn
from linli.notify.models import Notification
from linli.testing import api_headers

from .estate import Estate

pytestmark = pytest.mark.django_db


@pytest.fixture
def estate(city):
    return Estate(city, {"1栋": [("101", "90"), ("102", "90")], "2栋": [("101", "90")]})


def _meeting(estate, convener, *, invite=None, title="院坝会"):
    households = [r.household_id for r in invite] if invite else []
    m = sm.create_meeting(actor=convener, place_id=estate.compound.pk, kind="courtyard", title=title,
                          starts_at=timezone.now(), household_ids=households)
    sm.publish_meeting_notice(actor=convener, meeting_id=m.pk)
    return m


def _post(client, user, meeting, scans):
    return client.post(f"/api/v1/meetings/{meeting.pk}/sign-ins", json.dumps(scans), content_type="application/json",
                       **api_headers(user))


def test_tickets_are_signed_per_meeting_and_person(estate, city):
    owners = estate.owners_each()
    head = city.user_with("building_head", at=estate.compound)
    m1, m2 = _meeting(estate, head), _meeting(estate, head, title="第二次院坝会")
    r = owners["1栋-101"]
    t = ssi.ticket_for(m1, r)
    assert ssi.read_ticket(t) == (m1.pk, r.pk)
    assert ssi.read_ticket(t.replace(f".{r.pk}-", f".{owners['1栋-102'].pk}-")) is None  # another person's id
    assert ssi.read_ticket(ssi.ticket_for(m2, r)) == (m2.pk, r.pk) != ssi.read_ticket(t)
    assert ssi.read_ticket("LL12-0123456789abcdef") is None  # an activity's ticket


def test_upload_answers_each_scan_once_and_logs_failed_and_duplicate(client, estate, city):
    owners = estate.owners_each()
    head = city.user_with("building_head", at=estate.compound)
    meeting, other = _meeting(estate, head), _meeting(estate, head, title="别的会")
    a, b = owners["1栋-101"], owners["2栋-101"]
    scanned = timezone.now() - dt.timedelta(minutes=40)
    at = scanned.isoformat()
    scans = [{"nonce": "n-accept-01", "ticket": ssi.ticket_for(meeting, a), "scanned_at": at},
             {"nonce": "n-again-002", "ticket": ssi.ticket_for(meeting, a), "scanned_at": at},   # held in view twice
             {"nonce": "n-wrong-003", "ticket": ssi.ticket_for(other, b), "scanned_at": at},     # another meeting's
             {"nonce": "n-forge-004", "ticket": ssi.ticket_for(meeting, b)[:-1] + "0", "scanned_at": at}]
    first = _post(client, head, meeting, scans)
    assert first.status_code == 200
    assert [(x["result"], x["person"]) for x in first.json()] == [
        ("accepted", "业主1"), ("duplicate", "业主1"), ("failed", None), ("failed", None)]
    assert "不属于本次会议" in first.json()[2]["message"]
    # The answer was lost; the phone uploads the same queue again: same answers, nothing new.
    again = _post(client, head, meeting, scans)
    assert again.json() == first.json()
    assert SignIn.objects.filter(meeting=meeting).count() == 4
    assert sorted(SignIn.objects.filter(meeting=meeting).values_list("result", flat=True)) == [
        "accepted", "duplicate", "failed", "failed"]
    att = Attendance.objects.get(meeting=meeting)
    assert att.resident_id == a.pk and att.first_at == scanned and att.methods == "qr"
    s = SignIn.objects.get(nonce="n-accept-01")
    assert s.scanned_at == scanned and s.at > scanned + dt.timedelta(minutes=30)  # scan time apart from upload time
    # A nonce already used at another meeting is not taken over.
    assert _post(client, head, other, scans[:1]).json()[0]["result"] == "failed"
    assert not Attendance.objects.filter(meeting=other).exists()


def test_the_tick_and_the_qr_merge_into_one_record(client, estate, city):
    owners = estate.owners_each()
    head = city.user_with("building_head", at=estate.compound)
    meeting = _meeting(estate, head)
    a = owners["1栋-102"]
    client.force_login(head)
    client.post(f"/deliberation/meetings/{meeting.pk}/", {"action": "tick", "resident": [a.pk]})
    ticked = Attendance.objects.get(meeting=meeting, resident=a).first_at
    earlier = ticked - dt.timedelta(minutes=10)  # scanned offline before the tick, uploaded after it
    r = _post(client, head, meeting, [{"nonce": "late-upload-1", "ticket": ssi.ticket_for(meeting, a),
                                       "scanned_at": earlier.isoformat()}])
    assert r.json()[0]["result"] == "duplicate"
    att = Attendance.objects.get(meeting=meeting, resident=a)
    assert Attendance.objects.filter(meeting=meeting).count() == 1
    assert att.methods == "list,qr" and att.first_at == earlier


def test_only_the_convener_side_uploads_and_sees_the_scanner(client, estate, city):
    owners = estate.owners_each()
    head = city.user_with("building_head", at=estate.compound)
    meeting = _meeting(estate, head)
    resident = estate.user(owners["1栋-101"])
    elsewhere = city.person("other_grid_worker")
    scans = [{"nonce": "n-outsider-1", "ticket": ssi.ticket_for(meeting, owners["1栋-101"]),
              "scanned_at": timezone.now().isoformat()}]
    for who in (resident, elsewhere):
        assert _post(client, who, meeting, scans).status_code in (403, 404)
        client.force_login(who)
        assert client.get(f"/deliberation/meetings/{meeting.pk}/scan/").status_code in (403, 404)
    assert not SignIn.objects.exists()
    client.force_login(head)
    page = client.get(f"/deliberation/meetings/{meeting.pk}/scan/").content.decode()
    assert 'data-store="linli-meeting-scans-' in page and f"/api/v1/meetings/{meeting.pk}/sign-ins" in page


def test_the_ticket_on_the_invitees_page_and_the_notices_in_their_inbox(client, estate, city):
    owners = estate.owners_each()
    head = city.user_with("building_head", at=estate.compound)
    invited, not_invited = estate.user(owners["1栋-101"]), estate.user(owners["2栋-101"])
    meeting = sm.create_meeting(actor=head, place_id=estate.compound.pk, kind="courtyard", title="楼道扶手院坝会",
                                starts_at=timezone.now(), household_ids=[owners["1栋-101"].household_id])
    client.force_login(invited)
    assert "我的签到码" not in client.get(f"/deliberation/meetings/{meeting.pk}/").content.decode()  # not announced
    sm.publish_meeting_notice(actor=head, meeting_id=meeting.pk)
    page = client.get(f"/deliberation/meetings/{meeting.pk}/").content.decode()
    assert "我的签到码" in page and ssi.ticket_for(meeting, owners["1栋-101"]) in page
    client.force_login(not_invited)
    assert "我的签到码" not in client.get(f"/deliberation/meetings/{meeting.pk}/").content.decode()
    assert list(Notification.objects.filter(kind="meeting_notice").values_list("recipient", flat=True)) == [invited.pk]
    assert "楼道扶手院坝会" in Notification.objects.get(kind="meeting_notice").text


def test_a_qr_scan_counts_only_when_taken_around_the_meeting(client, estate, city):
    owners = estate.owners_each()
    head = city.user_with("building_head", at=estate.compound)
    meeting = _meeting(estate, head)
    r = owners["1栋-101"]
    ticket = ssi.ticket_for(meeting, r)
    early = meeting.starts_at - dt.timedelta(hours=2, minutes=1)  # shown to staff the day the notice went up
    answers = _post(client, head, meeting, [
        {"nonce": "too-early-01", "ticket": ticket, "scanned_at": early.isoformat()},
        {"nonce": "just-right-1", "ticket": ticket, "scanned_at": (early + dt.timedelta(minutes=2)).isoformat()}]).json()
    assert [(x["result"], x["message"]) for x in answers] == [("failed", "扫码时间不在会议时段内"), ("accepted", "")]
    assert Attendance.objects.get(meeting=meeting).first_at == early + dt.timedelta(minutes=2)


def test_the_scanner_page_does_not_grow_its_queries_with_the_sign_ins(client, estate, city):
    from linli.testing import same_queries

    owners = list(estate.owners_each().values())
    head = city.user_with("building_head", at=estate.compound)
    meeting = _meeting(estate, head)
    at = timezone.now().isoformat()

    def scans(first, n):
        return [{"nonce": f"grow-{i:06d}", "ticket": ssi.ticket_for(meeting, owners[i % len(owners)]),
                 "scanned_at": at} for i in range(first, first + n)]

    _post(client, head, meeting, scans(0, 3))
    client.force_login(head)
    url = f"/deliberation/meetings/{meeting.pk}/scan/"
    # (grow through the service: a request in between would reset the captured query log)
    page = same_queries(lambda: client.get(url),
                        lambda: ssi.upload_scans(actor=head, meeting_id=meeting.pk, scans=scans(3, 30))).content.decode()
    assert page.count("scan-duplicate") == 30  # the page lists the newest 50 of the 33
