"""The objections page of a vote (询异公示): electors file, staff answer and enter corrected
paper ballots. Thin: parse, call `services_objections`, shape."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from linli.accounts.scope import allowed
from linli.accounts.views import error_page, render_page
from linli.core.errors import DomainError

from . import selectors, services_objections
from .models import Objection


def _choices_from(request, vote) -> dict:
    return {str(m["id"]): request.POST.getlist(f"m{m['id']}") for m in vote.frozen.get("matters", [])
            if request.POST.getlist(f"m{m['id']}")}


@login_required
@require_http_methods(["GET", "POST"])
def objections_page(request, vote_id: int):
    try:
        vote = selectors.vote_for(request.user, vote_id)
    except DomainError as exc:
        return error_page(request, exc)
    errors = []
    if request.method == "POST":
        action = request.POST.get("action")
        oid = int(request.POST["objection"]) if request.POST.get("objection", "").isdigit() else 0
        try:
            if action == "file":
                services_objections.file_objection(
                    actor=request.user, vote_id=vote.pk, text=request.POST.get("text", ""),
                    attachment=request.FILES.get("attachment"),
                    elector_id=int(request.POST["elector"]) if request.POST.get("elector", "").isdigit() else None)
            elif action in ("uphold", "dismiss"):
                services_objections.answer_objection(actor=request.user, objection_id=oid,
                                                     upheld=action == "uphold", reason=request.POST.get("reason", ""))
            elif action == "correct":
                services_objections.enter_corrected_ballot(actor=request.user, objection_id=oid,
                                                           choices=_choices_from(request, vote),
                                                           scan=request.FILES.get("scan"))
            return redirect("deliberation:objections", vote_id=vote.pk)
        except DomainError as exc:
            errors = exc.as_list()
    can_manage = allowed(request.user, "deliberation.convene", vote)
    electors = list(selectors.my_electors(request.user, vote))
    mine = Objection.objects.filter(vote=vote, elector__in=electors).select_related("elector")
    return render_page(request, "deliberation/objections.html", {
        "vote": vote, "errors": errors, "electors": electors, "mine": mine, "can_manage": can_manage,
        "all": Objection.objects.filter(vote=vote).select_related("elector") if can_manage else [],
        "can_file": services_objections.in_objection_period(vote) and electors,
        "matters": vote.frozen.get("matters", []),
    }, status=400 if errors else 200)
