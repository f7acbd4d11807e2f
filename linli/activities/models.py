"""Activities with capacity and a waiting list, check-in, hours; volunteers, teams, party
members' double reporting (双报到) and partner units paired with grids (结对共建).

A participant's status moves only along `TRANSITIONS`; `USES_PLACE` says which statuses
hold one of the activity's places. Places used are counted from the rows under the
activity's row lock (services.py), never kept as a counter."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.history import HistoryEntry


LEADER_VERBS = ("activity.manage", "activity.checkin")


def _led_q(user, verb, field: str) -> Q | None:
    """Rows of the teams `user` leads now, for the organiser's verbs only."""
    if str(verb) not in LEADER_VERBS or user is None or not user.is_authenticated:
        return None
    led = TeamMember.objects.filter(person_id=user.pk, is_leader=True, left_on__isnull=True).values("team_id")
    return Q(**{f"{field}__in": led})


class Activity(models.Model):
    class Kind(models.TextChoices):
        VOLUNTEER = "volunteer", _("志愿服务")
        CULTURE = "culture", _("文体活动")
        TRAINING = "training", _("培训")
        HEALTH = "health", _("健康服务")
        FESTIVAL = "festival", _("节日活动")

    class Organiser(models.TextChoices):
        COMMUNITY = "community", _("社区")
        ORGANISATION = "organisation", _("社会组织")
        PARTNER_UNIT = "partner_unit", _("共建单位")
        TEAM = "team", _("志愿服务队")

    class Status(models.TextChoices):
        PUBLISHED = "published", _("报名中")
        CANCELLED = "cancelled", _("已取消")

    scope_path_field = "path"

    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("地点"))
    path = models.CharField(_("位置路径"), max_length=255, db_index=True)
    venue = models.CharField(_("具体地点"), max_length=100, blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    organiser_kind = models.CharField(_("主办方类型"), max_length=16, choices=Organiser.choices,
                                      default=Organiser.COMMUNITY)
    organiser_name = models.CharField(_("主办方"), max_length=100)
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("负责人"))
    title = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("介绍"), blank=True)
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"))
    # 0 = no limit: everyone who signs up is in (a festival in the square).
    capacity = models.PositiveIntegerField(_("名额"), default=0)
    signup_opens_at = models.DateTimeField(_("报名开始"), null=True, blank=True)
    signup_closes_at = models.DateTimeField(_("报名截止"), null=True, blank=True)
    audience_tags = models.JSONField(_("面向人群标签"), default=list, blank=True)
    for_party_members = models.BooleanField(_("面向党员"), default=False)
    for_volunteers = models.BooleanField(_("面向志愿者"), default=False)
    points = models.PositiveIntegerField(_("参加积分"), default=0)
    service_minutes = models.PositiveIntegerField(_("计入服务时长（分钟）"), default=0)
    offer_minutes = models.PositiveIntegerField(_("候补名额保留（分钟）"), default=120)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    checkin_secret = models.CharField(max_length=32, editable=False)
    # A team's activity: its leaders manage it by relation (extra_scope_q), not by a role.
    team = models.ForeignKey("Team", null=True, blank=True, on_delete=models.PROTECT, related_name="activities",
                             verbose_name=_("主办队伍"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        ordering = ["starts_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="activities_ends_after_start"),
                       models.CheckConstraint(condition=Q(team__isnull=True) | Q(organiser_kind="team"),
                                              name="activities_team_organises_as_team")]

    def __str__(self):
        return self.title

    @classmethod
    def extra_scope_q(cls, user, verb):
        """A team's leaders manage and check in their team's activities."""
        return _led_q(user, verb, "team_id")


class Participation(models.Model):
    class Status(models.TextChoices):
        SIGNED_UP = "signed_up", _("已报名")          # an activity without a limit
        WAITING = "waiting", _("候补中")
        OFFERED = "offered", _("候补递补待确认")
        CONFIRMED = "confirmed", _("已确认")
        CANCELLED = "cancelled", _("已取消")
        ATTENDED = "attended", _("已签到")
        NO_SHOW = "no_show", _("未到")

    scope_path_field = "path"

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="participations",
                                 verbose_name=_("活动"))
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="participations",
                               verbose_name=_("参加人"))
    path = models.CharField(_("位置路径"), max_length=255, db_index=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices)
    priority = models.IntegerField(_("候补优先级"), default=0)
    queued_at = models.DateTimeField(_("排队时间"))
    offer_expires_at = models.DateTimeField(_("递补确认截止"), null=True, blank=True, db_index=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    verified_minutes = models.PositiveIntegerField(_("核定服务时长（分钟）"), null=True, blank=True)
    hours_verified_at = models.DateTimeField(null=True, blank=True)
    hours_verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        constraints = [models.UniqueConstraint(fields=["activity", "person"], name="activities_one_row_per_person")]
        indexes = [models.Index(fields=["activity", "status", "priority", "queued_at"])]

    @classmethod
    def extra_scope_q(cls, user, verb):
        return _led_q(user, verb, "activity__team_id")


S = Participation.Status
# Which statuses hold one of the activity's places.
USES_PLACE = {S.SIGNED_UP: False, S.WAITING: False, S.OFFERED: True, S.CONFIRMED: True, S.CANCELLED: False,
              S.ATTENDED: True, S.NO_SHOW: False}
# The only moves a participation can make (None = a new row).
TRANSITIONS = {
    None: {S.SIGNED_UP, S.CONFIRMED, S.WAITING},
    S.SIGNED_UP: {S.CANCELLED, S.ATTENDED, S.NO_SHOW},
    S.WAITING: {S.OFFERED, S.CANCELLED},
    S.OFFERED: {S.CONFIRMED, S.CANCELLED},
    S.CONFIRMED: {S.CANCELLED, S.ATTENDED, S.NO_SHOW},
    S.CANCELLED: {S.SIGNED_UP, S.CONFIRMED, S.WAITING},
    S.ATTENDED: set(),
    S.NO_SHOW: {S.ATTENDED},  # a scan queued offline arrives after the activity closed
}
PLACE_STATUSES = [s for s, uses in USES_PLACE.items() if uses]


class ParticipationEvent(HistoryEntry):
    """Every status change of a participation (from, to in `data`)."""

    scope_path_field = "path"
    participation = models.ForeignKey(Participation, on_delete=models.PROTECT, related_name="events")

    class Meta:
        verbose_name = _("报名记录")
        verbose_name_plural = _("报名记录")
        ordering = ["id"]


class Scan(HistoryEntry):
    """One check-in attempt: accepted, duplicate or failed, with the nonce the phone made
    and the time it scanned (`scanned_at`) apart from the time it arrived (`at`)."""

    class Result(models.TextChoices):
        ACCEPTED = "accepted", _("签到成功")
        DUPLICATE = "duplicate", _("重复签到")
        FAILED = "failed", _("签到失败")

    class Method(models.TextChoices):
        SCAN = "scan", _("扫码")
        SELF = "self", _("现场签到码")
        CHECKOUT = "checkout", _("签退")

    scope_path_field = "path"
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="scans")
    participation = models.ForeignKey(Participation, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="scans")
    nonce = models.CharField(_("扫码编号"), max_length=64, unique=True)
    scanned_at = models.DateTimeField(_("扫码时间"))
    method = models.CharField(_("方式"), max_length=16, choices=Method.choices, default=Method.SCAN)
    result = models.CharField(_("结果"), max_length=16, choices=Result.choices)

    class Meta:
        verbose_name = _("签到记录")
        verbose_name_plural = _("签到记录")
        ordering = ["id"]


