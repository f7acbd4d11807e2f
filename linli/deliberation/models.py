"""Deliberation: topics, meetings and votes.

A vote's roll is *frozen* when its notice is published: one `Elector` per voting unit (an
owner group, a household or a resident) with its head weight and area in 0.01 m² (integers),
its dwellings (`ElectorDwelling`) and who may vote for it online (`ElectorVoter`). Later edits
of dwellings or owners never touch these rows. Ballots are append-only; the one counted ballot
of each elector is the `CountedBallot` row (unique per elector), changed under a lock on the
elector row."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.translation import gettext_lazy as _

from linli.core.history import AppendOnlyError, HistoryEntry


def new_code() -> str:
    # 10 characters of an alphabet without look-alikes: printed on paper ballots and receipts.
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(10))


class AppendOnly(models.Model):
    """Rows that are inserted once and never changed (a ballot's choices)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only")


# ---------------------------------------------------------------------------------------------
# Owners' roll facts the places app does not keep
# ---------------------------------------------------------------------------------------------

class DwellingTitle(models.Model):
    """Title facts of a dwelling for owners' votes (from the owners' roll): the registered,
    surveyed and contract areas (the first present is used), whether it is the developer's
    unsold (or sold but undelivered) dwelling, and the co-owner the others named to vote."""

    dwelling = models.OneToOneField("places.Dwelling", primary_key=True, on_delete=models.CASCADE,
                                    related_name="title", verbose_name=_("房屋"))
    registered_area = models.DecimalField(_("登记面积（㎡）"), max_digits=8, decimal_places=2, null=True, blank=True)
    surveyed_area = models.DecimalField(_("实测面积（㎡）"), max_digits=8, decimal_places=2, null=True, blank=True)
    contract_area = models.DecimalField(_("合同面积（㎡）"), max_digits=8, decimal_places=2, null=True, blank=True)
    developer_unsold = models.BooleanField(_("建设单位未售出"), default=False)
    named_voter = models.ForeignKey("places.Resident", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("共有人指定的投票人"))
    # SPC interpretation on building ownership, art. 2: a purchaser who bought from the developer
    # and lives there but whose title is not yet registered is an owner. Kept here, with the
    # other owners' roll facts, rather than as a places Ownership (which is the register's).
    purchaser = models.ForeignKey("places.Resident", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("已入住未登记的购房人"))

    class Meta:
        verbose_name = _("房屋产权信息")
        verbose_name_plural = _("房屋产权信息")


# ---------------------------------------------------------------------------------------------
# Topics
# ---------------------------------------------------------------------------------------------

class Topic(models.Model):
    scope_path_field = "path"

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("征集中")
        TO_SCHEDULE = "to_schedule", _("待上会")
        SCHEDULED = "scheduled", _("已上会")
        REFUSED = "refused", _("不予采纳")
        DECIDED = "decided", _("已议决")

    class Refusal(models.TextChoices):
        DUPLICATE = "duplicate", _("重复议题")
        OUT_OF_SCOPE = "out_of_scope", _("不属于议事范围")
        PLANNED = "planned", _("已有计划")
        NOT_FEASIBLE = "not_feasible", _("暂不可行")

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("地点"))
    path = models.CharField(_("路径"), max_length=255, db_index=True)
    title = models.CharField(_("议题"), max_length=120)
    body = models.TextField(_("说明"), blank=True)
    proposer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("提议人"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PROPOSED)
    support_count = models.PositiveIntegerField(_("附议人数"), default=0)
    support_threshold = models.PositiveIntegerField(_("附议门槛"), default=5)
    refusal = models.CharField(_("不予采纳原因"), max_length=16, choices=Refusal.choices, blank=True)
    refusal_note = models.TextField(_("不予采纳说明"), blank=True)
    # A case that became this topic (by id; feature apps never import each other).
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("来源诉求"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        constraints = [models.UniqueConstraint(fields=["case"], condition=models.Q(case__isnull=False),
                                               name="topic_one_per_case")]

    def __str__(self):
        return self.title

    @classmethod
    def extra_scope_q(cls, user, verb):
        """Residents see and propose topics of the places above their home."""
        return _ancestor_q(user, "path")


def _ancestor_q(user, field: str):
    resident = getattr(user, "resident", None) if user is not None and user.is_authenticated else None
    if resident is None or not resident.path:
        return None
    prefixes = [resident.path[:n] for n in range(4, len(resident.path) + 1, 4)]
    return models.Q(**{f"{field}__in": prefixes})


class TopicSupport(AppendOnly):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "user"], name="topic_support_once")]


