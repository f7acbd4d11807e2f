"""The shop staff's pages (issue 14 §4–§5) through the Django test client: rules, goods and
stock, redemptions, points by hand and reversals, a person's history; field errors in
Chinese and English, 404 outside the community, audit entries, constant queries."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from linli.core.actors import SYSTEM
from linli.core.models import AuditEntry
from linli.places import services as place_services
from linli.points import services
from linli.points.models import EarningRule, Good, PointAccount, PointTransfer, Redemption, StockEntry
from linli.points.recompute import differences
from linli.testing import same_queries

from .conftest import give

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def field_errors(html: str, field: str, form: str = "") -> list[str]:
    """The error messages shown next to one form field (forms/_field.html), in the form
    with id `form` when given."""
    if form:
        html = html[html.index(f'id="{form}"'):]
        html = html[:html.index("</form>") + 7]
    block = re.search(r'data-field="%s".*?(?=<div class="field|</form>)' % re.escape(field), html, re.S)
    assert block, f"no field {field} on the page"
    return re.findall(r"<li>(.*?)</li>", block.group(0))


def q(community) -> str:
    return f"?community={community.pk}"


# ---------------------------------------------------------------- earning rules


def test_rules_page_lists_rules_with_this_months_points(client, city, shop, staff, resident, other_staff):
    tip = shop["rules"]["verified_tip"]
    services.award(trigger="verified_tip", path=city.dwelling.path, person_id=resident.pk, source="case:1",
                   verified=True)
    services.award(trigger="verified_tip", path=city.dwelling.path, person_id=staff.pk, source="case:2",
                   verified=True)
    # an award credited last month does not count for this month
    services.award(trigger="attended", path=city.dwelling.path, person_id=resident.pk, source="act:1",
                   verified=True)
    from linli.points.models import Award

    Award.objects.filter(source="act:1").update(credited_at=timezone.now() - dt.timedelta(days=40))
    client.force_login(staff)
    page = text(client.get("/points/manage/rules/"))
    assert "反映问题获办结" in page and "志愿服务每小时" in page
    assert re.search(rf'data-testid="month-points-{tip.pk}">40<', page)
    assert re.search(rf'data-testid="month-points-{shop["rules"]["attended"].pk}">0<', page)
    client.force_login(other_staff)
    assert client.get(f"/points/manage/rules/{q(city.community)}").status_code == 404


def test_rule_form_shows_every_field_error_and_saves_audited(client, city, staff):
    client.force_login(staff)
    url = f"/points/manage/rules/new/{q(city.community)}"
    assert client.get(url).status_code == 200
    response = client.post(url, {"trigger": "", "name": " ", "points": "0", "daily_cap": "-3", "monthly_cap": "",
                                 "valid_days": ""})
    assert response.status_code == 400
    page = text(response)
    assert field_errors(page, "trigger") == ["请选择积分来源"]
    assert field_errors(page, "name") == ["请填写规则名称"]
    assert field_errors(page, "points") == ["积分须为 1 至 10000 的整数"]
    assert field_errors(page, "daily_cap") == ["须为正整数"]
    assert EarningRule.objects.count() == 0
    response = client.post(url, {"trigger": "service_hour", "name": "志愿服务每小时", "points": "10",
                                 "daily_cap": "40", "monthly_cap": "", "valid_days": "365"})
    assert response.status_code == 302
    rule = EarningRule.objects.get()
    assert (rule.points, rule.daily_cap, rule.monthly_cap, rule.valid_days) == (10, 40, None, 365)
    assert rule.community == city.community
    # edit
    response = client.post(f"/points/manage/rules/{rule.pk}/", {"trigger": "service_hour", "name": "志愿服务每小时",
                                                                "points": "12", "daily_cap": "", "monthly_cap": "200"})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.points, rule.daily_cap, rule.monthly_cap) == (12, None, 200)
    assert AuditEntry.objects.filter(kind="points.save_rule", actor=staff).count() == 2


def test_deactivating_a_rule_is_audited_and_stops_paying(client, city, shop, staff, resident):
    rule = shop["rules"]["attended"]
    client.force_login(staff)
    response = client.post(f"/points/manage/rules/{rule.pk}/active/", {"active": "0"}, follow=True)
    assert "已停用规则" in text(response) and 'data-testid="inactive"' in text(response)
    rule.refresh_from_db()
    assert not rule.is_active
    assert AuditEntry.objects.filter(kind="points.rule_inactive", actor=staff, target_id=str(rule.pk)).exists()
    assert services.award(trigger="attended", path=city.dwelling.path, person_id=resident.pk, source="act:9",
                          verified=True) == []
    client.post(f"/points/manage/rules/{rule.pk}/active/", {"active": "1"})
    rule.refresh_from_db()
    assert rule.is_active
    assert AuditEntry.objects.filter(kind="points.rule_active", actor=staff).count() == 1


def test_rules_in_english(client, city, staff, english):
    client.force_login(staff)
    response = client.post(f"/points/manage/rules/new/{q(city.community)}",
                           {"trigger": "", "name": "", "points": "20000"}, HTTP_ACCEPT_LANGUAGE="en")
    page = text(response)
    assert field_errors(page, "name") == ["Enter the rule&#x27;s name"]
    assert field_errors(page, "points") == ["Points must be a whole number from 1 to 10000"]
    assert "New earning rule" in page
    page = text(client.get(f"/points/manage/rules/{q(city.community)}", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Earning rule" in page and "New rule" in page and "No earning rules yet." in page


# ---------------------------------------------------------------- goods and stock


def test_adding_a_good_with_its_first_stock_in_reason(client, city, staff):
    client.force_login(staff)
    url = f"/points/manage/goods/new/{q(city.community)}"
    assert client.get(url).status_code == 200
    # stock without a reason or a donor for a donation: field errors, nothing created
    response = client.post(url, {"name": "食用油", "price": "80", "donor": "", "is_active": "on",
                                 "stock-quantity": "10", "stock-source": "donation", "stock-donor": "",
                                 "stock-reason": ""})
    assert response.status_code == 400
    page = text(response)
    assert field_errors(page, "stock-reason") == ["入库须填写事由"]
    assert field_errors(page, "stock-donor") == ["单位捐赠须填写捐赠单位"]
    assert 'name="donor"' not in page  # a new good's donor is its first stock-in's
    assert Good.objects.count() == 0 and StockEntry.objects.count() == 0
    response = client.post(url, {"name": "", "price": "0", "stock-quantity": "", "stock-reason": ""})
    assert response.status_code == 400
    assert field_errors(text(response), "name") == ["请填写商品名称"]
    assert field_errors(text(response), "price") == ["所需积分须为 1 至 1000000 的整数"]
    response = client.post(url, {"name": "食用油（5升）", "price": "80", "donor": "", "is_active": "on",
                                 "stock-quantity": "10", "stock-source": "purchase",
                                 "stock-reason": "2026年社区公益金采购"})
    assert response.status_code == 302
    good = Good.objects.get()
    assert (good.name, good.price, good.stock, good.donor) == ("食用油（5升）", 80, 10, "")
    entry = StockEntry.objects.get()
    assert (entry.kind, entry.delta, entry.note, entry.actor) == ("restock", 10, "2026年社区公益金采购", staff)
    assert entry.data["source"] == "purchase"
    response = client.post(url, {"name": "保温杯", "price": "50", "is_active": "on", "stock-quantity": "6",
                                 "stock-source": "donation", "stock-donor": "麒麟区住建局",
                                 "stock-reason": "结对共建捐赠"})
    assert response.status_code == 302
    cup = Good.objects.get(name="保温杯")
    assert (cup.donor, cup.stock) == ("麒麟区住建局", 6)
    assert StockEntry.objects.get(good=cup).data == {"source": "donation", "donor": "麒麟区住建局", "quantity": 6}
    assert AuditEntry.objects.filter(kind="points.create_good", actor=staff).count() == 2
    assert AuditEntry.objects.filter(kind="points.stock_in", actor=staff, note="2026年社区公益金采购").count() == 1


def test_stock_in_and_corrections_on_the_good_page_with_history(client, city, shop, staff):
    good = shop["good"]  # 5 from 县供电公司 (the fixture's first stock)
    client.force_login(staff)
    url = f"/points/manage/goods/{good.pk}/"
    response = client.post(url, {"action": "stock_in", "stock-quantity": "20", "stock-source": "donation",
                                 "stock-donor": "麒麟区住建局", "stock-reason": "结对共建捐赠"})
    assert response.status_code == 302
    response = client.post(url, {"action": "correct", "fix-delta": "-2", "fix-reason": ""})
    assert response.status_code == 400
    assert field_errors(text(response), "fix-reason", "correct-form") == ["库存调整须填写原因"]
    response = client.post(url, {"action": "correct", "fix-delta": "-100", "fix-reason": "盘点"})
    assert response.status_code == 400
    assert field_errors(text(response), "fix-delta", "correct-form") == ["库存不足：当前库存 25，不能减少 100"]
    response = client.post(url, {"action": "correct", "fix-delta": "-2", "fix-reason": "破损报废"})
    assert response.status_code == 302
    good.refresh_from_db()
    assert good.stock == 23
    page = text(client.get(url))
    history = page[page.index('id="stock-history"'):]
    items = re.findall(r'<li class="event kind-(\w+)', history)
    assert items == ["restock", "restock", "adjust"]
    assert "县供电公司 捐赠" in history and "麒麟区住建局 捐赠" in history
    assert "结对共建捐赠" in history and "破损报废" in history and "-2" in history and "社区干事" in history
    assert AuditEntry.objects.filter(kind="points.correct_stock", actor=staff, note="破损报废").count() == 1
    assert differences() == []


def test_editing_a_good_and_taking_it_off_sale(client, city, shop, staff, resident):
    good = shop["good"]
    client.force_login(staff)
    response = client.post(f"/points/manage/goods/{good.pk}/", {"action": "edit", "name": "洗衣液（2升）",
                                                                  "price": "35", "donor": "县供电公司"})
    assert response.status_code == 302
    good.refresh_from_db()
    assert (good.name, good.price, good.is_active) == ("洗衣液（2升）", 35, False)
    audit = AuditEntry.objects.get(kind="points.update_good")
    assert audit.data["changed"] == ["is_active", "name", "price"]
    client.force_login(resident)
    assert "洗衣液（2升）" not in text(client.get("/points/shop/"))


def test_goods_list_shows_stock_donor_and_counts_in_constant_queries(client, city, shop, staff):
    client.force_login(staff)
    url = f"/points/manage/goods/{q(city.community)}"

    def grow():
        for i in range(10):
            services.create_good(actor=SYSTEM, community_id=city.community.pk, name=f"商品{i}", price=5 + i,
                                 stock=i, donor="" if i % 2 else "县供电公司")

    page = text(same_queries(lambda: client.get(url), grow))
    assert "商品9" in page and "经费购买" in page and "县供电公司 捐赠" in page
    assert re.search(rf'data-testid="stock-{shop["good"].pk}">5<', page)


# ---------------------------------------------------------------- redemptions


def test_redemptions_filters_and_staff_cancel_with_a_reason_refunds_once(client, city, shop, staff):
    people = [city.user_with("resident", at=city.dwelling, name=f"居民{i}") for i in range(3)]
    rice = services.create_good(actor=SYSTEM, community_id=city.community.pk, name="大米", price=10, stock=5)
    for p in people:
        give(p, city.community, 100)
    held = services.redeem(actor=people[0], good_id=shop["good"].pk)
    claimed = services.redeem(actor=people[1], good_id=rice.pk)
    services.claim(actor=staff, code=claimed.code)
    old = services.redeem(actor=people[2], good_id=rice.pk)
    Redemption.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=60))
    client.force_login(staff)
    base = f"/points/manage/redemptions/{q(city.community)}"
    page = text(client.get(base))
    assert page.count('data-redemption="') == 3 and 'id="to-counter"' in page
    page = text(client.get(base + "&status=held"))
    assert f'data-redemption="{held.pk}"' in page and f'data-redemption="{claimed.pk}"' not in page
    page = text(client.get(base + f"&good={rice.pk}"))
    assert page.count('data-redemption="') == 2
    since = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    page = text(client.get(base + f"&good={rice.pk}&from={since}&to={timezone.localdate().isoformat()}"))
    assert page.count('data-redemption="') == 1 and f'data-redemption="{claimed.pk}"' in page

    cancel = f"/points/manage/redemptions/{held.pk}/cancel/"
    response = client.post(cancel, {"reason": ""}, follow=True)
    assert "取消他人的兑换须填写原因" in text(response)
    held.refresh_from_db()
    assert held.status == "held"
    response = client.post(cancel, {"reason": "居民电话说不要了", "next": base + "&status=held"})
    assert response.status_code == 302 and response["Location"].endswith("&status=held")
    response = client.post(cancel, {"reason": "再点一次"}, follow=True)
    assert "该兑换已取消，积分已退回" in text(response)
    held.refresh_from_db()
    assert held.status == "cancelled"
    assert PointTransfer.objects.filter(kind="refund").count() == 1
    assert PointAccount.objects.get(owner=people[0]).balance == 100
    assert AuditEntry.objects.filter(kind="points.cancel_redemption", actor=staff, note="居民电话说不要了").count() == 1
    assert differences() == []


def test_a_person_cancels_their_own_hold_without_a_reason(city, shop, resident):
    give(resident, city.community, 30)
    r = services.redeem(actor=resident, good_id=shop["good"].pk)
    services.cancel_redemption(actor=resident, redemption_id=r.pk)
    assert not AuditEntry.objects.filter(kind="points.cancel_redemption").exists()


# ---------------------------------------------------------------- points by hand and reversals


def test_manual_award_page_finds_gives_and_reverses_audited(client, city, shop, staff, resident):
    client.force_login(staff)
    base = f"/points/manage/award/{q(city.community)}"
    page = text(client.get(base + "&q=李大"))
    assert "李大爷" in page and f'data-testid="choose-{resident.pk}"' in page
    outsider = city.user_with("resident", at=place_services.create_place(
        actor=SYSTEM, parent_id=city.street.pk, kind_code="community", name="外社区"), name="李外人")
    assert "李外人" not in text(client.get(base + "&q=李"))
    assert 'id="award-form"' in text(client.get(base + f"&person={resident.pk}"))
    response = client.post(base, {"person": resident.pk, "points": "", "reason": " "})
    assert response.status_code == 400
    page = text(response)
    assert field_errors(page, "points") == ["积分须为 1 至 1000000 的整数"]
    assert field_errors(page, "reason") == ["手工发放积分须填写理由"]
    response = client.post(base, {"person": outsider.pk, "points": "10", "reason": "参与调解"})
    assert response.status_code == 400 and "该居民不在本社区" in text(response)
    response = client.post(base, {"person": resident.pk, "points": "30", "reason": "参与邻里纠纷调解"})
    assert response.status_code == 302 and f"/points/manage/people/{resident.pk}/" in response["Location"]
    assert AuditEntry.objects.filter(kind="points.manual_award", actor=staff, note="参与邻里纠纷调解").count() == 1
    page = text(client.get(f"/points/manage/people/{resident.pk}/{q(city.community)}"))
    assert 'data-testid="balance">30<' in page and "参与邻里纠纷调解" in page
    transfer = PointTransfer.objects.get(kind="manual")
    response = client.post(f"/points/manage/transfers/{transfer.pk}/reverse/",
                           {"community": city.community.pk, "person": resident.pk, "reason": ""}, follow=True)
    assert "冲正须填写理由" in text(response)
    response = client.post(f"/points/manage/transfers/{transfer.pk}/reverse/",
                           {"community": city.community.pk, "person": resident.pk, "reason": "发错了人"}, follow=True)
    page = text(response)
    assert "已冲正" in page and 'data-testid="balance">0<' in page and f'data-testid="reversed-{transfer.pk}"' in page
    assert f'data-testid="reverse-{transfer.pk}"' not in page  # reversed once: no second button
    assert AuditEntry.objects.filter(kind="points.reverse", actor=staff, note="发错了人").count() == 1
    assert differences() == []


def test_award_page_in_english(client, city, staff, resident, english):
    client.force_login(staff)
    response = client.post(f"/points/manage/award/{q(city.community)}", {"person": resident.pk, "points": "5",
                                                                          "reason": ""}, HTTP_ACCEPT_LANGUAGE="en")
    page = text(response)
    assert field_errors(page, "reason") == ["Points given by hand need a reason"]
    assert "Give points by hand" in page and "Reason" in page


# ---------------------------------------------------------------- scope


def test_staff_of_another_community_and_residents_get_404_everywhere(client, city, shop, staff, other_staff,
                                                                       resident):
    give(resident, city.community, 60)
    r = services.redeem(actor=resident, good_id=shop["good"].pk)
    transfer = PointTransfer.objects.get(kind="manual")
    rule, good = shop["rules"]["attended"], shop["good"]
    counter = city.user_with("volunteer", at=city.community)
    for who in (other_staff, resident, counter):
        client.force_login(who)
        c = q(city.community)
        for url in (f"/points/manage/rules/{c}", f"/points/manage/rules/new/{c}", f"/points/manage/rules/{rule.pk}/",
                    f"/points/manage/goods/{c}", f"/points/manage/goods/new/{c}", f"/points/manage/goods/{good.pk}/",
                    f"/points/manage/redemptions/{c}", f"/points/manage/award/{c}",
                    f"/points/manage/people/{resident.pk}/{c}"):
            assert client.get(url).status_code == 404, (who, url)
        for url, data in ((f"/points/manage/rules/{rule.pk}/active/", {"active": "0"}),
                          (f"/points/manage/goods/{good.pk}/", {"action": "stock_in", "stock-quantity": "5",
                                                                "stock-source": "purchase", "stock-reason": "x"}),
                          (f"/points/manage/redemptions/{r.pk}/cancel/", {"reason": "x"}),
                          (f"/points/manage/transfers/{transfer.pk}/reverse/", {"reason": "x",
                                                                                "community": city.community.pk}),
                          (f"/points/manage/award/{c}", {"person": resident.pk, "points": "5", "reason": "x"})):
            assert client.post(url, data).status_code == 404, (who, url)
    rule.refresh_from_db()
    good.refresh_from_db()
    r.refresh_from_db()
    assert rule.is_active and good.stock == 4 and r.status == "held"
    assert PointTransfer.objects.filter(kind__in=["reversal", "refund"]).count() == 0
    # other staff's own pages show their own community only
    client.force_login(other_staff)
    page = text(client.get("/points/manage/goods/"))
    assert "别的社区" in page and "洗衣液" not in page
    # and the staff of this community reach every page from "my points"
    client.force_login(staff)
    assert 'id="points-manage"' in text(client.get("/points/"))
    client.force_login(resident)
    assert 'id="points-manage"' not in text(client.get("/points/"))


def test_a_person_outside_the_community_has_no_history_page(client, city, staff, other_staff):
    client.force_login(staff)
    assert client.get(f"/points/manage/people/{other_staff.pk}/{q(city.community)}").status_code == 404


# ---------------------------------------------------------------- figures


def test_rankings_show_points_per_place_and_redemptions_per_good(client, city, shop, staff, resident):
    other = city.user_with("resident", at=city.other_dwelling, name="王云川")
    services.award(trigger="verified_tip", path=city.dwelling.path, person_id=resident.pk, source="case:1",
                   verified=True)
    services.award(trigger="verified_tip", path=city.other_dwelling.path, person_id=other.pk, source="case:2",
                   verified=True)
    give(other, city.community, 40)
    give(resident, city.community, 10)
    r1 = services.redeem(actor=resident, good_id=shop["good"].pk)
    services.claim(actor=staff, code=r1.code)
    r2 = services.redeem(actor=other, good_id=shop["good"].pk)
    services.cancel_redemption(actor=other, redemption_id=r2.pk)
    services.redeem(actor=other, good_id=shop["good"].pk)
    client.force_login(staff)
    page = text(client.get(f"/points/rankings/?under={city.community.pk}&days=30"))
    flows = page[page.index('id="flows"'):page.index("</table>", page.index('id="flows"'))]
    rows = re.findall(r'<th scope="row">(.*?)</th><td>(-?\d+)</td><td>(-?\d+)</td>', flows)
    assert rows == [("石马社区（本级）", "50", "60"), ("第一网格", "20", "0"), ("第二网格", "20", "0")]
    by_good = page[page.index('id="by-good"'):]
    assert re.search(r"<th scope=\"row\">洗衣液</th><td>3</td><td>1</td><td>1</td><td>1</td><td>30</td>", by_good)


def test_redemptions_list_in_constant_queries(client, city, shop, staff):
    client.force_login(staff)
    url = f"/points/manage/redemptions/{q(city.community)}"
    services.restock(actor=SYSTEM, good_id=shop["good"].pk, quantity=20)

    def grow():
        for i in range(8):
            p = city.user_with("resident", at=city.dwelling, name=f"兑换人{i}")
            give(p, city.community, 30)
            services.redeem(actor=p, good_id=shop["good"].pk)

    page = text(same_queries(lambda: client.get(url), grow))
    assert page.count('data-redemption="') == 8 and "兑换人7" in page


def test_good_page_stock_errors_in_english(client, city, shop, staff, english):
    client.force_login(staff)
    response = client.post(f"/points/manage/goods/{shop['good'].pk}/",
                           {"action": "stock_in", "stock-quantity": "0", "stock-source": "donation",
                            "stock-donor": "", "stock-reason": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    page = text(response)
    assert field_errors(page, "stock-quantity") == ["The quantity must be a whole number from 1 to 100000"]
    assert field_errors(page, "stock-donor") == ["A donation needs the donor&#x27;s name"]
    assert field_errors(page, "stock-reason") == ["Stock coming in needs a reason"]
    assert "Stock history" in page and "Donated by a unit" in page and "Bought from funds" in page