class HoursCorrection(models.Model):
    """A volunteer asks for their verified hours to be corrected; the organiser answers."""

    class Status(models.TextChoices):
        OPEN = "open", _("待答复")
        ACCEPTED = "accepted", _("已更正")
        REFUSED = "refused", _("不予更正")

    scope_path_field = "path"
    participation = models.ForeignKey(Participation, on_delete=models.PROTECT, related_name="corrections")
    path = models.CharField(max_length=255, db_index=True)
    minutes = models.PositiveIntegerField(_("申请时长（分钟）"))
    reason = models.CharField(_("理由"), max_length=300)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    answer = models.CharField(_("答复"), max_length=300, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    @classmethod
    def extra_scope_q(cls, user, verb):
        return _led_q(user, verb, "participation__activity__team_id")

    class Meta:
        verbose_name = _("时长更正申请")
        verbose_name_plural = _("时长更正申请")


class ManualHours(HistoryEntry):
    """Service hours recorded by hand (no activity record), with a reason; audited."""

    scope_path_field = "path"
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    minutes = models.PositiveIntegerField(_("时长（分钟）"))
    served_on = models.DateField(_("服务日期"))

    class Meta:
        verbose_name = _("手工登记时长")
        verbose_name_plural = _("手工登记时长")
        ordering = ["id"]


# ---------------------------------------------------------------- double reporting (双报到)


class PartnerUnit(models.Model):
    """A unit (机关、企事业单位) that registers with the community and pairs with grids."""

    scope_path_field = "path"
    name = models.CharField(_("单位名称"), max_length=100)
    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    path = models.CharField(max_length=255, db_index=True)
    party_branch = models.CharField(_("党组织"), max_length=100, blank=True)
    contact = models.CharField(_("联系人"), max_length=50, blank=True)
    # The unit's liaison with an account claims posts for the unit on their phone.
    liaison = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("联络员"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("共建单位")
        verbose_name_plural = _("共建单位")
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="activities_unit_once")]

    def __str__(self):
        return self.name


