"""Services of double reporting (双报到) and partnership (结对共建): units register with a
community and pair with its grids (1+1, or several units on one grid: N+1) with pledges;
employed party members register with the community where they live and the grid they
serve; grids publish posts with a head count that members and units claim (认领).

Same rules as services.py: keyword-only, actor first, scope checked, rows locked before
the decision (a post's claims are counted under the post's row lock), audited."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.accounts.roles import Verb
from linli.accounts.scope import require
from linli.core.audit import record_audit
from linli.core.errors import Conflict, DomainError, Invalid, NotFound
from linli.core.history import record
from linli.places.models import Place

from .models import EvaluationEvent, MemberEvaluation, MemberRegistration, Pairing, PartnerUnit, Post, PostClaim


def _claims_for_self(actor, member, unit) -> bool:
    """A member claims for themselves; a unit's liaison claims for the unit."""
    me = getattr(actor, "pk", None)
    if me is None:
        return False
    return bool((member is not None and member.person_id == me) or (unit is not None and unit.liaison_id == me))


def _same_community(a: str, b: str) -> bool:
    from .volunteers import community_over

    community = community_over(b)
    return community is not None and a.startswith(community.path)


def why_not_claim(actor, post, *, member=None, unit=None) -> DomainError | None:
    """What stops this claim before the lock (the head count is decided under it)."""
    if member is not None and PostClaim.objects.filter(post=post, member=member).exists():
        return Conflict(_("已认领过该岗位"), code="already_claimed", field="post_id")
    if unit is not None and PostClaim.objects.filter(post=post, unit=unit).exists():
        return Conflict(_("已认领过该岗位"), code="already_claimed", field="post_id")
    return None


def _place(place_id: int, kinds: tuple[str, ...], field: str) -> Place:
    place = Place.objects.select_related("kind").filter(pk=place_id, kind__code__in=kinds).first()
    if place is None:
        raise NotFound(_("未找到该地点"), code="not_found", field=field)
    return place


def _name(value: str, field: str, message) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid(message, code=f"{field}_required", field=field)
    return value[:100]


@transaction.atomic
def register_unit(*, actor, community_id: int, name: str, party_branch: str = "", contact: str = "",
                  audit: bool = True) -> PartnerUnit:
    community = _place(community_id, ("community",), "community_id")
    require(actor, Verb.VOLUNTEER_MANAGE, community)
    name = _name(name, "name", _("请填写单位名称"))
    try:
        with transaction.atomic():
            unit = PartnerUnit.objects.create(name=name, community=community, path=community.path,
                                              party_branch=(party_branch or "")[:100], contact=(contact or "")[:50])
    except IntegrityError:
        raise Conflict(_("该单位已在本社区登记"), code="unit_registered", field="name") from None
    if audit:
        record_audit(actor=actor, action="activities.register_unit", target=unit)
    return unit


@transaction.atomic
def pair(*, actor, unit_id: int, place_id: int, pledges: str = "", since: dt.date | None = None,
         audit: bool = True) -> Pairing:
    """Pair a unit with its community or one of its grids."""
    unit = PartnerUnit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise NotFound(_("未找到该单位"), code="not_found", field="unit_id")
    place = _place(place_id, ("community", "grid"), "place_id")
    require(actor, Verb.VOLUNTEER_MANAGE, place)
    if not place.path.startswith(unit.path):
        raise Invalid(_("只能与本社区或其网格结对"), code="pair_outside_community", field="place_id")
    try:
        with transaction.atomic():
            pairing = Pairing.objects.create(unit=unit, place=place, path=place.path, pledges=(pledges or "")[:2000],
                                             since=since or timezone.localdate())
    except IntegrityError:
        raise Conflict(_("该单位已与此处结对"), code="already_paired", field="place_id") from None
    if audit:
        record_audit(actor=actor, action="activities.pair", target=pairing, data={"unit": unit.pk})
    return pairing


