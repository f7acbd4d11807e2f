"""Points (石榴红积分): a double-entry ledger, earning rules, awards and the points shop.

Every movement of points is one `PointTransfer` (the history row: who, when, why, where)
with two or more `PointEntry` legs that sum to zero. A person's balance is the sum of their
entries, cached on `PointAccount.balance` in the same transaction and checked by
`manage.py points_recompute`. Points a person holds come in lots (`PointLot`, one per
credit that can expire); a debit is split over lots soonest-expiring first, each leg naming
its lot, so a lot's remainder is derived from entries too."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.history import AppendOnlyError, HistoryEntry


class PointAccount(models.Model):
    """A person's points in one community, or one of the system accounts the other leg of
    every movement goes to (issued, held for the shop, spent, expired)."""

    class Kind(models.TextChoices):
        PERSON = "person", _("个人")
        ISSUED = "issued", _("发放")
        HELD = "held", _("兑换冻结")
        SPENT = "spent", _("已兑换")
        EXPIRED = "expired", _("已过期")

    scope_path_field = "path"

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.PERSON)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="point_accounts", verbose_name=_("持有人"))
    community = models.ForeignKey("places.Place", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("社区"))
    path = models.CharField(_("位置路径"), max_length=255, blank=True, db_index=True)
    # The sum of this account's entries, kept in the transaction that appends them. System
    # accounts are never locked nor cached (every award would queue on them): their
    # balance is always the sum.
    balance = models.BigIntegerField(_("余额"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")
        constraints = [
            models.UniqueConstraint(fields=["owner", "community"], condition=Q(kind="person"),
                                    name="points_one_account_per_person_and_community"),
            models.UniqueConstraint(fields=["kind"], condition=~Q(kind="person"), name="points_one_system_account"),
            models.CheckConstraint(condition=~Q(kind="person") | Q(balance__gte=0),
                                   name="points_person_balance_not_negative"),
            models.CheckConstraint(condition=Q(kind="person", owner__isnull=False, community__isnull=False)
                                   | (~Q(kind="person") & Q(owner__isnull=True)),
                                   name="points_account_owner_matches_kind"),
        ]

    def __str__(self):
        if self.kind != self.Kind.PERSON:
            return str(self.get_kind_display())
        return f"{self.owner} @ {self.community}"


class PointTransfer(HistoryEntry):
    """One movement of points: the history row its entries hang on."""

    class Kind(models.TextChoices):
        AWARD = "award", _("获得积分")
        MANUAL = "manual", _("手工发放")
        REDEEM = "redeem", _("兑换冻结")
        CLAIM = "claim", _("领取兑换")
        REFUND = "refund", _("退回积分")
        EXPIRE = "expire", _("积分过期")
        REVERSAL = "reversal", _("冲正")

    scope_path_field = "path"
    # The history base's kind, with this table's choices (so pages show their names).
    kind = models.CharField(_("事件"), max_length=64, choices=Kind.choices)

    # A correction reverses a transfer once: the unique one-to-one says so in the database.
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by", verbose_name=_("冲正对象"))

    class Meta:
        verbose_name = _("积分流水")
        verbose_name_plural = _("积分流水")
        ordering = ["id"]


class PointLot(models.Model):
    """Points credited together and expiring together. `remaining` is the sum of the lot's
    entries, kept in the same transaction (checked by the recompute command)."""

    account = models.ForeignKey(PointAccount, on_delete=models.PROTECT, related_name="lots")
    transfer = models.ForeignKey(PointTransfer, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(_("数量"))
    remaining = models.BigIntegerField(_("剩余"))
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("积分批次")
        verbose_name_plural = _("积分批次")
        constraints = [models.CheckConstraint(condition=Q(remaining__gte=0) & Q(remaining__lte=models.F("amount")),
                                              name="points_lot_remaining_in_range")]


class PointEntry(models.Model):
    """One leg of a transfer: append-only."""

    transfer = models.ForeignKey(PointTransfer, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(PointAccount, on_delete=models.PROTECT, related_name="entries")
    lot = models.ForeignKey(PointLot, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField(_("数量"))
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("积分分录")
        verbose_name_plural = _("积分分录")
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="points_entry_not_zero")]
        indexes = [models.Index(fields=["account", "at"])]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("PointEntry rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("PointEntry rows are append-only")


class EarningRule(models.Model):
    """How a community pays for taking part."""

    class Trigger(models.TextChoices):
        ATTENDED = "attended", _("参加活动")
        SERVICE_HOUR = "service_hour", _("志愿服务时长（每小时）")
        VERIFIED_TIP = "verified_tip", _("反映问题获核实办结")

    scope_path_field = "path"

    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    path = models.CharField(_("位置路径"), max_length=255, db_index=True)
    trigger = models.CharField(_("来源"), max_length=16, choices=Trigger.choices)
    name = models.CharField(_("名称"), max_length=100)
    points = models.PositiveIntegerField(_("积分"))
    daily_cap = models.PositiveIntegerField(_("每日上限"), null=True, blank=True)
    monthly_cap = models.PositiveIntegerField(_("每月上限"), null=True, blank=True)
    valid_days = models.PositiveIntegerField(_("有效天数"), null=True, blank=True,
                                             help_text=_("留空表示永不过期"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        constraints = [models.CheckConstraint(condition=Q(points__gt=0), name="points_rule_points_positive")]

    def __str__(self):
        return self.name


class Award(models.Model):
    """Points a rule owes a person for one source occurrence. Pending until the source is
    verified; then credited (possibly less, up to the caps) or capped. The unique
    (rule, source, person) means a repeated event or a retried job never pays twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待核实")
        CREDITED = "credited", _("已入账")
        CAPPED = "capped", _("超出上限")
        VOID = "void", _("已作废")

    scope_path_field = "path"

    rule = models.ForeignKey(EarningRule, on_delete=models.PROTECT, related_name="awards", verbose_name=_("规则"))
    source = models.CharField(_("来源"), max_length=100)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("获得人"))
    path = models.CharField(_("位置路径"), max_length=255, db_index=True)
    points = models.PositiveIntegerField(_("积分"))
    credited = models.PositiveIntegerField(_("实际入账"), default=0)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    transfer = models.OneToOneField(PointTransfer, null=True, blank=True, on_delete=models.PROTECT, related_name="award")
    created_at = models.DateTimeField(auto_now_add=True)
    credited_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("积分奖励")
        verbose_name_plural = _("积分奖励")
        constraints = [models.UniqueConstraint(fields=["rule", "source", "person"], name="points_one_award_per_source")]


