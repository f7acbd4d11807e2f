"""Setting a place's rules of procedure (议事规则): community staff and the street, in scope,
with field errors; every change audited with the values before and after."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from linli.accounts.roles import Verb
from linli.accounts.scope import require
from linli.core.audit import record_audit
from linli.core.errors import Invalid, NotFound
from linli.places.models import Place

from .models import ProcedureRules
from .selectors_rules import forget

RULE_PLACE_KINDS = ("community", "grid", "compound")
FIELDS = ("support_threshold", "owners_notice_days", "other_notice_days", "assembly_quorum_num",
          "assembly_quorum_den")


def _whole(value, field: str, lo: int, hi: int, message: str, errors: list) -> int | None:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        errors.append({"field": field, "code": "not_a_number", "message": _("请填写整数")})
        return None
    if not lo <= n <= hi:
        errors.append({"field": field, "code": "out_of_range", "message": message})
        return None
    return n


@transaction.atomic
def set_procedure_rules(*, actor, place_id: int, support_threshold, owners_notice_days, other_notice_days,
                        assembly_quorum_num=None, assembly_quorum_den=None) -> ProcedureRules:
    """Create or change the rules of a community, grid or compound. An owners' assembly's
    quorum may be left empty (the law's two thirds) or set stricter; never looser."""
    place = Place.objects.select_related("kind").filter(pk=place_id).first()
    if place is None:
        raise NotFound(_("未找到该地点"), code="not_found", field="place_id")
    require(actor, Verb.DELIBERATION_RULES, place)
    if place.kind.code not in RULE_PLACE_KINDS:
        raise Invalid(_("议事规则只能为社区、网格或小区制定"), code="wrong_place_kind", field="place_id")
    errors: list[dict] = []
    support = _whole(support_threshold, "support_threshold", 1, 1000, _("附议门槛须在 1 到 1000 人之间"), errors)
    owners_days = _whole(owners_notice_days, "owners_notice_days", 0, 90, _("提前通知天数须在 0 到 90 天之间"), errors)
    other_days = _whole(other_notice_days, "other_notice_days", 0, 90, _("提前通知天数须在 0 到 90 天之间"), errors)
    blank = [v is None or str(v).strip() == "" for v in (assembly_quorum_num, assembly_quorum_den)]
    num = den = None
    if blank == [False, True]:
        errors.append({"field": "assembly_quorum_den", "code": "required", "message": _("请同时填写分母")})
    elif blank == [True, False]:
        errors.append({"field": "assembly_quorum_num", "code": "required", "message": _("请同时填写分子")})
    elif blank == [False, False]:
        num = _whole(assembly_quorum_num, "assembly_quorum_num", 1, 100, _("分子须在 1 到 100 之间"), errors)
        den = _whole(assembly_quorum_den, "assembly_quorum_den", 1, 100, _("分母须在 1 到 100 之间"), errors)
        if num is not None and den is not None:
            if num > den:
                errors.append({"field": "assembly_quorum_num", "code": "more_than_all",
                               "message": _("到会门槛不能超过全体业主")})
            elif num * 3 < den * 2:  # cross-multiplied: num/den < 2/3
                errors.append({"field": "assembly_quorum_num", "code": "looser_than_law",
                               "message": _("到会门槛不能低于《民法典》第二百七十八条规定的三分之二")})
    if errors:
        raise Invalid(errors[0]["message"], errors=errors)
    row = ProcedureRules.objects.select_for_update().filter(place=place).first()
    before = {f: getattr(row, f) for f in FIELDS} if row else None
    if row is None:
        row = ProcedureRules(place=place, path=place.path)
    row.support_threshold, row.owners_notice_days, row.other_notice_days = support, owners_days, other_days
    row.assembly_quorum_num, row.assembly_quorum_den = num, den
    row.updated_by = actor if getattr(actor, "pk", None) else None
    row.save()
    record_audit(actor=actor, action="deliberation.set_rules", target=place,
                 data={"before": before, "after": {f: getattr(row, f) for f in FIELDS}})
    forget(place)
    return row
