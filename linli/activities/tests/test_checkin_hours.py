"""Check-in (offline scans with a nonce, accepted once; failed and duplicate scans logged;
the venue's minute code), hours verified by the organiser, corrections, manual hours; and
the points that follow through domain events."""

from datetime import timedelta

import pytest
from django.utils import timezone

from linli.activities import services
from linli.activities.models import Participation, Scan
from linli.core.actors import SYSTEM
from linli.core.errors import Conflict, Invalid
from linli.core.models import AuditEntry
from linli.points import services as points
from linli.points.models import Award, PointAccount

from .conftest import make_activity

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(city, residents):
    """An activity that started ten minutes ago, two people confirmed before it began."""
    a = make_activity(city, capacity=5, points=8)
    ps = [services.sign_up(actor=r, activity_id=a.pk) for r in residents[:2]]
    start = timezone.now() - timedelta(minutes=10)
    type(a).objects.filter(pk=a.pk).update(starts_at=start, ends_at=start + timedelta(hours=2))
    a.refresh_from_db()
    return a, ps


def scan(p, nonce, at=None):
    return {"nonce": nonce, "ticket": services.ticket_for(p), "scanned_at": (at or timezone.now()).isoformat()}


def test_offline_scans_are_accepted_once_and_bad_ones_logged(running, organiser, django_capture_on_commit_callbacks):
    a, (p1, p2) = running
    taken_at = timezone.now() - timedelta(minutes=3)
    batch = [scan(p1, "nonce-aaaa-0001", taken_at), scan(p1, "nonce-aaaa-0002"),
             {"nonce": "nonce-aaaa-0003", "ticket": "LL999-forged", "scanned_at": timezone.now().isoformat()}]
    with django_capture_on_commit_callbacks(execute=True):
        first = services.upload_scans(actor=organiser, activity_id=a.pk, scans=batch)
    assert [s.result for s in first] == ["accepted", "duplicate", "failed"]
    again = services.upload_scans(actor=organiser, activity_id=a.pk, scans=batch)  # the phone retries
    assert [s.pk for s in again] == [s.pk for s in first]
    assert Scan.objects.count() == 3
    p1.refresh_from_db()
    assert p1.status == "attended"
    assert abs((p1.checked_in_at - taken_at).total_seconds()) < 1  # the scan time, not the upload time
    assert first[0].at >= first[0].scanned_at


def test_scan_needs_checkin_scope_and_valid_input(running, city):
    a, (p1, _p2) = running
    stranger = city.user_with("volunteer", at=city.other_grid)
    with pytest.raises(Exception) as err:
        services.upload_scans(actor=stranger, activity_id=a.pk, scans=[scan(p1, "nonce-bbbb-0001")])
    assert getattr(err.value, "code", "") == "not_found"
    volunteer = city.user_with("volunteer", at=city.community)
    with pytest.raises(Invalid) as err:
        services.upload_scans(actor=volunteer, activity_id=a.pk, scans=[{"nonce": "x", "ticket": "", "scanned_at": ""}])
    assert err.value.code == "nonce_invalid"


def test_self_check_in_code_changes_every_minute(running, residents):
    a, (p1, p2) = running
    stale = services.self_code(a, timezone.now() - timedelta(minutes=2))
    if stale not in (services.self_code(a), services.self_code(a, timezone.now() - timedelta(minutes=1))):
        with pytest.raises(Invalid) as err:
            services.self_check_in(actor=residents[0], activity_id=a.pk, code=stale)
        assert err.value.code == "self_code_invalid"
    got = services.self_check_in(actor=residents[0], activity_id=a.pk, code=services.self_code(a))
    assert (got.result, got.method) == ("accepted", "self")
    again = services.self_check_in(actor=residents[0], activity_id=a.pk, code=services.self_code(a))
    assert again.result == "duplicate"
    with pytest.raises(Conflict):
        services.self_check_in(actor=residents[4], activity_id=a.pk, code=services.self_code(a))


def test_hours_are_verified_after_the_end_and_earn_points(city, running, organiser, residents,
                                                         django_capture_on_commit_callbacks):
    for trigger, points_each in (("attended", 5), ("service_hour", 10)):
        points.save_rule(actor=SYSTEM, community_id=city.community.pk, trigger=trigger, name=trigger,
                         points=points_each)
    a, (p1, _p2) = running
    with django_capture_on_commit_callbacks(execute=True):
        services.upload_scans(actor=organiser, activity_id=a.pk, scans=[scan(p1, "nonce-cccc-0001",
                                                                             a.starts_at)])
    assert Award.objects.get().status == "pending"
    with pytest.raises(Conflict) as err:
        services.verify_hours(actor=organiser, participation_id=p1.pk)
    assert err.value.code == "activity_not_ended"
    type(a).objects.filter(pk=a.pk).update(starts_at=a.starts_at - timedelta(hours=3),
                                           ends_at=a.ends_at - timedelta(hours=3))
    Participation.objects.filter(pk=p1.pk).update(checked_in_at=a.starts_at - timedelta(hours=3))
    with django_capture_on_commit_callbacks(execute=True):
        p = services.verify_hours(actor=organiser, participation_id=p1.pk)
    assert p.verified_minutes == 120
    with pytest.raises(Conflict):
        services.verify_hours(actor=organiser, participation_id=p1.pk)
    account = PointAccount.objects.get(owner=residents[0])
    assert account.balance == 8 + 2 * 10  # the activity's own 8 points for attending, 2 hours × 10
    # the volunteer asks for a correction; the organiser accepts; the extra hour earns too
    c = services.request_correction(actor=residents[0], participation_id=p1.pk, minutes=180, reason="提前一小时布置场地")
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_correction(actor=organiser, correction_id=c.pk, accept=True)
    account.refresh_from_db()
    assert account.balance == 8 + 3 * 10
    assert AuditEntry.objects.filter(kind="activities.correct_hours").count() == 1
    c2 = services.request_correction(actor=residents[0], participation_id=p1.pk, minutes=600, reason="还有")
    with pytest.raises(Invalid):
        services.answer_correction(actor=organiser, correction_id=c2.pk, accept=False)
    services.answer_correction(actor=organiser, correction_id=c2.pk, accept=False, answer="签退记录为三小时")


def test_manual_hours_need_a_reason_and_are_audited(city, organiser, residents):
    with pytest.raises(Invalid):
        services.add_manual_hours(actor=organiser, person_id=residents[0].pk, community_id=city.community.pk,
                                  minutes=60, served_on=timezone.localdate(), reason="")
    services.add_manual_hours(actor=organiser, person_id=residents[0].pk, community_id=city.community.pk,
                              minutes=60, served_on=timezone.localdate(), reason="防汛值守（纸质签到表）")
    assert AuditEntry.objects.filter(kind="activities.manual_hours").count() == 1


def test_no_shows_after_the_end(city, running):
    a, (p1, p2) = running
    assert services.mark_no_shows(now=a.ends_at + timedelta(days=2)) == 2
    assert set(Participation.objects.values_list("status", flat=True)) == {"no_show"}
