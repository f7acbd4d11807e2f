"""The three lists (需求清单、问题清单、项目清单, seed 002) tracked to results: items on the place
tree with a source, an owner, a due date and a status moved only through the transition table;
projects with budget lines, append-only money entries, milestones and before/after photos.

Figures kept on the item row (`budget_fen`, `pledged_fen`, `received_fen`, `spent_fen`,
`progress_bp`) are derived: the services rewrite them in the transaction that appends the
entry or changes the milestone they come from, under the item's row lock, and
`manage.py lists_recompute` recomputes every one of them from the records and reports any
difference. Nobody types them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.history import HistoryEntry


class Kind(models.TextChoices):
    NEED = "need", _("需求")
    PROBLEM = "problem", _("问题")
    PROJECT = "project", _("项目")


class Status(models.TextChoices):
    PROPOSED = "proposed", _("已提出")
    ACCEPTED = "accepted", _("已受理")
    IN_PROGRESS = "in_progress", _("推进中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class SourceKind(models.TextChoices):
    CASE = "case", _("居民诉求")
    TOPIC = "topic", _("议题")
    DECISION = "decision", _("会议决定")
    VISIT = "visit", _("入户走访")
    PLAN = "plan", _("部门计划")
    OTHER = "other", _("其他")


class ProgressMode(models.TextChoices):
    MILESTONES = "milestones", _("按里程碑")
    STATUS = "status", _("按状态")


# Progress in basis points (1/100 of a percent) that each status carries in status mode.
STATUS_PROGRESS_BP = {
    Status.PROPOSED: 0,
    Status.ACCEPTED: 1000,
    Status.IN_PROGRESS: 5000,
    Status.DONE: 10000,
    Status.CANCELLED: 0,  # never counted: cancelled items are left out of every roll-up
}
OPEN_STATUSES = (Status.PROPOSED, Status.ACCEPTED, Status.IN_PROGRESS)


class Item(models.Model):
    """One line of one of the three lists, at a place (compound, grid, community or street)."""

    scope_path_field = "path"

    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("内容"), blank=True)
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="list_items",
                              verbose_name=_("地点"))
    path = models.CharField(_("路径"), max_length=255, db_index=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PROPOSED)
    # Where the item came from. A case is a real foreign key (the case reaches its items
    # through `case.list_items`); topics and decisions of the deliberation app are linked by
    # kind and id until that app exists on this branch.
    source_kind = models.CharField(_("来源"), max_length=16, choices=SourceKind.choices, default=SourceKind.OTHER)
    source_id = models.PositiveBigIntegerField(_("来源编号"), null=True, blank=True)
    source_note = models.CharField(_("来源说明"), max_length=200, blank=True)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="list_items", verbose_name=_("来源诉求"))
    owner_organisation = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="list_items", verbose_name=_("责任单位"))
    owner_person = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="owned_list_items", verbose_name=_("责任人"))
    due_date = models.DateField(_("完成时限"), null=True, blank=True)
    starts_on = models.DateField(_("开始日期"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("上级项目"))
    progress_mode = models.CharField(_("进度计算方式"), max_length=16, choices=ProgressMode.choices,
                                     default=ProgressMode.STATUS)
    allows_advance = models.BooleanField(_("允许垫付"), default=False,
                                         help_text=_("允许支出超过已到账余额（记为垫付）"))
    is_public = models.BooleanField(_("公开"), default=True)
    # Derived figures (see the module doc).
    budget_fen = models.BigIntegerField(_("预算（分）"), default=0, editable=False)
    pledged_fen = models.BigIntegerField(_("认捐（分）"), default=0, editable=False)
    received_fen = models.BigIntegerField(_("到账（分）"), default=0, editable=False)
    spent_fen = models.BigIntegerField(_("支出（分）"), default=0, editable=False)
    progress_bp = models.PositiveIntegerField(_("进度（万分比）"), default=0, editable=False)
    done_on = models.DateField(_("完成日期"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("清单事项")
        verbose_name_plural = _("清单事项")
        indexes = [models.Index(fields=["path", "kind", "status"], name="lists_item_path_kind_status")]
        constraints = [
            models.CheckConstraint(condition=Q(progress_bp__lte=10000), name="lists_item_progress_range"),
            models.CheckConstraint(condition=~Q(source_kind="case") | Q(case__isnull=False),
                                   name="lists_item_case_source_has_case"),
        ]

    def __str__(self):
        return self.title

    @property
    def balance_fen(self) -> int:
        return self.received_fen - self.spent_fen

    @property
    def progress_percent(self) -> str:
        return f"{self.progress_bp / 100:.0f}"

    @property
    def is_project(self) -> bool:
        return self.kind == Kind.PROJECT

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ItemEvent(HistoryEntry):
    """The item's history: created, each status change, links, milestones, photos, money."""

    scope_path_field = "path"

    class Kind(models.TextChoices):
        CREATED = "created", _("登记")
        STATUS = "status", _("状态变更")
        LINKED = "linked", _("关联项目")
        OUTCOME = "outcome", _("项目结果")
        BUDGET = "budget", _("预算调整")
        MONEY = "money", _("资金记录")
        MILESTONE = "milestone", _("里程碑")
        PHOTO = "photo", _("照片")
        EDITED = "edited", _("修改")
        DECISION = "decision", _("会议决定")

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="events", verbose_name=_("事项"))

    class Meta(HistoryEntry.Meta):
        verbose_name = _("清单事项记录")
        verbose_name_plural = _("清单事项记录")

    def kind_label(self):
        return dict(self.Kind.choices).get(self.kind, self.kind)

    @property
    def status_change(self) -> str:
        labels = dict(Status.choices)
        return f"{labels.get(self.data.get('from'), '')} → {labels.get(self.data.get('to'), '')}"


