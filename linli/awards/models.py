"""The annual awards of a community (seed 004: 睦邻之星 for residents, 十佳楼栋长 for building
heads): a round per (community, kind, year), its nominations (drawn from the record with the
figures frozen, or added by hand with a reason), its decision (a deliberation vote or the
committee) and its published list. A round's status moves only along `TRANSITIONS`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from linli.core.history import HistoryEntry


class AwardRound(models.Model):
    class Kind(models.TextChoices):
        NEIGHBOUR_STAR = "neighbour_star", _("睦邻之星")
        BUILDING_HEAD = "building_head", _("十佳楼栋长")

    class Method(models.TextChoices):
        VOTE = "vote", _("居民投票")
        COMMITTEE = "committee", _("评审委员会决定")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        NOMINATING = "nominating", _("提名中")
        DECIDING = "deciding", _("评定中")
        PUBLISHED = "published", _("已公布")

    scope_path_field = "path"

    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区"))
    path = models.CharField(_("位置路径"), max_length=255, db_index=True)
    kind = models.CharField(_("评选项目"), max_length=32, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    seats = models.PositiveSmallIntegerField(_("名额"))
    method = models.CharField(_("评定方式"), max_length=16, choices=Method.choices, default=Method.VOTE)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    vote = models.OneToOneField("deliberation.Vote", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="award_round", verbose_name=_("表决"))
    decided_at = models.DateTimeField(_("评定时间"), null=True, blank=True)
    decision_note = models.TextField(_("评定说明"), blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("评选")
        verbose_name_plural = _("评选")
        ordering = ["-year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["community", "kind", "year"], name="awards_one_round_per_year"),
            models.CheckConstraint(condition=Q(seats__gte=1) & Q(seats__lte=50), name="awards_seats_in_range"),
        ]

    def __str__(self):
        return f"{self.year} {self.get_kind_display()}"


S = AwardRound.Status
# The only moves a round's status can make, each with the verbs (awards/rules.py) that make it.
# Adding and withdrawing nominations and choosing the method keep the status.
TRANSITIONS = {
    (S.DRAFT, S.NOMINATING): {"draw"},
    (S.NOMINATING, S.DECIDING): {"start_vote", "decide"},  # a vote opens, or the committee decides
    (S.DECIDING, S.NOMINATING): {"vote_failed"},           # a failed vote hands the round back
    (S.DECIDING, S.PUBLISHED): {"publish"},
}


def can_move(current: str, to: str, verb: str) -> bool:
    return verb in TRANSITIONS.get((current, to), ())


class Nomination(models.Model):
    class Source(models.TextChoices):
        RECORD = "record", _("按记录推荐")
        HAND = "hand", _("人工提名")

    round = models.ForeignKey(AwardRound, on_delete=models.PROTECT, related_name="nominations",
                              verbose_name=_("评选"))
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("被提名人"))
    name = models.CharField(_("姓名"), max_length=100)
    # Where the person lives or serves (compound, building, door), frozen with the nomination:
    # it tells two people of the same name apart on a ballot.
    home = models.CharField(_("住址"), max_length=200, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    reason = models.TextField(_("提名理由"), blank=True)
    # The figures of the year when the nomination was made (drawn ones), never updated.
    figures = models.JSONField(_("年度记录"), default=dict, blank=True)
    rank = models.PositiveSmallIntegerField(_("记录排名"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("撤回理由"), max_length=300, blank=True)
    # The candidate on the ballot, when the round goes to a vote.
    option = models.ForeignKey("deliberation.Option", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    ballot_label = models.CharField(_("选票上的名字"), max_length=120, blank=True)
    winner = models.BooleanField(_("当选"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("提名")
        verbose_name_plural = _("提名")
        ordering = ["rank", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "person"], name="awards_one_nomination_per_person")]

    def __str__(self):
        return self.name

    @property
    def public_home(self) -> str:
        """Compound and building only: a published list names no door."""
        return " ".join(self.home.split()[:2])

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class RoundEvent(HistoryEntry):
    """Every step of a round: created, drawn, nominated, withdrawn, method, vote started, vote
    failed, decided, published."""

    class Kind(models.TextChoices):
        CREATED = "created", _("创建评选")
        DRAWN = "drawn", _("按记录推荐候选人")
        NOMINATED = "nominated", _("人工提名")
        WITHDRAWN = "withdrawn", _("撤回提名")
        METHOD = "method", _("更改评定方式")
        VOTE_STARTED = "vote_started", _("发起投票")
        VOTE_FAILED = "vote_failed", _("投票未成功")
        DECIDED = "decided", _("评定获评人")
        PUBLISHED = "published", _("公布名单")

    scope_path_field = "path"
    # The history base's kind, with this table's choices (so pages show their names).
    kind = models.CharField(_("事件"), max_length=64, choices=Kind.choices)
    round = models.ForeignKey(AwardRound, on_delete=models.PROTECT, related_name="events")

    class Meta:
        verbose_name = _("评选记录")
        verbose_name_plural = _("评选记录")
        ordering = ["id"]
