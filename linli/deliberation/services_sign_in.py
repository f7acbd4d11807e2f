"""QR sign-in at a meeting: the invitee's signed ticket, and the staff phone's queue of scans
uploaded when the network is back. Each scan carries the nonce the phone made and the time it
was taken; it is answered once (accepted, duplicate or failed) and the answer is kept, so an
upload retried after a lost answer gets the same answer and changes nothing. Accepted scans go
through `services_meetings.sign_in`, which merges them with the ticks on the printed list into
one attendance record per person."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from linli.accounts.scope import require
from linli.core.errors import DomainError, Invalid, NotFound
from linli.core.history import record
from linli.places.models import Resident

from . import services_meetings
from .models import Meeting, SignIn

PREFIX = "LM"  # activities' tickets start with "LL": a ticket scanned at the wrong kind of event fails
# A QR scan counts when it was taken from two hours before the start to twelve hours after (a
# meeting has no end time); the scan time decides, not when the phone got the network back.
BEFORE, AFTER = dt.timedelta(hours=2), dt.timedelta(hours=12)


def _key() -> bytes:
    return hashlib.sha256(("linli-meeting-ticket:" + settings.SECRET_KEY).encode()).digest()


def _mac(meeting_id: int, resident_id: int) -> str:
    return hmac.new(_key(), f"meeting:{meeting_id}:{resident_id}".encode(), hashlib.sha256).hexdigest()[:16]


def ticket_for(meeting: Meeting, resident: Resident) -> str:
    """What the invitee's QR code says: the meeting, the person and a MAC over both."""
    return f"{PREFIX}{meeting.pk}.{resident.pk}-{_mac(meeting.pk, resident.pk)}"


def read_ticket(ticket: str) -> tuple[int, int] | None:
    """(meeting id, resident id) of a genuine ticket, else None."""
    ticket = (ticket or "").strip()
    if not ticket.startswith(PREFIX) or "-" not in ticket:
        return None
    ids, _dash, mac = ticket[len(PREFIX):].partition("-")
    meeting_id, _dot, resident_id = ids.partition(".")
    if not (meeting_id.isdigit() and resident_id.isdigit()) or len(ids) > 40:
        return None
    if not hmac.compare_digest(_mac(int(meeting_id), int(resident_id)), mac):
        return None
    return int(meeting_id), int(resident_id)


def my_ticket(user, meeting: Meeting) -> str | None:
    """The signed-in resident's ticket, while the meeting is announced or under way and they
    are invited (or, where no household was named, live under its place)."""
    resident = getattr(user, "resident", None)
    if meeting.status not in (Meeting.Status.NOTICE, Meeting.Status.HELD):
        return None
    if not services_meetings.is_invited(meeting, resident):
        return None
    return ticket_for(meeting, resident)


def _answer(s: SignIn) -> dict:
    return {"nonce": s.nonce, "result": s.result, "ok": s.result != SignIn.Result.FAILED,
            "person": s.resident.name if s.resident_id else None, "message": s.note}


@transaction.atomic
def _one_scan(*, actor, meeting_id: int, nonce: str, ticket: str, resident_id: int | None, method: str,
              scanned_at: dt.datetime | None) -> dict:
    meeting = Meeting.objects.select_for_update().get(pk=meeting_id)  # one upload at a time per meeting
    existing = SignIn.objects.select_related("resident").filter(nonce=nonce).first()
    if existing is not None:
        if existing.meeting_id != meeting.pk:
            return {"nonce": nonce, "result": SignIn.Result.FAILED, "ok": False, "person": None,
                    "message": _("签到标识已被使用")}
        return _answer(existing)  # a retried upload: the first answer, nothing changes
    reason = ""
    if ticket:
        read = read_ticket(ticket)
        if read is None or read[0] != meeting.pk:
            reason = _("二维码无效或不属于本次会议")
        else:
            resident_id = read[1]
    elif resident_id is None:
        reason = _("没有签到码")
    now = timezone.now()
    if not reason and (scanned_at is None or scanned_at > now + dt.timedelta(minutes=5)):
        reason = _("扫码时间无效")
    elif not reason and ticket and not (meeting.starts_at - BEFORE <= scanned_at <= meeting.starts_at + AFTER):
        reason = _("扫码时间不在会议时段内")
    if not reason:
        try:
            with transaction.atomic():
                services_meetings.sign_in(actor=actor, meeting_id=meeting.pk, resident_id=resident_id, method=method,
                                          nonce=nonce, scanned_at=scanned_at)
            return _answer(SignIn.objects.select_related("resident").get(nonce=nonce))
        except DomainError as exc:
            reason = str(exc.message)
    try:
        with transaction.atomic():
            failed = record(SignIn, actor=actor, kind=method if method in ("qr", "list") else "qr", path=meeting.path,
                            note=reason, data={"ticket": (ticket or "")[:64]}, meeting=meeting, resident=None,
                            nonce=nonce, scanned_at=scanned_at or now, result=SignIn.Result.FAILED)
    except IntegrityError:  # the same nonce arrived twice at once: the first is the answer
        return {"nonce": nonce, "result": SignIn.Result.FAILED, "ok": False, "person": None,
                "message": _("该扫码记录正在处理")}
    return _answer(failed)


def upload_scans(*, actor, meeting_id: int, scans: list[dict]) -> list[dict]:
    """The staff phone uploads its queue. Each scan is its own transaction, so one bad scan
    does not lose the others; failed and duplicate scans are kept and answered too."""
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(_("未找到该会议"), code="not_found", field="meeting_id")
    require(actor, "deliberation.convene", meeting)
    if len(scans) > 500:
        raise Invalid(_("一次最多上传 500 条扫码记录"), code="too_many_scans", field="scans")
    out = []
    for i, scan in enumerate(scans):
        nonce = str(scan.get("nonce") or "").strip()
        if not 8 <= len(nonce) <= 64:
            raise Invalid(_("签到标识无效"), code="invalid_nonce", field=f"scans.{i}.nonce")
        at = scan.get("scanned_at")
        at = parse_datetime(at) if isinstance(at, str) else at
        if at is not None and timezone.is_naive(at):
            at = timezone.make_aware(at)
        out.append(_one_scan(actor=actor, meeting_id=meeting.pk, nonce=nonce, ticket=str(scan.get("ticket") or ""),
                             resident_id=scan.get("resident_id"), method=scan.get("method") or "qr", scanned_at=at))
    return out
