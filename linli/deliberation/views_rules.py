"""The rules of procedure page (议事规则): community staff and the street see and set the rules of
a community, grid or compound in their scope; a place without its own rules shows the ones it
follows (an ancestor's, or the defaults)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from linli.accounts.roles import Verb
from linli.accounts.scope import scoped
from linli.accounts.views import error_page, render_page
from linli.core.errors import DomainError, Forbidden, NotFound
from linli.places.models import Place

from . import services_rules
from .selectors_rules import rules_for


def rule_places(user):
    return (scoped(user, Place.objects.filter(kind__code__in=services_rules.RULE_PLACE_KINDS), Verb.DELIBERATION_RULES)
            .select_related("kind").order_by("path")[:300])


@login_required
@require_http_methods(["GET", "POST"])
def rules_page(request):
    places = list(rule_places(request.user))
    if not places:
        return error_page(request, Forbidden(_("您没有权限执行此操作"), code="forbidden"))
    wanted = request.POST.get("place_id") or request.GET.get("place")
    chosen = next((p for p in places if str(p.pk) == str(wanted)), None) if wanted else places[0]
    if chosen is None:
        return error_page(request, NotFound(_("未找到该记录，或不在您的管辖范围内"), code="not_found"))
    errors, values = [], None
    if request.method == "POST":
        P = values = request.POST
        try:
            services_rules.set_procedure_rules(
                actor=request.user, place_id=chosen.pk, support_threshold=P.get("support_threshold"),
                owners_notice_days=P.get("owners_notice_days"), other_notice_days=P.get("other_notice_days"),
                assembly_quorum_num=P.get("assembly_quorum_num"), assembly_quorum_den=P.get("assembly_quorum_den"))
            messages.success(request, _("议事规则已保存"))
            return redirect(f"{request.path}?place={chosen.pk}")
        except DomainError as exc:
            errors = exc.as_list()
    rules = rules_for(chosen)
    if values is None:
        values = {"support_threshold": rules.support_threshold, "owners_notice_days": rules.owners_notice_days,
                  "other_notice_days": rules.other_notice_days,
                  "assembly_quorum_num": rules.quorum_num if rules.stricter_quorum else "",
                  "assembly_quorum_den": rules.quorum_den if rules.stricter_quorum else ""}
    return render_page(request, "deliberation/rules.html", {
        "places": places, "chosen": chosen, "rules": rules, "values": values, "errors": errors,
        "field_errors": {e.get("field"): e["message"] for e in errors if e.get("field")},
        "own": rules.source is not None and rules.source.place_id == chosen.pk,
    }, status=400 if errors else 200)