class TopicPhoto(models.Model):
    """A photo of what the topic is about, stored re-encoded without metadata
    (`core.images.clean_image`), so what is kept may be shown to everyone who sees the topic.
    A case's photos are copied here when the case becomes a topic (see services_topics)."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="deliberation/topics/%Y/%m/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    from_case_photo = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class TopicEvent(HistoryEntry):
    """A topic's status changes (proposed, supported past the threshold, screened, scheduled)."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="events")

    class Meta:
        ordering = ["id"]


# ---------------------------------------------------------------------------------------------
# Votes
# ---------------------------------------------------------------------------------------------

class Vote(models.Model):
    scope_path_field = "path"

    class Kind(models.TextChoices):
        OWNERS = "owners", _("业主共同决定（按面积和人数）")
        HOUSEHOLD = "household", _("一户一票")
        RESIDENT = "resident", _("一人一票")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        NOTICE = "notice", _("已公告")
        OPEN = "open", _("投票中")
        CLOSED = "closed", _("已截止")
        PRELIMINARY = "preliminary", _("结果公示（询异）")
        FINAL = "final", _("结果已确定")
        FAILED = "failed", _("未成功（已终止）")

    class Precedence(models.TextChoices):
        PAPER_FIRST = "paper_first", _("纸质票优先于委托票，委托票优先于网络票")
        LATEST = "latest", _("以最后一次投票为准")

    class TieBreak(models.TextChoices):
        AREA = "area", _("票数相同时专有面积多者当选")
        HEADS = "heads", _("面积相同时人数多者当选（按同意面积排名）")
        RUNOFF = "runoff", _("票数相同者另行选举")

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("表决范围"))
    buildings = models.ManyToManyField("places.Place", blank=True, related_name="+",
                                       verbose_name=_("限于以下楼栋"))
    path = models.CharField(_("路径"), max_length=255, db_index=True)
    title = models.CharField(_("表决事项"), max_length=160)
    description = models.TextField(_("说明"), blank=True)
    kind = models.CharField(_("表决方式"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    min_age = models.PositiveSmallIntegerField(_("最低年龄"), default=18)
    secret = models.BooleanField(_("无记名投票"), default=False)
    # Numerator/denominator of the quorum (at least, of heads and of area); the law's floor for
    # owners' votes is 2/3; a compound's rules of procedure may ask more.
    quorum_num = models.PositiveSmallIntegerField(_("参与门槛分子"), default=2)
    quorum_den = models.PositiveSmallIntegerField(_("参与门槛分母"), default=3)
    deemed_follow_majority = models.BooleanField(
        _("未表决业主视为同意多数意见（须议事规则规定）"), default=False)
    precedence = models.CharField(_("多渠道投票的效力"), max_length=16, choices=Precedence.choices,
                                  default=Precedence.PAPER_FIRST)
    allow_change = models.BooleanField(_("截止前可改票"), default=True)
    tie_break = models.CharField(_("选举同票规则"), max_length=16, choices=TieBreak.choices, default=TieBreak.AREA)
    results_hidden = models.BooleanField(_("截止前不公开结果"), default=True)
    opens_at = models.DateTimeField(_("开始投票"), null=True, blank=True)
    closes_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    extension_limit = models.DateTimeField(_("最迟可延长至"), null=True, blank=True)
    extended = models.BooleanField(_("已延长"), default=False)
    objection_days = models.PositiveSmallIntegerField(_("询异公示天数"), default=7)
    objection_until = models.DateTimeField(_("询异截止"), null=True, blank=True)
    cooling_days = models.PositiveSmallIntegerField(_("未通过后再次提出的间隔（天）"), default=180)
    # Set when the notice is published: everything that decides the result.
    frozen = models.JSONField(_("冻结的规则与名册合计"), default=dict, blank=True, editable=False)
    frozen_at = models.DateTimeField(_("冻结时间"), null=True, blank=True, editable=False)
    draw_seed = models.CharField(_("抽签种子"), max_length=32, blank=True, editable=False)
    result = models.JSONField(_("计票结果"), default=dict, blank=True, editable=False)
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="votes",
                              verbose_name=_("来源议题"))
    scrutineers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                         verbose_name=_("监票人"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("发起人"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    FROZEN_STATUSES = (Status.NOTICE, Status.OPEN, Status.CLOSED, Status.PRELIMINARY, Status.FINAL, Status.FAILED)
    COUNTED_STATUSES = (Status.CLOSED, Status.PRELIMINARY, Status.FINAL, Status.FAILED)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("表决")
        verbose_name_plural = _("表决")
        constraints = [
            models.CheckConstraint(condition=models.Q(quorum_den__gt=0), name="vote_quorum_den_positive"),
            models.CheckConstraint(condition=models.Q(quorum_num__lte=models.F("quorum_den")),
                                   name="vote_quorum_at_most_one"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_frozen(self) -> bool:
        return self.status in self.FROZEN_STATUSES

    @classmethod
    def extra_scope_q(cls, user, verb):
        """A person on a vote's roll sees that vote (their home may lie below its place)."""
        resident = getattr(user, "resident", None) if user is not None and user.is_authenticated else None
        if resident is None or str(verb) != "deliberation.view":
            return None
        return models.Q(electors__voters__resident=resident)


class Matter(models.Model):
    """One question on a vote's ballot: an ordinary or special matter (art. 278) decided by
    its "agree" option, a consultation choosing among options, or an election of N seats."""

    class Kind(models.TextChoices):
        ORDINARY = "ordinary", _("一般事项（过半数）")
        SPECIAL = "special", _("重大事项（四分之三以上）")
        CHOICE = "choice", _("征求意见（多选一）")
        ELECTION = "election", _("选举")

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="matters")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("事项"), max_length=200)
    kind = models.CharField(_("事项类别"), max_length=16, choices=Kind.choices, default=Kind.ORDINARY)
    seats = models.PositiveSmallIntegerField(_("应选人数"), default=0)
    # The pass threshold as a fraction of the participants, strictly more ("过半数") or at
    # least ("以上"). Law's floor: ordinary > 1/2, special >= 3/4 (owners' votes).
    pass_num = models.PositiveSmallIntegerField(_("通过门槛分子"), default=1)
    pass_den = models.PositiveSmallIntegerField(_("通过门槛分母"), default=2)
    pass_strict = models.BooleanField(_("须超过（否则为达到即可）"), default=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(pass_den__gt=0), name="matter_pass_den_positive"),
            models.CheckConstraint(condition=models.Q(pass_num__lte=models.F("pass_den")),
                                   name="matter_pass_at_most_one"),
        ]

    def __str__(self):
        return self.title


class Option(models.Model):
    class Role(models.TextChoices):
        AGREE = "agree", _("同意")
        DISAGREE = "disagree", _("不同意")
        ABSTAIN = "abstain", _("弃权")
        CHOICE = "choice", _("选项")
        CANDIDATE = "candidate", _("候选人")

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="options")
    order = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(_("选项"), max_length=120)
    role = models.CharField(max_length=16, choices=Role.choices)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self):
        return self.label


