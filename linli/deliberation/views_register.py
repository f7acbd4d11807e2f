"""The register of paper ballots issued and returned (发放与回收登记), printable: per building
issued / returned / not returned, the list, the history of issues; staff mark sheets handed
out here, and printing the sheets records them as issued (views.paper_ballots_page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from linli.accounts.scope import allowed
from linli.accounts.views import error_page, render_page
from linli.core.errors import DomainError, Forbidden

from . import selectors, selectors_register, services


def staff_vote(request, vote_id: int):
    vote = selectors.vote_for(request.user, vote_id)
    if not allowed(request.user, "deliberation.convene", vote):
        raise Forbidden(_("您没有权限执行此操作"), code="forbidden")
    if not vote.is_frozen:
        raise Forbidden(_("表决尚未公告"), code="not_frozen")
    return vote


@login_required
@require_http_methods(["GET", "POST"])
def register_page(request, vote_id: int):
    try:
        vote = staff_vote(request, vote_id)
    except DomainError as exc:
        return error_page(request, exc)
    errors = []
    if request.method == "POST":
        codes = request.POST.get("codes", "").replace("，", ",").replace(" ", ",").split(",")
        try:
            rows = services.issue_sheets(actor=request.user, vote_id=vote.pk, kind="handed",
                                         elector_ids=[int(x) for x in request.POST.getlist("elector") if x.isdigit()],
                                         codes=[c for c in codes if c.strip()],
                                         handed_to=request.POST.get("handed_to", ""))
            messages.success(request, _("已登记发放 %(n)s 张纸质票") % {"n": len(rows)})
            return redirect("deliberation:register", vote_id=vote.pk)
        except DomainError as exc:
            errors = exc.as_list()
    register = selectors_register.ballot_register(vote)
    return render_page(request, "deliberation/register.html", {
        "vote": vote, "errors": errors, "can_issue": vote.status in (vote.Status.NOTICE, vote.Status.OPEN),
        "handed_to": request.POST.get("handed_to", ""), "codes": request.POST.get("codes", ""), **register,
    }, status=400 if errors else 200)
