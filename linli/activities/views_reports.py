"""Quarterly service reports for a registered party member's employer (issue 14 §3): what
the member did, itemised, as a printable page or an xlsx (?format=xlsx). Same verb and
scope as the unit's report."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from linli.accounts.roles import Verb
from linli.accounts.scope import get_scoped
from linli.accounts.views import error_page, render_page
from linli.core.errors import DomainError

from . import selectors
from .models import MemberRegistration
from .views import _int, xlsx_response


def _period(request) -> tuple[int, int]:
    """Year and quarter from the query; the current quarter by default, the last one of
    another year given without a quarter."""
    today = timezone.localdate()
    now_q = (today.month - 1) // 3 + 1
    year = _int(request.GET.get("year")) if request.GET.get("year") else today.year
    if request.GET.get("quarter"):
        quarter = _int(request.GET.get("quarter"))
    else:
        quarter = now_q if year == today.year else 4
    if not (2000 <= year <= 2100 and 1 <= quarter <= 4):
        return today.year, now_q
    return year, quarter


@never_cache
@login_required
@require_GET
def member_report(request, pk: int):
    """A registered member's quarterly service report: printable, or xlsx (?format=xlsx)."""
    try:
        member = get_scoped(request.user, MemberRegistration.objects.select_related("unit", "grid"),
                            Verb.VOLUNTEER_MANAGE, pk=pk)
    except DomainError as exc:
        return error_page(request, exc)
    year, quarter = _period(request)
    report = selectors.member_quarterly_report(member, year=year, quarter=quarter)
    if request.GET.get("format") == "xlsx":
        return _member_xlsx(report)
    return render_page(request, "activities/member_report.html", {"report": report})


def _member_xlsx(report):
    m = report["member"]
    title = f"{report['year']}Q{report['quarter']}"
    rows = [[_("%(name)s %(year)s年第%(q)s季度到社区报到服务情况") % {
                "name": m.name, "year": report["year"], "q": report["quarter"]}],
            [_("工作单位"), m.unit.name if m.unit else "", _("所在党支部"), m.party_branch, _("服务网格"), m.grid.name],
            [],
            [_("参加活动")], [_("日期"), _("活动"), _("地点"), _("核定时长（分钟）")]]
    rows += [[a["date"], a["title"], a["place"], a["minutes"]] for a in report["activities"]]
    rows += [[], [_("手工登记时长")], [_("服务日期"), _("时长（分钟）"), _("理由")]]
    rows += [[h["date"], h["minutes"], h["reason"]] for h in report["manual"]]
    rows += [[], [_("认领岗位")], [_("认领日期"), _("岗位或需求"), _("网格"), _("完成日期")]]
    rows += [[c["claimed_on"], c["post"], c["grid"], c["done_on"]] for c in report["claims"]]
    rows += [[], [_("合计")],
             [_("参加活动"), len(report["activities"])],
             [_("服务时长（小时）"), report["hours"]],
             [_("认领岗位"), report["posts_claimed"]],
             [_("已完成岗位"), report["posts_done"]]]
    return xlsx_response(title, rows, f"member-{m.pk}-{title}.xlsx")