class Good(models.Model):
    """Goods in a community's points shop. `stock` is the sum of the good's stock entries."""

    scope_path_field = "path"

    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    path = models.CharField(_("位置路径"), max_length=255, db_index=True)
    name = models.CharField(_("名称"), max_length=100)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    price = models.PositiveIntegerField(_("所需积分"))
    stock = models.IntegerField(_("库存"), default=0)
    donor = models.CharField(_("捐赠单位"), max_length=100, blank=True, help_text=_("留空表示用经费购买"))
    is_active = models.BooleanField(_("上架"), default=True)

    class Meta:
        verbose_name = _("兑换商品")
        verbose_name_plural = _("兑换商品")
        constraints = [models.CheckConstraint(condition=Q(stock__gte=0), name="points_good_stock_not_negative"),
                       models.CheckConstraint(condition=Q(price__gt=0), name="points_good_price_positive")]

    def __str__(self):
        return self.name


class Redemption(models.Model):
    """Points exchanged for a good: held (points and stock set aside) until the counter
    scans the code, or released once if it expires or is cancelled."""

    class Status(models.TextChoices):
        HELD = "held", _("待领取")
        CLAIMED = "claimed", _("已领取")
        EXPIRED = "expired", _("已过期")
        CANCELLED = "cancelled", _("已取消")

    scope_path_field = "path"

    good = models.ForeignKey(Good, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("商品"))
    account = models.ForeignKey(PointAccount, on_delete=models.PROTECT, related_name="redemptions")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("兑换人"))
    path = models.CharField(_("位置路径"), max_length=255, db_index=True)
    points = models.PositiveIntegerField(_("积分"))
    code = models.CharField(_("领取码"), max_length=16, unique=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.HELD)
    hold_until = models.DateTimeField(_("保留至"), db_index=True)
    transfer = models.OneToOneField(PointTransfer, on_delete=models.PROTECT, related_name="+")
    # The transfer that released the hold (claim, refund): one, so a release happens once.
    release = models.OneToOneField(PointTransfer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("兑换记录")
        verbose_name_plural = _("兑换记录")


class StockEntry(HistoryEntry):
    """A change of a good's stock: stocked, held by a redemption, returned."""

    class Kind(models.TextChoices):
        RESTOCK = "restock", _("入库")
        HOLD = "hold", _("兑换占用")
        RETURN = "return", _("退回库存")
        ADJUST = "adjust", _("盘点调整")

    scope_path_field = "path"
    kind = models.CharField(_("事件"), max_length=64, choices=Kind.choices)

    good = models.ForeignKey(Good, on_delete=models.PROTECT, related_name="stock_entries")
    redemption = models.ForeignKey(Redemption, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    delta = models.IntegerField(_("数量变化"))

    class Meta:
        verbose_name = _("库存流水")
        verbose_name_plural = _("库存流水")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["redemption", "kind"], condition=Q(redemption__isnull=False),
                                               name="points_one_stock_move_per_redemption_and_kind")]