@transaction.atomic
def register_member(*, actor, grid_id: int, name: str, unit_id: int | None = None, party_branch: str = "",
                    person_id: int | None = None, registered_on: dt.date | None = None,
                    audit: bool = True) -> MemberRegistration:
    """An employed party member reports to the community where they live, naming the grid
    they will serve (在职党员到社区报到)."""
    grid = _place(grid_id, ("grid",), "grid_id")
    if person_id is None or getattr(actor, "pk", None) != person_id:
        require(actor, Verb.VOLUNTEER_MANAGE, grid)
    name = _name(name, "name", _("请填写姓名"))[:50]
    unit = None
    if unit_id is not None:
        unit = PartnerUnit.objects.filter(pk=unit_id).first()
        if unit is None:
            raise NotFound(_("未找到该单位"), code="not_found", field="unit_id")
    try:
        with transaction.atomic():
            member = MemberRegistration.objects.create(name=name, person_id=person_id, unit=unit, grid=grid,
                                                       path=grid.path, party_branch=(party_branch or "")[:100],
                                                       registered_on=registered_on or timezone.localdate())
    except IntegrityError:
        raise Conflict(_("您已经报到过了"), code="member_registered", field="person_id") from None
    if audit:
        record_audit(actor=actor, action="activities.register_member", target=member)
    return member


@transaction.atomic
def publish_post(*, actor, grid_id: int, title: str, head_count: int) -> Post:
    grid = _place(grid_id, ("grid",), "grid_id")
    require(actor, Verb.VOLUNTEER_MANAGE, grid)
    title = _name(title, "title", _("请填写岗位或需求"))
    if not isinstance(head_count, int) or not 1 <= head_count <= 1000:
        raise Invalid(_("需要人数须为 1 至 1000"), code="head_count_range", field="head_count")
    return Post.objects.create(grid=grid, path=grid.path, title=title, head_count=head_count)


@transaction.atomic
def claim_post(*, actor, post_id: int, member_id: int | None = None, unit_id: int | None = None) -> PostClaim:
    """A member or a unit claims a post; never past its head count (counted under its lock)."""
    post = Post.objects.select_for_update().filter(pk=post_id).first()
    if post is None:
        raise NotFound(_("未找到该岗位"), code="not_found", field="post_id")
    if (member_id is None) == (unit_id is None):
        raise Invalid(_("请选择认领的党员或单位"), code="claimant_required", field="member_id")
    member = MemberRegistration.objects.filter(pk=member_id).first() if member_id else None
    if member_id and member is None:
        raise NotFound(_("未找到该报到党员"), code="not_found", field="member_id")
    unit = PartnerUnit.objects.filter(pk=unit_id).first() if unit_id else None
    if unit_id and unit is None:
        raise NotFound(_("未找到该单位"), code="not_found", field="unit_id")
    if not _claims_for_self(actor, member, unit):
        require(actor, Verb.VOLUNTEER_MANAGE, post)
    if member is not None and not _same_community(post.path, member.path):
        raise Invalid(_("只能认领本社区的岗位"), code="post_outside_community", field="post_id")
    if unit is not None and not post.path.startswith(unit.path):
        raise Invalid(_("只能认领本社区的岗位"), code="post_outside_community", field="post_id")
    if post.claims.count() >= post.head_count:
        raise Conflict(_("该岗位已认领满"), code="post_full", field="post_id")
    try:
        with transaction.atomic():
            return PostClaim.objects.create(post=post, path=post.path, member=member, unit_id=unit_id)
    except IntegrityError:
        raise Conflict(_("已认领过该岗位"), code="already_claimed", field="post_id") from None


@transaction.atomic
def set_liaison(*, actor, unit_id: int, phone: str) -> PartnerUnit:
    """Name the unit's liaison by their full mobile (found by its keyed hash, never decrypted):
    they claim posts for the unit on their phone. An empty number removes the liaison."""
    from linli.accounts.models import User
    from linli.core import pii

    unit = PartnerUnit.objects.select_for_update().filter(pk=unit_id).first()
    if unit is None:
        raise NotFound(_("未找到该单位"), code="not_found", field="unit_id")
    require(actor, Verb.VOLUNTEER_MANAGE, unit)
    phone = (phone or "").strip()
    person = None
    if phone:
        person = User.objects.filter(phone_hash=pii.lookup_hash(phone), is_active=True).first()
        if person is None:
            raise NotFound(_("没有使用该手机号的用户"), code="no_such_user", field="phone")
    unit.liaison = person
    unit.save(update_fields=["liaison"])
    record_audit(actor=actor, action="activities.set_unit_liaison", target=unit, path=unit.path,
                 data={"liaison": person.pk if person else None})
    return unit