class Elector(models.Model):
    """One voting unit of a frozen roll: heads (1; the developer's unsold dwellings together
    are one) and area in 0.01 m² (0 for household and resident votes)."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="electors")
    path = models.CharField(max_length=255, db_index=True)
    key = models.CharField(max_length=200)
    label = models.CharField(_("房号"), max_length=300)
    name = models.CharField(_("业主/户/居民"), max_length=300)
    building = models.ForeignKey("places.Place", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    heads = models.PositiveSmallIntegerField(default=1)
    area_centi = models.BigIntegerField(default=0)
    is_developer = models.BooleanField(default=False)
    code = models.CharField(_("票码"), max_length=12, unique=True, default=new_code)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["vote", "key"], name="elector_unique_key")]

    def __str__(self):
        return f"{self.label} {self.name}"

    @property
    def area_m2(self) -> str:
        return f"{self.area_centi // 100}.{self.area_centi % 100:02d}"


class ElectorDwelling(models.Model):
    elector = models.ForeignKey(Elector, on_delete=models.CASCADE, related_name="dwellings")
    dwelling = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=200)
    area_centi = models.BigIntegerField(default=0)
    owners = models.CharField(max_length=300, blank=True)


class ElectorVoter(models.Model):
    """Who may cast the elector's ballot online (the owner, the named co-owner, the household
    representative, the resident), frozen with the roll."""

    elector = models.ForeignKey(Elector, on_delete=models.CASCADE, related_name="voters")
    resident = models.ForeignKey("places.Resident", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["elector", "resident"], name="elector_voter_unique")]


class Ballot(HistoryEntry):
    """Every ballot ever cast, by any channel; never changed. Which one counts is CountedBallot.
    `kind` is the channel."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("网络投票")
        PAPER = "paper", _("纸质票")
        PROXY = "proxy", _("委托投票")

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="ballots")
    elector = models.ForeignKey(Elector, on_delete=models.PROTECT, related_name="ballots")
    receipt = models.CharField(max_length=12, unique=True, default=new_code)
    proxy_name = models.CharField(_("受托人"), max_length=50, blank=True)
    attachment = models.FileField(_("附件"), upload_to="deliberation/ballots/%Y/%m/", blank=True)
    counted = models.BooleanField(default=False)  # whether it counted when cast

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["vote", "elector"], name="ballot_vote_elector")]


