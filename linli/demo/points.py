"""Points in the demo city, from seed 000: 麒麟区建宁街道车站社区's "石榴红" points, earned by
taking part in activities, mediating disputes, serving residents and giving tips, and spent
in its points shop (积分超市). Rules for 金湖 平安社区 too, so its 80 activities pay.
Goods and donors are INVENTED (everyday goods; 麒麟区住建局 pairs with the community in 000)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from linli.accounts.models import RoleAssignment, User
from linli.core.actors import SYSTEM
from linli.places.models import Place
from linli.points import services

from .cases import simulated_clock

GOODS = (("石榴红洗衣液", 30, 40, "麒麟区住建局"), ("食用油（5升）", 80, 20, ""), ("大米（5公斤）", 60, 30, ""),
         ("毛巾", 15, 60, "车站社区成员单位"), ("牙膏", 10, 80, ""), ("保温杯", 50, 15, "麒麟区住建局"),
         ("理发券", 20, 50, "利台生活小区爱心理发店"))
RULES = (("attended", "参加社区活动", 5, None, None), ("service_hour", "志愿服务每小时", 10, None, None),
         ("verified_tip", "线索提供（反映问题获核实办结）", 20, None, 100))


def load_rules() -> int:
    """Earning rules, before the activities so their events pay."""
    n = 0
    for name, valid_days in (("车站社区", 365), ("平安社区", None)):
        community = Place.objects.filter(name=name, kind__code="community").first()
        if community is None:
            continue
        for trigger, title, points, daily, monthly in RULES:
            services.save_rule(actor=SYSTEM, community_id=community.pk, trigger=trigger, name=title, points=points,
                               daily_cap=daily, monthly_cap=monthly, valid_days=valid_days)
            n += 1
    return n


def load_shop(*, now: dt.datetime | None = None) -> dict:
    """车站社区's shop: goods with stock, points for mediation given by hand (with a reason),
    and redemptions: collected at the counter, one still held, one cancelled."""
    now = now or timezone.now()
    community = Place.objects.filter(name="车站社区", kind__code="community").first()
    if community is None:
        return {"goods": 0, "redemptions": 0}
    counter = (RoleAssignment.objects.filter(place__path__startswith=community.path, is_active=True,
                                             role__in=["community_worker", "community_secretary"])
               .select_related("user").order_by("place__depth", "id").first())
    counter = counter.user if counter else SYSTEM
    goods = [services.create_good(actor=SYSTEM, community_id=community.pk, name=name, price=price, stock=stock,
                                  donor=donor) for name, price, stock, donor in GOODS]
    people = list(User.objects.filter(roles__role="resident", roles__is_active=True,
                                      roles__place__path__startswith=community.path).distinct().order_by("id")[:12])
    redemptions = 0
    with simulated_clock(now - dt.timedelta(days=20)) as clock:
        for i, person in enumerate(people):
            if i % 3 == 0:  # 矛盾纠纷调解: points by hand, with the reason, audited
                services.manual_award(actor=counter, person_id=person.pk, community_id=community.pk, points=30,
                                      reason="参与利台生活小区邻里纠纷调解", valid_days=365)
            clock["now"] += dt.timedelta(hours=5)
        for i, person in enumerate(people):
            account = services.account_for(person, community)
            account.refresh_from_db()
            affordable = [g for g in goods if g.price <= account.balance]
            if not affordable:
                continue
            good = affordable[i % len(affordable)]
            clock["now"] += dt.timedelta(days=1)
            r = services.redeem(actor=person, good_id=good.pk)
            redemptions += 1
            if i % 4 == 1:
                continue  # still held: the person has not come to the counter yet
            clock["now"] += dt.timedelta(hours=3)
            if i % 4 == 2:
                services.cancel_redemption(actor=person, redemption_id=r.pk, reason="换别的商品")
            else:
                services.claim(actor=counter, code=r.code)
    return {"goods": len(goods), "redemptions": redemptions}
