"""车站社区's 石榴红 points shop as its staff keep it (issue 14 §4): stock that came in later
with its reason (donated by a paired unit, or bought from the community's funds), stock
corrections after a count and a write-off, and a rule of last year switched off. Run after
`points.load_shop` (which made the rules, goods and first stock); every step goes through
the points services as a community worker, at simulated past moments, so the goods pages
show a stock history. Donors and quantities are INVENTED; 麒麟区住建局 pairs with the
community in seed 000. Safe to run twice: a step already recorded is skipped."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from linli.accounts.models import RoleAssignment
from linli.core.actors import SYSTEM
from linli.places.models import Place
from linli.points import services, services_staff
from linli.points.models import EarningRule, Good, StockEntry

from .cases import simulated_clock

# (good, days ago, quantity, source, donor, reason)
STOCK_IN = (
    ("石榴红洗衣液", 15, 20, "donation", "麒麟区住建局", "麒麟区住建局结对共建捐赠（第二批）"),
    ("大米（5公斤）", 12, 10, "purchase", "", "社区公益金采购（2026年第四季度）"),
    ("理发券", 9, 30, "donation", "利台生活小区爱心理发店", "爱心理发店每月捐赠理发券"),
    ("毛巾", 6, 20, "donation", "车站社区成员单位", "成员单位结对共建捐赠"),
)
# (good, days ago, change, reason)
CORRECTIONS = (
    ("毛巾", 5, -2, "仓库受潮，2 条报废"),
    ("牙膏", 3, -1, "月底盘点少 1 支"),
)
OLD_RULE = ("attended", "参加社区活动（2025年标准）", 3)


def _worker(community: Place):
    found = (RoleAssignment.objects.filter(place__path__startswith=community.path, is_active=True,
                                           role__in=["community_worker", "community_secretary"])
             .select_related("user").order_by("place__depth", "id").first())
    return found.user if found else SYSTEM


def load_shop_history(*, now: dt.datetime | None = None) -> dict:
    community = Place.objects.filter(name="车站社区", kind__code="community").first()
    if community is None:
        return {"stock_entries": 0, "rules": 0}
    now = now or timezone.now()
    staff = _worker(community)
    goods = {g.name: g for g in Good.objects.filter(community=community)}
    done = set(StockEntry.objects.filter(good__community=community).exclude(note="")
               .values_list("good__name", "note"))
    entries = 0
    for name, days, quantity, source, donor, reason in STOCK_IN:
        if name in goods and (name, reason) not in done:
            with simulated_clock(now - dt.timedelta(days=days)):
                services_staff.stock_in(actor=staff, good_id=goods[name].pk, quantity=quantity, source=source,
                                        donor=donor, reason=reason)
            entries += 1
    for name, days, delta, reason in CORRECTIONS:
        if name in goods and (name, reason) not in done:
            with simulated_clock(now - dt.timedelta(days=days)):
                services_staff.correct_stock(actor=staff, good_id=goods[name].pk, delta=delta, reason=reason)
            entries += 1
    rules = 0
    trigger, title, points = OLD_RULE
    if not EarningRule.objects.filter(community=community, name=title).exists():
        with simulated_clock(now - dt.timedelta(days=60)):
            rule = services.save_rule(actor=staff, community_id=community.pk, trigger=trigger, name=title,
                                      points=points, daily_cap=3)
            services_staff.set_rule_active(actor=staff, rule_id=rule.pk, active=False,
                                           reason="2026年起按新标准计分")
        rules += 1
    return {"stock_entries": entries, "rules": rules}