class BallotChoice(AppendOnly):
    """One row per matter the ballot answers with `option` NULL (participation), plus one row
    per option chosen: the tally is one GROUP BY over these."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="choices")
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="+")
    option = models.ForeignKey(Option, null=True, on_delete=models.PROTECT, related_name="+")
    # No column: the counted ballot whose choices these are (bc.ballot_id = counted.ballot_id),
    # so the tally joins counted ballots to their choices without going through the ballots.
    counted = models.ForeignObject("CountedBallot", on_delete=models.DO_NOTHING, from_fields=["ballot"],
                                   to_fields=["ballot"], related_name="choices", null=True)


class CountedBallot(models.Model):
    """The ballot that counts for an elector: one row per elector at most (the database
    says so), changed only under a lock on the elector row."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="counted")
    elector = models.OneToOneField(Elector, on_delete=models.PROTECT, related_name="counted")
    ballot = models.OneToOneField(Ballot, on_delete=models.PROTECT, related_name="counted_as")
    channel = models.CharField(max_length=16, choices=Ballot.Channel.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["vote", "ballot"], name="counted_vote_ballot")]


class PaperEntry(HistoryEntry):
    """One staff member's typing of one paper ballot (`kind` = "first", "second", "third").
    The second must be by another person; a mismatch waits for a third look."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="paper_entries")
    elector = models.ForeignKey(Elector, on_delete=models.PROTECT, related_name="paper_entries")
    scan = models.FileField(_("扫描件"), upload_to="deliberation/paper/%Y/%m/", blank=True)

    class Meta:
        ordering = ["id"]


class SheetIssue(HistoryEntry):
    """The register of paper ballots issued (发放登记): one row each time a sheet is printed
    for or handed to an elector (`kind` = "printed" or "handed"), by whom (`actor`) and when
    (`at`), to whom (`handed_to`). Returned is not recorded here: a paper entry or a proxy
    ballot with its power of attorney is the sheet coming back."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="sheet_issues")
    elector = models.ForeignKey(Elector, on_delete=models.PROTECT, related_name="sheet_issues")
    handed_to = models.CharField(_("领取人"), max_length=50, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["vote", "elector"], name="sheet_issue_vote_elector")]


