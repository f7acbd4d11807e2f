"""Every change to points: awards, manual awards, corrections, expiry, the shop.

The ledger's rules, kept here and nowhere else:
- a movement is one `PointTransfer` with legs summing to zero (`_move`);
- a person's account row is locked (`SELECT … FOR UPDATE`) before its balance is read and
  the cached balance is updated in the same transaction as the entries;
- debits are split over lots soonest-expiring first (`_debit_legs`);
- lock order is fixed: person accounts (by id) → good → redemption."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.accounts.roles import Verb
from linli.accounts.scope import require
from linli.core.errors import Conflict, Invalid, NotFound
from linli.core.history import record
from linli.core.paths import ancestors_paths
from linli.places.models import Place

from .models import (Award, EarningRule, Good, PointAccount, PointEntry, PointLot, PointTransfer, Redemption,
                     StockEntry)

MAX_POINTS = 1_000_000
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud at a counter
POINTS_URL = "/points/"         # my points and their history: where notices about points lead
REDEMPTIONS_URL = "/points/shop/"  # my redemptions with their codes


def hold_period() -> timedelta:
    return timedelta(hours=getattr(settings, "LINLI_POINTS_HOLD_HOURS", 72))


# ---------------------------------------------------------------- accounts


def system_account(kind: str) -> PointAccount:
    account, _created = PointAccount.objects.get_or_create(kind=kind, owner=None, community=None)
    return account


def account_for(person, community: Place) -> PointAccount:
    """The person's account in `community`, created on first use (two first uses at once
    meet on the unique constraint; `get_or_create` retries the read)."""
    account, _created = PointAccount.objects.get_or_create(
        kind=PointAccount.Kind.PERSON, owner_id=person.pk, community=community, defaults={"path": community.path})
    return account


def _lock_accounts(ids) -> dict[int, PointAccount]:
    """Lock person accounts in id order (the fixed order: two writers never deadlock)."""
    rows = PointAccount.objects.select_for_update().filter(pk__in=sorted(set(ids))).order_by("pk")
    return {a.pk: a for a in rows}


def community_of(place: Place) -> Place:
    """The community a place lies in (points are kept per community)."""
    if place.kind.code == "community":
        return place
    found = Place.objects.filter(path__in=ancestors_paths(place.path), kind__code="community").first()
    if found is None:
        raise Invalid(_("该地点不属于任何社区"), code="no_community", field="community")
    return found


# ---------------------------------------------------------------- the one movement


def _move(*, kind: str, actor, path: str, legs: list[tuple[PointAccount, int, PointLot | None]], note: str = "",
          data: dict | None = None, reverses: PointTransfer | None = None, audit_action: str = "",
          new_lot: tuple[PointAccount, int, object] | None = None, notify=(), notice_kind: str = "",
          notice_text: str = "", url: str = "") -> PointTransfer:
    """Append one transfer and its legs. Person accounts in `legs` must be locked by the
    caller. `new_lot` = (account, amount, expires_at) opens a lot for a credit. `notify`
    gets an in-app notice of the movement, written with it (core.history.record)."""
    if sum(amount for _a, amount, _l in legs) != 0 or any(amount == 0 for _a, amount, _l in legs):
        raise AssertionError("a transfer's legs must be non-zero and sum to zero")
    transfer = record(PointTransfer, actor=actor, kind=kind, path=path, note=note, data=data or {},
                      reverses=reverses, audit_action=audit_action,
                      audit_target=None if not audit_action else None, notify=notify, notice_kind=notice_kind,
                      notice_text=notice_text, url=url or (POINTS_URL if notify else ""))
    lot_for_credit = None
    if new_lot is not None:
        account, amount, expires_at = new_lot
        lot_for_credit = PointLot.objects.create(account=account, transfer=transfer, amount=amount, remaining=amount,
                                                 expires_at=expires_at)
    rows = []
    for account, amount, lot in legs:
        if lot is None and new_lot is not None and account.pk == new_lot[0].pk and amount > 0:
            lot = lot_for_credit
        rows.append(PointEntry(transfer=transfer, account=account, lot=lot, amount=amount))
        if account.kind == PointAccount.Kind.PERSON:
            PointAccount.objects.filter(pk=account.pk).update(balance=F("balance") + amount)
            account.balance += amount
            if lot is not None and lot is not lot_for_credit:
                PointLot.objects.filter(pk=lot.pk).update(remaining=F("remaining") + amount)
    PointEntry.objects.bulk_create(rows)
    return transfer


def _debit_legs(account: PointAccount, amount: int) -> list[tuple[PointAccount, int, PointLot | None]]:
    """Legs taking `amount` from a locked person account, soonest-expiring lots first
    (never-expiring last). Raises when the balance is short: no silent clamp."""
    if account.balance < amount:
        raise Conflict(_("积分不足：当前余额 %(balance)s，需要 %(amount)s") % {"balance": account.balance,
                                                                            "amount": amount},
                       code="insufficient_points", field="points")
    legs, left = [], amount
    lots = (PointLot.objects.filter(account=account, remaining__gt=0)
            .order_by(F("expires_at").asc(nulls_last=True), "id"))
    for lot in lots:
        take = min(left, lot.remaining)
        legs.append((account, -take, lot))
        left -= take
        if left == 0:
            break
    if left:  # balance and lots disagree: refuse rather than write a wrong ledger
        raise AssertionError(f"account {account.pk}: lots hold less than the balance")
    return legs


# ---------------------------------------------------------------- earning


def rules_for(trigger: str, path: str):
    """Active rules of `trigger` in the community over `path`."""
    return list(EarningRule.objects.filter(trigger=trigger, is_active=True,
                                           path__in=[*ancestors_paths(path), path]).order_by("id"))


def award(*, trigger: str, path: str, person_id: int, source: str, units: int = 1, points: int | None = None,
          verified: bool) -> list[Award]:
    """Record what each matching rule owes `person_id` for `source` (once: the unique
    constraint), and credit it if the source is verified. Called by the event subscribers."""
    out = []
    for rule in rules_for(trigger, path):
        owed = (points if points else rule.points) * units
        if owed <= 0:
            continue
        try:
            with transaction.atomic():
                found = Award.objects.create(rule=rule, source=source, person_id=person_id, path=path,
                                             points=min(owed, MAX_POINTS))
        except IntegrityError:
            found = Award.objects.get(rule=rule, source=source, person_id=person_id)
        if verified:
            found = _credit_award(found.pk)
        out.append(found)
    return out


def verify_source(*, source: str, person_id: int) -> list[Award]:
    """The source of pending awards is verified now: credit them."""
    ids = list(Award.objects.filter(source=source, person_id=person_id, status=Award.Status.PENDING)
               .values_list("pk", flat=True))
    return [_credit_award(pk) for pk in ids]


def _credit_award(award_id: int) -> Award:
    """Credit a pending award up to the rule's caps, under the person's account lock (two
    awards at once cannot both fit under one cap)."""
    award_row = Award.objects.select_related("rule", "rule__community").get(pk=award_id)
    rule = award_row.rule
    account = account_for(award_row.person, rule.community)
    _lock_accounts([account.pk])
    award_row = Award.objects.select_for_update().select_related("rule").get(pk=award_id)
    if award_row.status != Award.Status.PENDING:
        return award_row
    now = timezone.now()
    amount = award_row.points
    local = timezone.localtime(now)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    month_start = day_start.replace(day=1)
    for cap, since in ((rule.daily_cap, day_start), (rule.monthly_cap, month_start)):
        if cap is None:
            continue
        used = (Award.objects.filter(rule=rule, person_id=award_row.person_id, status=Award.Status.CREDITED,
                                     credited_at__gte=since).aggregate(s=Sum("credited"))["s"] or 0)
        amount = min(amount, max(cap - used, 0))
    award_row.credited_at = now
    if amount == 0:
        award_row.status = Award.Status.CAPPED
        award_row.save(update_fields=["status", "credited_at"])
        return award_row
    account = PointAccount.objects.get(pk=account.pk)
    expires = now + timedelta(days=rule.valid_days) if rule.valid_days else None
    # One notice per credited award, written with its transfer: the award is credited once
    # (status checked under the account lock), so a replayed event tells nobody twice.
    transfer = _move(kind=PointTransfer.Kind.AWARD, actor=None, path=award_row.path,
                     legs=[(system_account(PointAccount.Kind.ISSUED), -amount, None), (account, amount, None)],
                     note=rule.name, data={"rule": rule.pk, "source": award_row.source, "award": award_row.pk},
                     new_lot=(account, amount, expires), notify=[award_row.person], notice_kind="points_awarded",
                     notice_text=str(_("获得 %(points)s 积分：%(rule)s") % {"points": amount, "rule": rule.name}))
    award_row.status = Award.Status.CREDITED
    award_row.credited = amount
    award_row.transfer = transfer
    award_row.save(update_fields=["status", "credited", "transfer", "credited_at"])
    return award_row


def belongs_to(person, community: Place) -> bool:
    """Whether `person` lives in `community`, holds a role in it, or already keeps points
    there: the people its staff may give points to by hand."""
    from linli.accounts.models import RoleAssignment

    if PointAccount.objects.filter(owner_id=person.pk, community=community).exists():
        return True
    if RoleAssignment.objects.filter(user_id=person.pk, is_active=True,
                                     place__path__startswith=community.path).exists():
        return True
    resident_path = (person.resident.path if getattr(person, "resident_id", None) and person.resident
                     else "")
    return resident_path.startswith(community.path) if resident_path else False


@transaction.atomic
def manual_award(*, actor, person_id: int, community_id: int, points: int, reason: str,
                 valid_days: int | None = None) -> PointTransfer:
    """Points given by hand: a reason is required and the award is audited."""
    community = Place.objects.filter(pk=community_id, kind__code="community").first()
    if community is None:
        raise NotFound(_("未找到该社区"), code="not_found", field="community_id")
    require(actor, Verb.POINTS_MANAGE, community)
    errors = []
    if not isinstance(points, int) or not 0 < points <= MAX_POINTS:
        errors.append({"field": "points", "message": _("积分须为 1 至 1000000 的整数"), "code": "points_range"})
    if not (reason or "").strip():
        errors.append({"field": "reason", "message": _("手工发放积分须填写理由"), "code": "reason_required"})
    if errors:
        raise Invalid(errors[0]["message"], errors=errors)
    from linli.accounts.models import User

    person = User.objects.filter(pk=person_id, is_active=True).first()
    if person is None:
        raise NotFound(_("未找到该居民"), code="not_found", field="person_id")
    if not belongs_to(person, community):
        raise Invalid(_("该居民不在本社区"), code="person_not_in_community", field="person_id")
    account = account_for(person, community)
    account = _lock_accounts([account.pk])[account.pk]
    expires = timezone.now() + timedelta(days=valid_days) if valid_days else None
    return _move(kind=PointTransfer.Kind.MANUAL, actor=actor, path=community.path, note=reason.strip(),
                 legs=[(system_account(PointAccount.Kind.ISSUED), -points, None), (account, points, None)],
                 data={"person": person.pk, "points": points}, audit_action="points.manual_award",
                 new_lot=(account, points, expires), notify=[person], notice_kind="points_awarded",
                 notice_text=str(_("获得 %(points)s 积分：%(reason)s") % {"points": points,
                                                                       "reason": reason.strip()}))


@transaction.atomic
def reverse_transfer(*, actor, transfer_id: int, reason: str) -> PointTransfer:
    """A correction: a new transfer with every leg negated (a transfer is reversed once,
    by the database's unique `reverses`). Taking back points already spent is refused."""
    original = PointTransfer.objects.filter(pk=transfer_id).first()
    if original is None:
        raise NotFound(_("未找到该积分流水"), code="not_found", field="transfer_id")
    require(actor, Verb.POINTS_MANAGE, original)
    if not (reason or "").strip():
        raise Invalid(_("冲正须填写理由"), code="reason_required", field="reason")
    if original.kind not in (PointTransfer.Kind.AWARD, PointTransfer.Kind.MANUAL):
        raise Conflict(_("只能冲正积分发放；兑换请取消兑换"), code="not_reversible", field="transfer_id")
    entries = list(original.entries.select_related("account", "account__owner"))
    locked = _lock_accounts([e.account_id for e in entries if e.account.kind == PointAccount.Kind.PERSON])
    if PointTransfer.objects.filter(reverses=original).exists():
        raise Conflict(_("该积分流水已冲正"), code="already_reversed", field="transfer_id")
    legs, owners, taken = [], [], 0
    for entry in entries:
        if entry.account.kind == PointAccount.Kind.PERSON and entry.account.owner_id:
            owners.append(entry.account.owner)
            taken += entry.amount
        account = locked.get(entry.account_id, entry.account)
        if account.kind == PointAccount.Kind.PERSON and entry.amount > 0:
            legs += _debit_legs(account, entry.amount)
        else:
            legs.append((account, -entry.amount, entry.lot))
    try:
        with transaction.atomic():
            transfer = _move(kind=PointTransfer.Kind.REVERSAL, actor=actor, path=original.path, note=reason.strip(),
                             legs=legs, reverses=original, data={"reverses": original.pk},
                             audit_action="points.reverse", notify=owners, notice_kind="points_reversed",
                             notice_text=str(_("%(points)s 积分已被冲正扣回：%(reason)s") % {
                                 "points": taken, "reason": reason.strip()}))
    except IntegrityError:
        raise Conflict(_("该积分流水已冲正"), code="already_reversed", field="transfer_id") from None
    Award.objects.filter(transfer=original).update(status=Award.Status.VOID)
    return transfer


def expire_lots(*, now=None, limit: int = 1000) -> int:
    """Write the expiry of every lot past its date as an entry (never a silent clamp).
    Each account in its own transaction, lock first; safe to run twice at once."""
    now = now or timezone.now()
    account_ids = list(PointLot.objects.filter(expires_at__lte=now, remaining__gt=0)
                       .values_list("account_id", flat=True).distinct()[:limit])
    expired = 0
    for account_id in account_ids:
        with transaction.atomic():
            account = _lock_accounts([account_id])[account_id]
            for lot in PointLot.objects.filter(account=account, expires_at__lte=now, remaining__gt=0).order_by("id"):
                _move(kind=PointTransfer.Kind.EXPIRE, actor=None, path=account.path,
                      legs=[(account, -lot.remaining, lot), (system_account(PointAccount.Kind.EXPIRED),
                                                            lot.remaining, None)],
                      data={"lot": lot.pk})
                expired += lot.remaining
    return expired


# ---------------------------------------------------------------- rules and goods (staff)


@transaction.atomic
def save_rule(*, actor, community_id: int, trigger: str, name: str, points: int, daily_cap=None, monthly_cap=None,
              valid_days=None, rule_id: int | None = None) -> EarningRule:
    community = Place.objects.filter(pk=community_id, kind__code="community").first()
    if community is None:
        raise NotFound(_("未找到该社区"), code="not_found", field="community_id")
    require(actor, Verb.POINTS_MANAGE, community)
    errors = []
    if trigger not in EarningRule.Trigger.values:
        errors.append({"field": "trigger", "message": _("请选择积分来源"), "code": "trigger_invalid"})
    if not (name or "").strip():
        errors.append({"field": "name", "message": _("请填写规则名称"), "code": "name_required"})
    if not isinstance(points, int) or not 0 < points <= 10000:
        errors.append({"field": "points", "message": _("积分须为 1 至 10000 的整数"), "code": "points_range"})
    for field, value in (("daily_cap", daily_cap), ("monthly_cap", monthly_cap), ("valid_days", valid_days)):
        if value is not None and (not isinstance(value, int) or not 0 < value <= MAX_POINTS):
            errors.append({"field": field, "message": _("须为正整数"), "code": "positive_required"})
    if errors:
        raise Invalid(errors[0]["message"], errors=errors)
    values = dict(community=community, path=community.path, trigger=trigger, name=name.strip()[:100],
                  points=points, daily_cap=daily_cap, monthly_cap=monthly_cap, valid_days=valid_days)
    if rule_id:
        rule = EarningRule.objects.select_for_update().filter(pk=rule_id, community=community).first()
        if rule is None:
            raise NotFound(_("未找到该规则"), code="not_found", field="rule_id")
        for k, v in values.items():
            setattr(rule, k, v)
        rule.save()
    else:
        rule = EarningRule.objects.create(**values)
    from linli.core.audit import record_audit

    record_audit(actor=actor, action="points.save_rule", target=rule, data={"points": points, "trigger": trigger})
    return rule


@transaction.atomic
def create_good(*, actor, community_id: int, name: str, price: int, stock: int = 0, donor: str = "",
                description: str = "", stock_reason: str = "") -> Good:
    community = Place.objects.filter(pk=community_id, kind__code="community").first()
    if community is None:
        raise NotFound(_("未找到该社区"), code="not_found", field="community_id")
    require(actor, Verb.POINTS_MANAGE, community)
    errors = []
    if not (name or "").strip():
        errors.append({"field": "name", "message": _("请填写商品名称"), "code": "name_required"})
    if not isinstance(price, int) or not 0 < price <= MAX_POINTS:
        errors.append({"field": "price", "message": _("所需积分须为 1 至 1000000 的整数"), "code": "price_range"})
    if not isinstance(stock, int) or not 0 <= stock <= 100000:
        errors.append({"field": "stock", "message": _("库存须为 0 至 100000 的整数"), "code": "stock_range"})
    if errors:
        raise Invalid(errors[0]["message"], errors=errors)
    good = Good.objects.create(community=community, path=community.path, name=name.strip()[:100], price=price,
                               donor=(donor or "").strip()[:100], description=(description or "").strip()[:300])
    from linli.core.audit import record_audit

    record_audit(actor=actor, action="points.create_good", target=good,
                 data={"name": good.name, "price": price, "donor": good.donor, "stock": stock})
    if stock:
        # The first stock comes from the good's donor, or from the funds when there is none.
        source = {"source": "donation", "donor": good.donor} if good.donor else {"source": "purchase"}
        _stock(good, stock, StockEntry.Kind.RESTOCK, actor=actor, note=(stock_reason or "").strip()[:300]
               or str(_("首次入库")), data={**source, "quantity": stock})
    return good


def _stock(good: Good, delta: int, kind: str, *, actor=None, redemption=None, note: str = "",
           data: dict | None = None, audit_action: str = "") -> StockEntry:
    """Append a stock entry and move the cached stock with it (the good row is locked)."""
    entry = record(StockEntry, actor=actor, kind=kind, path=good.path, note=note, good=good, redemption=redemption,
                   delta=delta, data=data, audit_action=audit_action, audit_target=good if audit_action else None)
    Good.objects.filter(pk=good.pk).update(stock=F("stock") + delta)
    good.stock += delta
    return entry


@transaction.atomic
def restock(*, actor, good_id: int, quantity: int, note: str = "") -> Good:
    good = Good.objects.select_for_update().filter(pk=good_id).first()
    if good is None:
        raise NotFound(_("未找到该商品"), code="not_found", field="good_id")
    require(actor, Verb.POINTS_MANAGE, good)
    if not isinstance(quantity, int) or quantity == 0 or abs(quantity) > 100000:
        raise Invalid(_("数量须为非零整数"), code="quantity_invalid", field="quantity")
    if good.stock + quantity < 0:
        raise Conflict(_("库存不足"), code="out_of_stock", field="quantity")
    _stock(good, quantity, StockEntry.Kind.RESTOCK if quantity > 0 else StockEntry.Kind.ADJUST, actor=actor,
           note=note)
    return good


# ---------------------------------------------------------------- the shop


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


@transaction.atomic
def redeem(*, actor, good_id: int) -> Redemption:
    """Exchange points for one item: the points move to the held account and one item of
    stock is held, in one transaction, locking the account then the good."""
    if actor is None or not getattr(actor, "pk", None):
        raise Invalid(_("请先登录"), code="unauthenticated")
    good = Good.objects.select_related("community").filter(pk=good_id, is_active=True).first()
    if good is None:
        raise NotFound(_("未找到该商品"), code="not_found", field="good_id")
    account = account_for(actor, good.community)
    account = _lock_accounts([account.pk])[account.pk]
    good = Good.objects.select_for_update().get(pk=good.pk)
    if not good.is_active:
        raise NotFound(_("未找到该商品"), code="not_found", field="good_id")
    if good.stock < 1:
        raise Conflict(_("该商品已兑完"), code="out_of_stock", field="good_id")
    legs = _debit_legs(account, good.price)
    legs.append((system_account(PointAccount.Kind.HELD), good.price, None))
    code, hold_until = _new_code(), timezone.now() + hold_period()
    transfer = _move(kind=PointTransfer.Kind.REDEEM, actor=actor, path=good.path, legs=legs, note=good.name,
                     data={"good": good.pk}, notify=[actor], notice_kind="redemption_held", url=REDEMPTIONS_URL,
                     notice_text=str(_("已兑换「%(good)s」，领取码 %(code)s，请在 %(until)s 前到兑换点领取") % {
                         "good": good.name, "code": code,
                         "until": timezone.localtime(hold_until).strftime("%Y-%m-%d %H:%M")}))
    redemption = Redemption.objects.create(good=good, account=account, person=actor, path=good.path,
                                           points=good.price, code=code, transfer=transfer, hold_until=hold_until)
    _stock(good, -1, StockEntry.Kind.HOLD, actor=actor, redemption=redemption)
    return redemption


def _locked_redemption(redemption_id: int) -> Redemption:
    """Lock in the fixed order: the person's account, the good, then the redemption."""
    found = Redemption.objects.filter(pk=redemption_id).values("account_id", "good_id").first()
    if found is None:
        raise NotFound(_("未找到该兑换记录"), code="not_found")
    _lock_accounts([found["account_id"]])
    Good.objects.select_for_update().filter(pk=found["good_id"]).first()
    return Redemption.objects.select_for_update().select_related("good", "account").get(pk=redemption_id)


def _closed_error(redemption: Redemption) -> Conflict:
    messages = {Redemption.Status.CLAIMED: (_("该兑换已领取，不能重复领取"), "already_claimed"),
                Redemption.Status.EXPIRED: (_("该兑换已过期，积分已退回"), "hold_expired"),
                Redemption.Status.CANCELLED: (_("该兑换已取消，积分已退回"), "already_cancelled")}
    message, code = messages[redemption.status]
    return Conflict(message, code=code, field="code")


def _release(redemption: Redemption, *, actor, status: str, note: str = "", audit_action: str = "",
             notice_kind: str = "", notice_text: str = "") -> Redemption:
    """Return the held points to the lots they came from and the item to stock (the caller
    locked everything through `_locked_redemption` and saw the hold still open)."""
    person_legs = [e for e in redemption.transfer.entries.all() if e.account_id == redemption.account_id]
    legs = [(redemption.account, -e.amount, e.lot) for e in person_legs]
    legs.append((system_account(PointAccount.Kind.HELD), -redemption.points, None))
    transfer = _move(kind=PointTransfer.Kind.REFUND, actor=actor, path=redemption.path, legs=legs, note=note,
                     data={"redemption": redemption.pk, "status": status}, audit_action=audit_action,
                     notify=[redemption.person] if notice_text else (), notice_kind=notice_kind,
                     notice_text=notice_text, url=REDEMPTIONS_URL)
    _stock(redemption.good, 1, StockEntry.Kind.RETURN, actor=actor, redemption=redemption, note=note)
    redemption.status = status
    redemption.release = transfer
    redemption.closed_at = timezone.now()
    redemption.save(update_fields=["status", "release", "closed_at"])
    return redemption


@transaction.atomic
def claim(*, actor, code: str) -> Redemption:
    """The counter scans the code: the held points become spent, once."""
    code = (code or "").strip().upper()
    found = Redemption.objects.filter(code=code).first() if code else None
    if found is None:
        raise NotFound(_("领取码无效"), code="code_invalid", field="code")
    require(actor, Verb.POINTS_COUNTER, found)
    redemption = _locked_redemption(found.pk)
    if redemption.status != Redemption.Status.HELD:
        raise _closed_error(redemption)
    if redemption.hold_until <= timezone.now():
        raise Conflict(_("该兑换已超过保留期限"), code="hold_expired", field="code")
    transfer = _move(kind=PointTransfer.Kind.CLAIM, actor=actor, path=redemption.path,
                     legs=[(system_account(PointAccount.Kind.HELD), -redemption.points, None),
                           (system_account(PointAccount.Kind.SPENT), redemption.points, None)],
                     note=redemption.good.name, data={"redemption": redemption.pk},
                     notify=[redemption.person], notice_kind="redemption_claimed", url=REDEMPTIONS_URL,
                     notice_text=str(_("「%(good)s」已领取（领取码 %(code)s）") % {
                         "good": redemption.good.name, "code": redemption.code}))
    redemption.status = Redemption.Status.CLAIMED
    redemption.release = transfer
    redemption.closed_at = timezone.now()
    redemption.save(update_fields=["status", "release", "closed_at"])
    return redemption


@transaction.atomic
def cancel_redemption(*, actor, redemption_id: int, reason: str = "") -> Redemption:
    """The person (or the shop's staff) cancels a hold: points and stock come back, once."""
    found = Redemption.objects.filter(pk=redemption_id).first()
    if found is None:
        raise NotFound(_("未找到该兑换记录"), code="not_found")
    by_staff = getattr(actor, "pk", None) != found.person_id
    if by_staff:
        # Staff cancel someone else's hold: with a reason, in the audit log.
        require(actor, Verb.POINTS_MANAGE, found)
        if not (reason or "").strip() and getattr(actor, "pk", None) is not None:
            raise Invalid(_("取消他人的兑换须填写原因"), code="reason_required", field="reason")
    redemption = _locked_redemption(found.pk)
    if redemption.status != Redemption.Status.HELD:
        raise _closed_error(redemption)
    note = (reason or "").strip()[:300]
    # The person is told when someone else cancelled their hold (they did not do it themselves).
    told = str(_("您兑换的「%(good)s」已被取消，%(points)s 积分已退回。原因：%(reason)s") % {
        "good": redemption.good.name, "points": redemption.points, "reason": note or "—"}) if by_staff else ""
    return _release(redemption, actor=actor, status=Redemption.Status.CANCELLED, note=note,
                    audit_action="points.cancel_redemption" if by_staff else "",
                    notice_kind="redemption_cancelled", notice_text=told)


def expire_holds(*, now=None, limit: int = 1000) -> int:
    """Release every hold past its date, each in its own transaction (lock, re-check):
    a hold scanned at the same moment is either claimed or expired, never both."""
    now = now or timezone.now()
    ids = list(Redemption.objects.filter(status=Redemption.Status.HELD, hold_until__lte=now)
               .order_by("hold_until").values_list("pk", flat=True)[:limit])
    done = 0
    for pk in ids:
        with transaction.atomic():
            redemption = _locked_redemption(pk)
            if redemption.status != Redemption.Status.HELD or redemption.hold_until > now:
                continue
            _release(redemption, actor=None, status=Redemption.Status.EXPIRED, note=str(_("超过保留期限未领取")),
                     notice_kind="redemption_expired",
                     notice_text=str(_("您兑换的「%(good)s」超过保留期限未领取，%(points)s 积分已退回") % {
                         "good": redemption.good.name, "points": redemption.points}))
            done += 1
    return done
