"""The printable sign-in sheet of a meeting: for an owners' assembly one row per owner as the
roll counts them (dwellings, area) under the quorum panel, live from the sign-ins; for other
meetings the residents of the place. Staff tick it at the door and sign-ins made so far are
marked."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.scope import allowed
from linli.accounts.views import error_page, render_page
from linli.core.errors import Forbidden, NotFound
from linli.places.models import Resident

from . import selectors_meetings
from .models import Meeting


@login_required
def sign_in_sheet(request, meeting_id: int):
    meeting = Meeting.objects.select_related("place", "convener").filter(pk=meeting_id).first()
    if meeting is None:
        return error_page(request, NotFound(_("未找到该会议"), code="not_found"))
    if not allowed(request.user, "deliberation.convene", meeting):
        return error_page(request, Forbidden(_("您没有权限执行此操作"), code="forbidden"))
    quorum = selectors_meetings.assembly_quorum(meeting)
    residents = []
    if quorum is None:
        signed = set(meeting.attendance.values_list("resident_id", flat=True))
        residents = [(r, r.pk in signed) for r in
                     Resident.objects.filter(path__startswith=meeting.path, lives_here=True).order_by("path", "pk")]
    return render_page(request, "deliberation/sign_in_sheet.html", {
        "meeting": meeting, "quorum": quorum, "residents": residents, "now": timezone.localtime()})