@transaction.atomic
def complete_claim(*, actor, claim_id: int) -> PostClaim:
    """The grid confirms a claimed post was served: marked done once, with who and when."""
    claim = PostClaim.objects.select_for_update().filter(pk=claim_id).first()
    if claim is None:
        raise NotFound(_("未找到该认领"), code="not_found", field="claim_id")
    require(actor, Verb.VOLUNTEER_MANAGE, claim)
    if claim.done_at is not None:
        raise Conflict(_("该认领已确认完成"), code="claim_done", field="claim_id")
    claim.done_at = timezone.now()
    claim.done_by_id = getattr(actor, "pk", None)
    claim.save(update_fields=["done_at", "done_by"])
    record_audit(actor=actor, action="activities.complete_claim", target=claim, path=claim.path,
                 data={"post": claim.post_id})
    return claim


# ---------------------------------------------------------------- yearly evaluation

MAX_YEAR = 2100


@transaction.atomic
def evaluate_member(*, actor, member_id: int, year: int, grade: str, comment: str, reason: str = ""
                    ) -> MemberEvaluation:
    """The community's yearly evaluation of a registered member, with the record of that
    year drafted from activities, verified hours and posts. One per member and year (the
    database says so); a changed grade needs a reason and is kept in the history."""
    from .selectors import member_year_records

    member = MemberRegistration.objects.select_for_update().filter(pk=member_id).first()
    if member is None:
        raise NotFound(_("未找到该报到党员"), code="not_found", field="member_id")
    require(actor, Verb.VOLUNTEER_MANAGE, member)
    comment, reason = (comment or "").strip(), (reason or "").strip()
    errors = []
    if not isinstance(year, int) or not 2000 <= year <= min(MAX_YEAR, timezone.localdate().year):
        errors.append({"field": "year", "message": _("请选择评价年度"), "code": "year_invalid"})
    if grade not in MemberEvaluation.Grade.values:
        errors.append({"field": "grade", "message": _("请选择评价等次"), "code": "grade_invalid"})
    if len(comment) < 2:
        errors.append({"field": "comment", "message": _("请填写社区评语"), "code": "comment_required"})
    elif len(comment) > 500:
        errors.append({"field": "comment", "message": _("评语不能超过500个字"), "code": "too_long"})
    existing = (MemberEvaluation.objects.select_for_update().filter(member=member, year=year).first()
                if not any(e["field"] == "year" for e in errors) else None)
    if existing is not None and existing.grade != grade and not reason:
        errors.append({"field": "reason", "message": _("更改评价等次须填写理由"), "code": "reason_required"})
    if errors:
        raise Invalid(errors[0]["message"], errors=errors)
    drafted = member_year_records([member], year)[member.pk]
    before = existing.grade if existing is not None else None
    evaluation = existing or MemberEvaluation(member=member, year=year, path=member.path)
    evaluation.grade, evaluation.comment = grade, comment
    evaluation.minutes, evaluation.activities, evaluation.posts = (drafted["minutes"], drafted["activities"],
                                                                   drafted["posts"])
    evaluation.evaluated_by_id, evaluation.evaluated_at = getattr(actor, "pk", None), timezone.now()
    try:
        with transaction.atomic():
            evaluation.save()
    except IntegrityError:  # evaluated meanwhile by someone else (the member row lock makes this rare)
        raise Conflict(_("该党员本年度已有评价，请刷新后再改"), code="evaluated", field="year") from None
    if before != grade or existing is None:
        record(EvaluationEvent, actor=actor, kind="graded" if before is None else "regraded", path=member.path,
               note=reason, data={"from": before, "to": grade, "year": year}, evaluation=evaluation,
               audit_action="activities.evaluate_member", audit_target=evaluation,
               notify=[member.person] if member.person_id else (),
               notice_kind="member_evaluated", url="/activities/evaluations/mine/",
               notice_text=str(_("社区已完成您 %(year)s 年度的报到服务评价") % {"year": year}))
    else:
        record_audit(actor=actor, action="activities.evaluate_member", target=evaluation, path=member.path,
                     data={"fields": ["comment"]})
    return evaluation
