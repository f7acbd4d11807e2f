"""Requests to outcomes (件件有回音、事事有着落): the case loop of GB/T 30428 — collect, file,
dispatch, handle, report back, verify and close, evaluate — with its append-only timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from linli.core import pii
from linli.core.history import HistoryEntry


class Level(models.TextChoices):
    """The escalation ladder (seed 004): 小事不出家门 (building), 一般困难不出小区门 (grid /
    compound), 重大问题不出社区门 (community), then the street, then departments."""

    BUILDING = "building", _("楼栋")
    GRID = "grid", _("网格")
    COMMUNITY = "community", _("社区")
    STREET = "street", _("街道")
    DEPARTMENT = "department", _("职能部门")


LADDER = [Level.BUILDING, Level.GRID, Level.COMMUNITY, Level.STREET, Level.DEPARTMENT]


class Category(models.Model):
    """An admin-edited category tree with its deadlines and default handling level."""

    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("上级类别"))
    code = models.SlugField(_("代码"), max_length=48, unique=True, help_text=_("也是 Open311 的 service_code"))
    name = models.CharField(_("名称"), max_length=50)
    name_en = models.CharField(_("英文名称"), max_length=100)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    keywords = models.TextField(_("关键词"), blank=True, help_text=_("冷启动分类建议用，空格或逗号分隔"))
    accept_hours = models.PositiveIntegerField(_("受理时限（小时）"), default=24)
    finish_days = models.PositiveIntegerField(_("办结时限（天）"), default=7)
    default_level = models.CharField(_("默认办理层级"), max_length=16, choices=Level.choices, default=Level.GRID)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["sort", "id"]
        verbose_name = _("诉求类别")
        verbose_name_plural = _("诉求类别")

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name


class RoutingRule(models.Model):
    """(category, place subtree) → the level or organisation that handles it. The most
    specific rule wins: the deepest place, then a category over "any category"."""

    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="routing_rules", verbose_name=_("类别（空为全部）"))
    place = models.ForeignKey("places.Place", on_delete=models.CASCADE, related_name="routing_rules",
                              verbose_name=_("适用地点（含下级）"))
    level = models.CharField(_("办理层级"), max_length=16, choices=Level.choices)
    organisation = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="routing_rules", verbose_name=_("承办部门"))

    class Meta:
        verbose_name = _("分派规则")
        verbose_name_plural = _("分派规则")


class Case(models.Model):
    scope_path_field = "path"

    class Channel(models.TextChoices):
        RESIDENT = "resident", _("居民自报")
        ON_BEHALF = "on_behalf", _("代办")
        PHONE = "phone", _("电话")
        WALK_IN = "walk_in", _("来访")
        PATROL = "patrol", _("巡查")
        VISIT = "visit", _("入户走访")
        MEETING = "meeting", _("会议")
        HOTLINE = "hotline", _("12345热线")
        API = "api", _("接口")
        OPEN311 = "open311", _("Open311")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待受理")
        ACCEPTED = "accepted", _("办理中")
        INFO_REQUESTED = "info_requested", _("待补充")
        ANSWERED = "answered", _("已答复待核查")
        CLOSED = "closed", _("已办结")
        MERGED = "merged", _("已合并")

    class Priority(models.IntegerChoices):
        LOW = 1, _("一般")
        NORMAL = 2, _("较急")
        URGENT = 3, _("紧急")

    class Outcome(models.TextChoices):
        SOLVED = "solved", _("已解决")
        PARTLY = "partly", _("部分解决")
        NOT_OURS = "not_ours", _("非本级职责")
        CANNOT = "cannot", _("无法解决")

    class Rating(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        BASIC = "basic", _("基本满意")
        UNSATISFIED = "unsatisfied", _("不满意")

    OPEN = (Status.SUBMITTED, Status.ACCEPTED, Status.INFO_REQUESTED, Status.ANSWERED)

    # Given by the INSERT: on PostgreSQL a trigger makes it from the new id and the day
    # (migration 0005); elsewhere submit_case sets it right after.
    number = models.CharField(_("编号"), max_length=24, unique=True, db_default="")
    path = models.CharField(_("路径"), max_length=255, db_index=True)
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="cases", verbose_name=_("地点"))
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="cases", verbose_name=_("类别"))
    suggested_category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+", verbose_name=_("建议类别"))
    # The suggester's ranking at intake, best first: [{"code": "streetlight", "p": 0.62}, ...]
    # (at most three; probabilities of the model, or shared-out keyword scores without one).
    suggested_ranking = models.JSONField(_("建议类别排序"), default=list, blank=True)
    text = models.TextField(_("内容"))
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="reported_cases", verbose_name=_("反映人账号"))
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="entered_cases", verbose_name=_("录入人"))
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone_enc = models.TextField(blank=True)
    contact_phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    contact_phone_masked = models.CharField(_("联系电话"), max_length=11, blank=True)
    is_public = models.BooleanField(_("公开"), default=False)
    priority = models.PositiveSmallIntegerField(_("紧急程度"), choices=Priority.choices, default=Priority.LOW)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED,
                              db_index=True)
    level = models.CharField(_("办理层级"), max_length=16, choices=Level.choices)
    # Where the handlers are: the place whose role holders act (a building, grid, community
    # or street), or a department.
    handler_place = models.ForeignKey("places.Place", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="handled_cases", verbose_name=_("承办地点"))
    handler_organisation = models.ForeignKey("accounts.Organisation", null=True, blank=True,
                                             on_delete=models.PROTECT, related_name="handled_cases",
                                             verbose_name=_("承办部门"))
    accept_due = models.DateTimeField(_("受理期限"))
    finish_due = models.DateTimeField(_("办结期限"))
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("首次联系时间"), null=True, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    # Who answered (handling and checking are separate steps: they do not verify it themselves).
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("答复人"))
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True, db_index=True)
    outcome = models.CharField(_("办理结果"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("结果说明"), blank=True)
    solved_by_reporter = models.BooleanField(_("反映人认为已解决"), null=True, blank=True)
    rating = models.CharField(_("满意度"), max_length=16, choices=Rating.choices, blank=True)
    rating_comment = models.CharField(_("评价"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    escalated_count = models.PositiveSmallIntegerField(_("上报次数"), default=0)
    # 黄牌/红牌督办: 0 none, 1 yellow (near the limit), 2 red (past it). Stays on the record.
    card = models.PositiveSmallIntegerField(_("督办"), default=0)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="merged_cases", verbose_name=_("合并到"))
    follow_up_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "finish_due"], name="case_status_due"),
            models.Index(fields=["path", "created_at"], name="case_path_created"),
        ]

    def __str__(self):
        return self.number

    def set_contact_phone(self, number: str) -> None:
        self.contact_phone_enc = pii.encrypt(number)
        self.contact_phone_hash = pii.lookup_hash(number)
        self.contact_phone_masked = pii.mask_phone(number)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @classmethod
    def extra_scope_q(cls, user, verb: str) -> Q | None:
        """Besides the places where they hold a role: reporters see their own cases (and
        followers of a merged duplicate the original), everyone sees public ones, and
        department staff see and handle only the cases referred or co-handled to their
        organisation, never the rest of their jurisdiction."""
        verb = str(verb)
        if not user.is_authenticated or verb not in ("case.view", "case.handle"):
            return None
        from linli.accounts.scope import organisations

        orgs = organisations(user)  # read with the user's role places, once per request
        referred = (Q(handler_organisation_id__in=orgs)
                    | Q(pk__in=CaseTask.objects.filter(organisation_id__in=orgs).values("case_id"))) if orgs else None
        if verb == "case.handle":
            return referred
        q = (Q(reporter_id=user.pk) | Q(is_public=True)
             | Q(pk__in=CaseSupporter.objects.filter(user_id=user.pk).values("case_id")))
        return q | referred if referred is not None else q


class CaseTask(models.Model):
    """One department's part of a co-handled case, with its own status and deadline. The
    case is finished only when every task is."""

    class Status(models.TextChoices):
        OPEN = "open", _("办理中")
        DONE = "done", _("已完成")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("诉求"))
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="case_tasks",
                                     verbose_name=_("承办部门"))
    instruction = models.CharField(_("要求"), max_length=500, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    due = models.DateTimeField(_("期限"))
    answer = models.TextField(_("办理情况"), blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("协办任务")
        verbose_name_plural = _("协办任务")
        constraints = [models.UniqueConstraint(fields=["case", "organisation"], name="case_task_unique_org")]


class CaseEvent(HistoryEntry):
    """The timeline: append-only. Internal notes are staff-only; the rest is public to the
    reporter."""

    class Kind(models.TextChoices):
        CREATED = "created", _("提交")
        CLASSIFIED = "classified", _("分类")
        ROUTED = "routed", _("分派")
        ACCEPTED = "accepted", _("受理")
        INFO_REQUESTED = "info_requested", _("要求补充")
        INFO_ADDED = "info_added", _("补充材料")
        ESCALATED = "escalated", _("上报")
        REFERRED = "referred", _("转部门")
        TASK_OPENED = "task_opened", _("发起协办")
        TASK_DONE = "task_done", _("协办完成")
        NOTE = "note", _("备注")
        CONTACTED = "contacted", _("联系反映人")
        ANSWERED = "answered", _("答复")
        VERIFIED = "verified", _("核查")
        CLOSED = "closed", _("办结")
        RATED = "rated", _("评价")
        REOPENED = "reopened", _("重新办理")
        MERGED = "merged", _("合并")
        ME_TOO = "me_too", _("我也遇到")
        OVERDUE = "overdue", _("超期")
        CARD = "card", _("督办")
        FOLLOW_UP = "follow_up", _("回访")
        TOPIC = "topic", _("转为议题")
        DECISION = "decision", _("会议决定")

    # Events a person makes as a resident: shown by name only to the case's handlers
    # (linli.accounts.display.display_name_for).
    RESIDENT_SIDE = frozenset({"created", "info_added", "me_too", "rated"})

    # The timeline follows its case when a place moves (the path is its case's).
    scope_path_field = "path"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("诉求"))
    kind = models.CharField(_("事件"), max_length=64, choices=Kind.choices)

    class Meta:
        ordering = ["id"]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")


class CasePhoto(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(CaseEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="photos")
    # Stored re-encoded without EXIF/GPS metadata: what is kept is what may be shown.
    image = models.ImageField(upload_to="cases/%Y/%m/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)


class CaseSupporter(models.Model):
    """"Me too": another resident reports the same problem on an open case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supporters")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="case_supporter_unique")]