class VoteEvent(HistoryEntry):
    """A vote's life: set up, notice, opened, extended, closed, preliminary, final, failed."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="events")

    class Meta:
        ordering = ["id"]


# ---------------------------------------------------------------------------------------------
# Meetings
# ---------------------------------------------------------------------------------------------

class Meeting(models.Model):
    scope_path_field = "path"

    class Kind(models.TextChoices):
        COURTYARD = "courtyard", _("院坝会")
        WEEKEND = "weekend", _("周末议事厅")
        COUNCIL = "council", _("议事会")
        JOINT = "joint", _("联席会")
        OWNERS = "owners", _("业主大会")

    class Status(models.TextChoices):
        DRAFT = "draft", _("筹备中")
        NOTICE = "notice", _("已通知")
        HELD = "held", _("已召开")
        MINUTES = "minutes", _("纪要已发布")

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("地点"))
    path = models.CharField(_("路径"), max_length=255, db_index=True)
    kind = models.CharField(_("会议类型"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("会议名称"), max_length=160)
    starts_at = models.DateTimeField(_("时间"))
    venue = models.CharField(_("会场"), max_length=120, blank=True)
    convener = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("召集人"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    invited = models.ManyToManyField("places.Household", blank=True, related_name="+", verbose_name=_("邀请住户"))
    # Owners invited: every owner of a dwelling under the chosen buildings, or under the whole
    # place where none is chosen (`invitations.py` holds the one rule).
    owners_invited = models.BooleanField(_("邀请业主"), default=False)
    owner_buildings = models.ManyToManyField("places.Place", blank=True, related_name="+",
                                             verbose_name=_("邀请以下楼栋的业主"))
    invited_organisations = models.ManyToManyField("accounts.Organisation", blank=True, related_name="+",
                                                   verbose_name=_("邀请单位"))
    notice_at = models.DateTimeField(_("通知时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("会议")
        verbose_name_plural = _("会议")

    def __str__(self):
        return self.title

    @classmethod
    def extra_scope_q(cls, user, verb):
        """Residents see the meetings of the places above their home; the staff of an invited
        organisation see the meetings that invite it (their notice links there)."""
        if str(verb) != "deliberation.view":
            return None
        from linli.accounts.scope import organisations

        q = _ancestor_q(user, "path")
        orgs = organisations(user) if user is not None and user.is_authenticated else []
        if orgs:
            by_org = models.Q(models.Exists(Meeting.invited_organisations.through.objects.filter(
                meeting_id=models.OuterRef("pk"), organisation_id__in=orgs)))
            q = by_org if q is None else q | by_org
        return q


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(default=0)
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("议程"), max_length=160)
    discussion = models.TextField(_("讨论摘要"), blank=True)
    decision = models.TextField(_("决定"), blank=True)
    actions = models.TextField(_("责任人与期限"), blank=True)
    approved_at = models.DateTimeField(_("召集人确认时间"), null=True, blank=True)
    vote = models.ForeignKey(Vote, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # What the approved decision created in another app (one each; string references: the
    # feature apps do not import each other, services_decisions.py).
    list_item = models.ForeignKey("lists.Item", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("清单事项"))
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("工单"))

    class Meta:
        ordering = ["order", "id"]


class SignIn(HistoryEntry):
    """Every sign-in scan or tick as it arrived (`kind` = "qr" or "list"); `nonce` makes an
    offline scan uploaded twice count once; `scanned_at` is when it happened, `at` when it
    arrived. `Attendance` is the one merged record per person. A failed scan (a ticket that is
    not this meeting's) is kept too, without a resident, its reason in `note`."""

    class Result(models.TextChoices):
        ACCEPTED = "accepted", _("签到成功")
        DUPLICATE = "duplicate", _("重复签到")
        FAILED = "failed", _("签到失败")

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="sign_ins")
    resident = models.ForeignKey("places.Resident", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    result = models.CharField(_("结果"), max_length=16, choices=Result.choices, default=Result.ACCEPTED)
    nonce = models.CharField(max_length=64, unique=True)
    scanned_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    resident = models.ForeignKey("places.Resident", on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey("places.Place", null=True, on_delete=models.PROTECT, related_name="+")
    first_at = models.DateTimeField()
    methods = models.CharField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "resident"], name="attendance_once")]


