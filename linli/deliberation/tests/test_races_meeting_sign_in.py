"""Races on PostgreSQL: two phones (or one phone retrying) upload sign-ins for the same meeting
at once — the same queue twice, and different scans of the same person. Every upload waits on
the meeting's row lock; each nonce is answered once and each person has one attendance."""

import pytest
from django.utils import timezone

from linli.deliberation import services_meetings as sm
from linli.deliberation import services_sign_in as ssi
from linli.deliberation.models import Attendance, Meeting, SignIn
from linli.testing import fresh_user, oks, race_behind_a_lock, row_lock

from .estate import Estate

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_concurrent_uploads_answer_each_nonce_once_and_keep_one_record_per_person(city):
    estate = Estate(city, {"1栋": [("101", "90"), ("102", "90")]})
    owners = estate.owners_each()
    staff = city.person("grid_worker")
    meeting = sm.create_meeting(actor=staff, place_id=estate.compound.pk, kind="courtyard", title="院坝会",
                                starts_at=timezone.now())
    sm.publish_meeting_notice(actor=staff, meeting_id=meeting.pk)
    at = timezone.now().isoformat()
    a, b = (ssi.ticket_for(meeting, owners[k]) for k in ("1栋-101", "1栋-102"))
    queue = [{"nonce": "race-queue-01", "ticket": a, "scanned_at": at},
             {"nonce": "race-queue-02", "ticket": b, "scanned_at": at}]
    other_phone = [{"nonce": "race-other-01", "ticket": a, "scanned_at": at}]  # 业主1 scanned on a second phone

    def upload(scans):
        return lambda: ssi.upload_scans(actor=fresh_user(staff), meeting_id=meeting.pk, scans=scans)

    results, waited = race_behind_a_lock(row_lock(Meeting, meeting.pk),
                                         [upload(queue), upload(queue), upload(queue), upload(other_phone)])
    assert waited == 4
    answers = oks(results)
    assert answers[0] == answers[1] == answers[2]  # the same queue three times: the same answers
    assert SignIn.objects.filter(meeting=meeting).count() == 3
    assert sorted(SignIn.objects.values_list("result", flat=True)) == ["accepted", "accepted", "duplicate"]
    assert Attendance.objects.filter(meeting=meeting).count() == 2