class Pairing(models.Model):
    """结对共建: a unit paired with a community or grid (1+1; several units on one grid is
    N+1), with the pledges it makes."""

    scope_path_field = "path"
    unit = models.ForeignKey(PartnerUnit, on_delete=models.PROTECT, related_name="pairings")
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("结对地点"))
    path = models.CharField(max_length=255, db_index=True)
    pledges = models.TextField(_("共建承诺"), blank=True)
    since = models.DateField(_("结对日期"))

    class Meta:
        verbose_name = _("结对共建")
        verbose_name_plural = _("结对共建")
        constraints = [models.UniqueConstraint(fields=["unit", "place"], name="activities_pair_once")]


class MemberRegistration(models.Model):
    """An employed party member registered with the community where they live (在职党员到社区报到)."""

    scope_path_field = "path"
    # Registered members need no account to be on the roster; `person` links one once opened.
    name = models.CharField(_("姓名"), max_length=50)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    unit = models.ForeignKey(PartnerUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="members")
    party_branch = models.CharField(_("所在党支部"), max_length=100, blank=True)
    grid = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("服务网格"))
    path = models.CharField(max_length=255, db_index=True)
    registered_on = models.DateField(_("报到日期"))

    class Meta:
        verbose_name = _("报到党员")
        verbose_name_plural = _("报到党员")
        constraints = [models.UniqueConstraint(fields=["person"], condition=Q(person__isnull=False),
                                               name="activities_member_registers_once")]


class Post(models.Model):
    """A grid's need or volunteer post with a head count, claimed (认领) by members or units."""

    scope_path_field = "path"
    grid = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("网格"))
    path = models.CharField(max_length=255, db_index=True)
    title = models.CharField(_("岗位或需求"), max_length=100)
    head_count = models.PositiveIntegerField(_("需要人数"))
    # Claims are counted under the post's row lock, so a post is never claimed past its head count.
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("认领岗位")
        verbose_name_plural = _("认领岗位")


class PostClaim(models.Model):
    scope_path_field = "path"
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="claims")
    path = models.CharField(max_length=255, db_index=True)
    member = models.ForeignKey(MemberRegistration, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="claims")
    unit = models.ForeignKey(PartnerUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="claims")
    claimed_at = models.DateTimeField(auto_now_add=True)
    # Done: the grid confirms the claimed service was given (who and when).
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("确认人"))

    class Meta:
        verbose_name = _("岗位认领")
        verbose_name_plural = _("岗位认领")
        constraints = [models.CheckConstraint(condition=Q(member__isnull=False) | Q(unit__isnull=False),
                                              name="activities_claim_by_someone"),
                       models.UniqueConstraint(fields=["post", "member"], condition=Q(member__isnull=False),
                                               name="activities_member_claims_once"),
                       models.UniqueConstraint(fields=["post", "unit"], condition=Q(unit__isnull=False),
                                               name="activities_unit_claims_once"),
                       models.CheckConstraint(condition=Q(done_at__isnull=True, done_by__isnull=True)
                                              | Q(done_at__isnull=False),
                                              name="activities_claim_done_has_time")]


# ---------------------------------------------------------------- volunteers and teams

SKILLS = (("medical", _("医疗护理")), ("legal", _("法律咨询")), ("counselling", _("心理疏导")),
          ("tutoring", _("课业辅导")), ("arts", _("文艺特长")), ("repair", _("家电维修")),
          ("computer", _("电脑网络")), ("photo", _("摄影摄像")), ("driving", _("驾驶")),
          ("mediation", _("调解纠纷")), ("elderly_care", _("助老服务")), ("sign_language", _("手语")))
SLOTS = (("weekday_morning", _("工作日上午")), ("weekday_afternoon", _("工作日下午")),
         ("weekday_evening", _("工作日晚上")), ("weekend_morning", _("周末上午")),
         ("weekend_afternoon", _("周末下午")), ("weekend_evening", _("周末晚上")))


