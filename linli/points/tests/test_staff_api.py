"""The shop staff's API (issue 14 §4): rules, goods and stock, the shop's redemptions, points
by hand and reversals, under /api/v1/ with a token. The same scope as the staff pages (404
outside the community), every field at fault reported at once, in the request's language,
creates safe to retry with an Idempotency-Key."""

import json

import pytest

from linli.core.models import AuditEntry
from linli.points import services
from linli.points.models import EarningRule, Good, PointTransfer, Redemption, StockEntry
from linli.points.recompute import differences
from linli.testing import api_headers

from .conftest import give

pytestmark = pytest.mark.django_db
API = "/api/v1"


def call(client, user, method, url, body=None, **headers):
    kwargs = {**api_headers(user), **headers}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(API + url, **kwargs)


def fields(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_staff_run_the_shop_through_the_api(client, city, shop, staff, resident):
    c = city.community.pk
    r = call(client, staff, "post", "/points/rules", {"community_id": c, "trigger": "verified_tip", "name": "参与调解",
                                                       "points": 15, "monthly_cap": 60})
    assert r.status_code == 201, r.content
    rule = r.json()
    assert (rule["name"], rule["points"], rule["monthly_cap"], rule["is_active"]) == ("参与调解", 15, 60, True)
    r = call(client, staff, "put", f"/points/rules/{rule['id']}", {"trigger": "verified_tip", "name": "参与调解",
                                                                    "points": 20})
    assert r.status_code == 200 and r.json()["points"] == 20 and r.json()["monthly_cap"] is None
    r = call(client, staff, "post", f"/points/rules/{rule['id']}/active", {"active": False, "reason": "本季度暂停"})
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert not EarningRule.objects.get(pk=rule["id"]).is_active
    listed = call(client, staff, "get", f"/points/communities/{c}/rules").json()
    assert {x["name"]: x["is_active"] for x in listed} == {"参加活动": True, "志愿服务每小时": True,
                                                            "反映问题获办结": True, "参与调解": False}

    r = call(client, staff, "post", "/points/goods", {"community_id": c, "name": "大米 5kg", "price": 200,
                                                       "donor": "县供电公司"})
    assert r.status_code == 201, r.content
    good = r.json()
    assert (good["stock"], good["is_active"]) == (0, True)
    delivery = {"quantity": 12, "source": "donation", "donor": "县供电公司", "reason": "结对共建捐赠"}
    first = call(client, staff, "post", f"/points/goods/{good['id']}/stock-in", delivery, HTTP_IDEMPOTENCY_KEY="rice-1")
    again = call(client, staff, "post", f"/points/goods/{good['id']}/stock-in", delivery, HTTP_IDEMPOTENCY_KEY="rice-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and first.json()["delta"] == 12
    assert again["Idempotent-Replayed"] == "true"
    assert Good.objects.get(pk=good["id"]).stock == 12  # the retried delivery counted once
    r = call(client, staff, "post", f"/points/goods/{good['id']}/corrections", {"delta": -2, "reason": "盘点少 2 袋"})
    assert r.status_code == 201 and r.json()["data"]["stock_before"] == 12
    r = call(client, staff, "put", f"/points/goods/{good['id']}", {"name": "大米 5kg", "price": 180,
                                                                    "donor": "县供电公司", "is_active": True})
    assert r.status_code == 200 and (r.json()["price"], r.json()["stock"]) == (180, 10)
    history = call(client, staff, "get", f"/points/goods/{good['id']}/stock").json()
    assert [(e["kind"], e["delta"], e["note"]) for e in history] == [("restock", 12, "结对共建捐赠"),
                                                                      ("adjust", -2, "盘点少 2 袋")]
    goods = {g["name"]: g for g in call(client, staff, "get", f"/points/communities/{c}/goods").json()}
    assert goods["大米 5kg"]["stock"] == 10 and goods["洗衣液"]["stock"] == 5

    r = call(client, staff, "post", "/points/awards", {"person_id": resident.pk, "community_id": c, "points": 50,
                                                        "reason": "参与邻里纠纷调解"})
    assert r.status_code == 201, r.content
    award = r.json()
    held = services.redeem(actor=resident, good_id=shop["good"].pk)
    rows = call(client, staff, "get", f"/points/communities/{c}/redemptions?status=held").json()
    assert [(x["id"], x["person"], x["good"]) for x in rows] == [(held.pk, "李大爷", "洗衣液")]
    r = call(client, staff, "post", f"/points/redemptions/{held.pk}/cancel", {"reason": "本人来电取消"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = call(client, staff, "post", f"/points/transfers/{award['id']}/reverse", {"reason": "发错了人"})
    assert r.status_code == 200 and r.json()["kind"] == "reversal"
    assert PointTransfer.objects.filter(reverses_id=award["id"]).count() == 1
    actions = set(AuditEntry.objects.filter(actor=staff).values_list("kind", flat=True))
    assert {"points.save_rule", "points.rule_inactive", "points.create_good", "points.stock_in",
            "points.correct_stock", "points.update_good", "points.manual_award", "points.cancel_redemption",
            "points.reverse"} <= actions
    assert differences() == []


def test_outside_their_community_staff_find_nothing(client, city, shop, other_staff, resident):
    c, rule, good = city.community.pk, shop["rules"]["attended"], shop["good"]
    give(resident, city.community, 100)
    held = services.redeem(actor=resident, good_id=good.pk)
    award = PointTransfer.objects.filter(kind="manual").latest("id")
    calls = [
        ("get", f"/points/communities/{c}/rules", None),
        ("post", "/points/rules", {"community_id": c, "trigger": "attended", "name": "调解", "points": 5}),
        ("put", f"/points/rules/{rule.pk}", {"trigger": "attended", "name": "改名", "points": 1}),
        ("post", f"/points/rules/{rule.pk}/active", {"active": False}),
        ("get", f"/points/communities/{c}/goods", None),
        ("post", "/points/goods", {"community_id": c, "name": "毛巾", "price": 10}),
        ("put", f"/points/goods/{good.pk}", {"name": "改名", "price": 1}),
        ("get", f"/points/goods/{good.pk}/stock", None),
        ("post", f"/points/goods/{good.pk}/stock-in", {"quantity": 5, "source": "purchase", "reason": "采购"}),
        ("post", f"/points/goods/{good.pk}/corrections", {"delta": -5, "reason": "报损"}),
        ("get", f"/points/communities/{c}/redemptions", None),
        ("post", f"/points/redemptions/{held.pk}/cancel", {"reason": "代为取消"}),
        ("post", "/points/awards", {"person_id": resident.pk, "community_id": c, "points": 5, "reason": "发放"}),
        ("post", f"/points/transfers/{award.pk}/reverse", {"reason": "冲正"}),
    ]
    for method, url, body in calls:
        r = call(client, other_staff, method, url, body)
        assert r.status_code == 404, (method, url, r.status_code, r.content)
        assert r.json()["errors"][0]["code"] == "not_found"
    # nothing changed
    assert EarningRule.objects.filter(community=city.community).count() == 3
    assert EarningRule.objects.get(pk=rule.pk).is_active
    assert (Good.objects.filter(community=city.community).count(), Good.objects.get(pk=good.pk).stock) == (1, 4)
    assert Redemption.objects.get(pk=held.pk).status == "held"
    assert not PointTransfer.objects.filter(reverses=award).exists()


def test_every_field_at_fault_at_once(client, city, shop, staff, resident):
    c, good = city.community.pk, shop["good"]
    expected = [
        ("post", "/points/rules", {"community_id": c, "points": 0, "daily_cap": -1},
         {"trigger", "name", "points", "daily_cap"}),
        ("put", f"/points/rules/{shop['rules']['attended'].pk}", {"name": " ", "points": 20000, "valid_days": 0},
         {"trigger", "name", "points", "valid_days"}),
        ("post", "/points/goods", {"community_id": c, "name": "", "price": 0}, {"name", "price"}),
        ("put", f"/points/goods/{good.pk}", {"name": "", "price": -3}, {"name", "price"}),
        ("post", f"/points/goods/{good.pk}/stock-in", {"quantity": 0, "source": "donation"},
         {"quantity", "donor", "reason"}),
        ("post", f"/points/goods/{good.pk}/stock-in", {"source": "gift"}, {"quantity", "source", "reason"}),
        ("post", f"/points/goods/{good.pk}/corrections", {"delta": 0}, {"delta", "reason"}),
        ("post", "/points/awards", {"person_id": resident.pk, "community_id": c, "points": 0},
         {"points", "reason"}),
    ]
    for method, url, body, want in expected:
        r = call(client, staff, method, url, body)
        assert r.status_code == 400, (url, r.status_code, r.content)
        assert set(fields(r)) == want, (url, r.json())
    r = call(client, staff, "post", "/points/rules", {"community_id": c, "points": 0, "daily_cap": -1})
    assert fields(r) == {"trigger": "请选择积分来源", "name": "请填写规则名称", "points": "积分须为 1 至 10000 的整数",
                         "daily_cap": "须为正整数"}
    assert EarningRule.objects.filter(community=city.community).count() == 3
    assert Good.objects.get(pk=good.pk).stock == 5 and StockEntry.objects.filter(good=good).count() == 1


def test_errors_in_english_with_accept_language(client, city, shop, staff, english):
    good = shop["good"]
    r = call(client, staff, "post", f"/points/goods/{good.pk}/stock-in", {"source": "donation"},
             HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400
    got = fields(r)
    assert set(got) == {"quantity", "donor", "reason"}
    assert all(m.isascii() for m in got.values()), got
    assert got["reason"] != "入库须填写事由"
    r = call(client, staff, "post", "/points/rules", {"community_id": city.community.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert set(fields(r)) == {"trigger", "name", "points"} and all(m.isascii() for m in fields(r).values())
    r = call(client, staff, "get", "/points/goods/999999/stock", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 404 and r.json()["errors"][0]["message"].isascii()