class ItemLink(models.Model):
    """A need or problem answered by a project; the project's closing says what became of it."""

    class Outcome(models.TextChoices):
        SOLVED = "solved", _("已解决")
        PARTLY = "partly", _("部分解决")
        NOT_SOLVED = "not_solved", _("未解决")

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="answered_by", verbose_name=_("需求或问题"))
    project = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="answers", verbose_name=_("项目"))
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_note = models.CharField(_("结果说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("清单关联")
        verbose_name_plural = _("清单关联")
        constraints = [models.UniqueConstraint(fields=["item", "project"], name="lists_link_once")]


class BudgetLine(models.Model):
    """A planned line of a project's spending (materials, labour …); disbursements name one."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="budget_lines", verbose_name=_("项目"))
    name = models.CharField(_("预算科目"), max_length=60)
    amount_fen = models.BigIntegerField(_("预算金额（分）"))
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort", "id"]
        verbose_name = _("预算科目")
        verbose_name_plural = _("预算科目")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="lists_budget_nonnegative"),
            models.UniqueConstraint(fields=["item", "name"], name="lists_budget_unique_name"),
        ]

    def __str__(self):
        return self.name


class FundingSource(models.TextChoices):
    PUBLIC = "public", _("财政资金")
    PARTNER = "partner", _("共建单位")
    RESIDENTS = "residents", _("居民筹资")
    CHARITY = "charity", _("公益金/爱心储蓄罐")


class MoneyEntry(HistoryEntry):
    """One pledge, receipt or disbursement: append-only. A correction is a new entry that
    reverses an earlier one (its amount negated, `reverses` set), never an edit. `kind` is
    the entry kind; `amount_fen` is positive except on reversals."""

    scope_path_field = "path"

    class Kind(models.TextChoices):
        PLEDGE = "pledge", _("认捐")
        RECEIPT = "receipt", _("到账")
        DISBURSEMENT = "disbursement", _("支出")

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="money", verbose_name=_("项目"))
    source = models.CharField(_("资金来源"), max_length=16, choices=FundingSource.choices, blank=True)
    budget_line = models.ForeignKey(BudgetLine, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="entries", verbose_name=_("预算科目"))
    party = models.CharField(_("付款方/收款方"), max_length=100)
    contributor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="list_contributions", verbose_name=_("捐款居民"))
    show_name = models.BooleanField(_("公示姓名"), default=False, help_text=_("捐款人同意在公示中显示姓名"))
    amount_fen = models.BigIntegerField(_("金额（分）"))
    on_date = models.DateField(_("日期"))
    is_advance = models.BooleanField(_("垫付"), default=False)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by", verbose_name=_("冲正的记录"))
    voucher = models.ImageField(_("凭证照片"), upload_to="lists/vouchers/%Y/%m/", blank=True)
    receipt_no = models.CharField(_("收据编号"), max_length=32, blank=True, db_index=True)

    class Meta(HistoryEntry.Meta):
        verbose_name = _("资金记录")
        verbose_name_plural = _("资金记录")
        indexes = [models.Index(fields=["item", "kind"], name="lists_money_item_kind")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_fen=0), name="lists_money_nonzero"),
            models.CheckConstraint(condition=Q(reverses__isnull=False) | Q(amount_fen__gt=0),
                                   name="lists_money_positive_unless_reversal"),
        ]

    def kind_label(self):
        return dict(self.Kind.choices).get(self.kind, self.kind)

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


class Milestone(models.Model):
    """A step of a project with planned and actual dates. Weights are all set or all empty
    (then equal)."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="milestones", verbose_name=_("项目"))
    title = models.CharField(_("名称"), max_length=100)
    weight = models.PositiveSmallIntegerField(_("权重"), null=True, blank=True)
    planned_on = models.DateField(_("计划日期"))
    done_on = models.DateField(_("实际完成日期"), null=True, blank=True)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort", "planned_on", "id"]
        verbose_name = _("里程碑")
        verbose_name_plural = _("里程碑")

    def __str__(self):
        return self.title


class ItemPhoto(models.Model):
    class Phase(models.TextChoices):
        BEFORE = "before", _("施工前")
        PROGRESS = "progress", _("施工中")
        AFTER = "after", _("完工后")

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="photos", verbose_name=_("事项"))
    milestone = models.ForeignKey(Milestone, null=True, blank=True, on_delete=models.PROTECT, related_name="photos",
                                  verbose_name=_("里程碑"))
    phase = models.CharField(_("阶段"), max_length=16, choices=Phase.choices)
    image = models.ImageField(_("照片"), upload_to="lists/photos/%Y/%m/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("清单照片")
        verbose_name_plural = _("清单照片")


class Follower(models.Model):
    """A resident (or anyone) who gets a notice when the item moves."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="followers", verbose_name=_("事项"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_list_items")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("关注")
        verbose_name_plural = _("关注")
        constraints = [models.UniqueConstraint(fields=["item", "user"], name="lists_follow_once")]