def _tags(codes) -> str:
    """A set of codes stored as ",a,b," so one `contains ",a,"` filter finds it on every database."""
    return "," + ",".join(sorted(set(codes))) + "," if codes else ""


class VolunteerProfile(models.Model):
    """A volunteer's skills (from SKILLS, plus free text) and when they can serve (SLOTS).
    The path is their home (or their community when no home is known), for scope."""

    scope_path_field = "path"
    person = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="volunteer_profile", verbose_name=_("志愿者"))
    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    path = models.CharField(max_length=255, db_index=True)
    skills = models.CharField(_("特长"), max_length=300, blank=True)
    skills_note = models.CharField(_("其他特长"), max_length=200, blank=True)
    availability = models.CharField(_("可服务时段"), max_length=200, blank=True)
    is_active = models.BooleanField(_("接受服务邀请"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("志愿者档案")
        verbose_name_plural = _("志愿者档案")

    @property
    def skill_codes(self) -> list[str]:
        return [c for c in self.skills.split(",") if c]

    @property
    def slot_codes(self) -> list[str]:
        return [c for c in self.availability.split(",") if c]

    def skill_labels(self) -> list[str]:
        labels = dict(SKILLS)
        return [str(labels[c]) for c in self.skill_codes if c in labels]

    def slot_labels(self) -> list[str]:
        labels = dict(SLOTS)
        return [str(labels[c]) for c in self.slot_codes if c in labels]


class Team(models.Model):
    """A community's team (舞蹈队、合唱团、志愿服务队 …); its leaders run its activities."""

    class Kind(models.TextChoices):
        DANCE = "dance", _("舞蹈队")
        CHOIR = "choir", _("合唱团")
        VOLUNTEER = "volunteer", _("志愿服务队")
        SPORTS = "sports", _("体育队")
        OTHER = "other", _("其他队伍")

    scope_path_field = "path"
    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    path = models.CharField(max_length=255, db_index=True)
    name = models.CharField(_("队伍名称"), max_length=50)
    kind = models.CharField(_("队伍类型"), max_length=16, choices=Kind.choices)
    description = models.CharField(_("队伍简介"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("队伍")
        verbose_name_plural = _("队伍")
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="activities_team_name_once")]

    def __str__(self):
        return self.name


class TeamMember(models.Model):
    """A person's membership of a team, from joining to leaving; a leader is an active member."""

    scope_path_field = "path"
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="team_memberships")
    path = models.CharField(max_length=255, db_index=True)
    is_leader = models.BooleanField(_("队长"), default=False)
    joined_on = models.DateField(_("入队日期"))
    left_on = models.DateField(_("离队日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("队员")
        verbose_name_plural = _("队员")
        constraints = [
            models.UniqueConstraint(fields=["team", "person"], condition=Q(left_on__isnull=True),
                                    name="activities_team_member_once"),
            models.CheckConstraint(condition=Q(is_leader=False) | Q(left_on__isnull=True),
                                   name="activities_leader_is_active_member"),
            models.CheckConstraint(condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                                   name="activities_team_left_after_joined"),
        ]


class MemberEvaluation(models.Model):
    """The community's yearly evaluation of a registered party member: one per member and
    year; drafted from the record of that year (kept with it as it stood when evaluated)."""

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", _("优秀")
        GOOD = "good", _("合格")
        FAIR = "fair", _("基本合格")
        POOR = "poor", _("不合格")

    scope_path_field = "path"
    member = models.ForeignKey(MemberRegistration, on_delete=models.PROTECT, related_name="evaluations")
    year = models.PositiveIntegerField(_("年度"))
    path = models.CharField(max_length=255, db_index=True)
    grade = models.CharField(_("评价等次"), max_length=16, choices=Grade.choices)
    comment = models.CharField(_("社区评语"), max_length=500)
    minutes = models.PositiveIntegerField(_("服务时长（分钟）"), default=0)
    activities = models.PositiveIntegerField(_("参加活动"), default=0)
    posts = models.PositiveIntegerField(_("认领岗位"), default=0)
    evaluated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    evaluated_at = models.DateTimeField(_("评价时间"))

    class Meta:
        verbose_name = _("党员年度评价")
        verbose_name_plural = _("党员年度评价")
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="activities_one_evaluation_a_year")]


class EvaluationEvent(HistoryEntry):
    """Every grade given or changed (from, to in `data`; the reason in `note`)."""

    scope_path_field = "path"
    evaluation = models.ForeignKey(MemberEvaluation, on_delete=models.PROTECT, related_name="events")

    class Meta:
        verbose_name = _("评价记录")
        verbose_name_plural = _("评价记录")
        ordering = ["id"]
