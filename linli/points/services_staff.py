"""The shop's staff verbs (issue 14 §4): switching a rule on and off, editing a good, stock
coming in (donated by a unit, or bought from funds) and stock corrections, each with its
reason, scope-checked, audited, in one transaction.

Stock moves only through `services._stock` under the good's row lock (`SELECT … FOR
UPDATE`), the lock `redeem` takes after the person's account: a stock-in and a redemption
of the same good queue on that row, so neither loses the other's change, and a correction
that would take the stock below zero is refused (the CHECK in the database backs it)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from linli.accounts.roles import Verb
from linli.accounts.scope import require
from linli.core.audit import record_audit
from linli.core.errors import Conflict, Invalid, NotFound

from .models import EarningRule, Good, StockEntry
from .services import MAX_POINTS, _stock

MAX_STOCK_MOVE = 100000


class StockSource:
    """Where stock coming in is from: a donation (a partner unit, named) or the funds."""

    DONATION = "donation"
    PURCHASE = "purchase"
    CHOICES = ((DONATION, _("单位捐赠")), (PURCHASE, _("经费购买")))
    VALUES = (DONATION, PURCHASE)


def _reason(reason: str, errors: list, message) -> str:
    reason = (reason or "").strip()
    if not reason:
        errors.append({"field": "reason", "message": message, "code": "reason_required"})
    return reason[:300]


def _raise(errors: list) -> None:
    if errors:
        raise Invalid(errors[0]["message"], errors=errors)


# ---------------------------------------------------------------- rules


@transaction.atomic
def set_rule_active(*, actor, rule_id: int, active: bool, reason: str = "") -> EarningRule:
    """Switch a rule off (it pays nothing for new events; awards already owed stay) or on."""
    rule = EarningRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_("未找到该规则"), code="not_found", field="rule_id")
    require(actor, Verb.POINTS_MANAGE, rule)
    if rule.is_active != bool(active):
        rule.is_active = bool(active)
        rule.save(update_fields=["is_active"])
        record_audit(actor=actor, action="points.rule_active" if active else "points.rule_inactive", target=rule,
                     reason=(reason or "").strip()[:300], data={"active": bool(active)})
    return rule


# ---------------------------------------------------------------- goods and stock


@transaction.atomic
def update_good(*, actor, good_id: int, name: str, price: int, donor: str = "", description: str = "",
                is_active: bool = True) -> Good:
    """Edit a good's name, price, donor, description and whether it is on sale. Holds already
    made keep the price they were made at; stock changes only by stock entries."""
    good = Good.objects.select_for_update().filter(pk=good_id).first()
    if good is None:
        raise NotFound(_("未找到该商品"), code="not_found", field="good_id")
    require(actor, Verb.POINTS_MANAGE, good)
    errors = []
    if not (name or "").strip():
        errors.append({"field": "name", "message": _("请填写商品名称"), "code": "name_required"})
    if not isinstance(price, int) or not 0 < price <= MAX_POINTS:
        errors.append({"field": "price", "message": _("所需积分须为 1 至 1000000 的整数"), "code": "price_range"})
    _raise(errors)
    before = {"name": good.name, "price": good.price, "donor": good.donor, "is_active": good.is_active}
    good.name, good.price = name.strip()[:100], price
    good.donor, good.description = (donor or "").strip()[:100], (description or "").strip()[:300]
    good.is_active = bool(is_active)
    good.save(update_fields=["name", "price", "donor", "description", "is_active"])
    after = {"name": good.name, "price": good.price, "donor": good.donor, "is_active": good.is_active}
    changed = sorted(k for k in before if before[k] != after[k])
    record_audit(actor=actor, action="points.update_good", target=good, data={"changed": changed, **after})
    return good


@transaction.atomic
def stock_in(*, actor, good_id: int, quantity: int, source: str, reason: str, donor: str = "") -> StockEntry:
    """Stock comes in: donated by a named unit, or bought from funds; the reason is required
    (what came, from whom or from which budget)."""
    good = Good.objects.select_for_update().filter(pk=good_id).first()
    if good is None:
        raise NotFound(_("未找到该商品"), code="not_found", field="good_id")
    require(actor, Verb.POINTS_MANAGE, good)
    errors = []
    if not isinstance(quantity, int) or not 0 < quantity <= MAX_STOCK_MOVE:
        errors.append({"field": "quantity", "message": _("入库数量须为 1 至 100000 的整数"),
                       "code": "quantity_range"})
    if source not in StockSource.VALUES:
        errors.append({"field": "source", "message": _("请选择来源：单位捐赠或经费购买"), "code": "source_invalid"})
    donor = (donor or "").strip()[:100]
    if source == StockSource.DONATION and not donor:
        errors.append({"field": "donor", "message": _("单位捐赠须填写捐赠单位"), "code": "donor_required"})
    reason = _reason(reason, errors, _("入库须填写事由"))
    _raise(errors)
    data = {"source": source, "quantity": quantity, **({"donor": donor} if source == StockSource.DONATION else {})}
    return _stock(good, quantity, StockEntry.Kind.RESTOCK, actor=actor, note=reason, data=data,
                  audit_action="points.stock_in")


@transaction.atomic
def correct_stock(*, actor, good_id: int, delta: int, reason: str) -> StockEntry:
    """A stock correction after a count (盘点) or a write-off (报损: broken, past its date):
    a signed change with its reason; never below zero."""
    good = Good.objects.select_for_update().filter(pk=good_id).first()
    if good is None:
        raise NotFound(_("未找到该商品"), code="not_found", field="good_id")
    require(actor, Verb.POINTS_MANAGE, good)
    errors = []
    if not isinstance(delta, int) or delta == 0 or abs(delta) > MAX_STOCK_MOVE:
        errors.append({"field": "delta", "message": _("调整数量须为非零整数（减少填负数）"), "code": "delta_invalid"})
    reason = _reason(reason, errors, _("库存调整须填写原因"))
    _raise(errors)
    if good.stock + delta < 0:
        raise Conflict(_("库存不足：当前库存 %(stock)s，不能减少 %(n)s") % {"stock": good.stock, "n": -delta},
                       code="out_of_stock", field="delta")
    return _stock(good, delta, StockEntry.Kind.ADJUST, actor=actor, note=reason,
                  data={"delta": delta, "stock_before": good.stock}, audit_action="points.correct_stock")