class Objection(models.Model):
    """An elector's objection (异议) to the preliminary result during the objections period
    (询异公示), answered by the staff who manage the vote. At most one open per elector."""

    class Status(models.TextChoices):
        OPEN = "open", _("待答复")
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="objections")
    elector = models.ForeignKey(Elector, on_delete=models.PROTECT, related_name="objections")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    path = models.CharField(max_length=255, db_index=True)
    text = models.TextField(_("异议内容"))
    attachment = models.FileField(_("附件"), upload_to="deliberation/objections/%Y/%m/", blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    corrected_ballot = models.ForeignKey(Ballot, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["vote", "elector"], condition=models.Q(status="open"),
                                               name="objection_one_open_per_elector")]


# ---------------------------------------------------------------------------------------------
# Rules of procedure (议事规则)
# ---------------------------------------------------------------------------------------------

class ProcedureRules(models.Model):
    """A place's rules of procedure: the support a topic needs, the days of notice a meeting
    needs, and an owners' assembly's quorum where the compound asks more than the law's two
    thirds. A place without a row follows its nearest ancestor's (`selectors_rules.rules_for`),
    else the defaults below."""

    scope_path_field = "path"

    DEFAULT_SUPPORT = 5
    DEFAULT_OWNERS_NOTICE_DAYS = 7
    DEFAULT_OTHER_NOTICE_DAYS = 0
    LAW_QUORUM = (2, 3)  # Civil Code art. 278: the floor a compound may raise, never lower

    place = models.OneToOneField("places.Place", on_delete=models.CASCADE, related_name="+", verbose_name=_("地点"))
    path = models.CharField(_("路径"), max_length=255, unique=True)
    support_threshold = models.PositiveSmallIntegerField(_("附议门槛"), default=DEFAULT_SUPPORT)
    owners_notice_days = models.PositiveSmallIntegerField(_("业主大会提前通知天数"), default=DEFAULT_OWNERS_NOTICE_DAYS)
    other_notice_days = models.PositiveSmallIntegerField(_("其他会议提前通知天数"), default=DEFAULT_OTHER_NOTICE_DAYS)
    assembly_quorum_num = models.PositiveSmallIntegerField(_("业主大会到会门槛分子"), null=True, blank=True)
    assembly_quorum_den = models.PositiveSmallIntegerField(_("业主大会到会门槛分母"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("议事规则")
        verbose_name_plural = _("议事规则")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(assembly_quorum_num__isnull=True, assembly_quorum_den__isnull=True)
                           | models.Q(assembly_quorum_num__isnull=False, assembly_quorum_den__gt=0,
                                      assembly_quorum_num__lte=models.F("assembly_quorum_den"))),
                name="rules_quorum_fraction"),
            # Never looser than the law: num/den >= 2/3, cross-multiplied.
            models.CheckConstraint(
                condition=(models.Q(assembly_quorum_num__isnull=True)
                           | models.Q(GreaterThanOrEqual(models.F("assembly_quorum_num") * 3,
                                                        models.F("assembly_quorum_den") * 2))),
                name="rules_quorum_at_least_law"),
            models.CheckConstraint(condition=models.Q(support_threshold__gte=1), name="rules_support_positive"),
        ]

    def __str__(self):
        return str(self.place)
