"""Objections during the preliminary result's objections period (询异公示): an elector files
one, the staff who manage the vote answer it, and an upheld one may correct a paper ballot
(typed twice, as every paper ballot). `services.finalise_vote` refuses while one is open."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.scope import require
from linli.core.errors import Conflict, Forbidden, Invalid, NotFound

from .models import Elector, Objection, Vote, VoteEvent
from linli.core.history import record

from .services import _event, _paper_entry


def in_objection_period(vote: Vote) -> bool:
    """Whether objections may be filed now (the page asks the same)."""
    return (vote.status == Vote.Status.PRELIMINARY and vote.objection_until is not None
            and timezone.now() < vote.objection_until)


def _require_period(vote: Vote) -> None:
    if not in_objection_period(vote):
        raise Conflict(_("不在询异公示期内"), code="not_objection_period")


@transaction.atomic
def file_objection(*, actor, vote_id: int, text: str, attachment=None, elector_id: int | None = None) -> Objection:
    """An elector (the household or named co-owner on the frozen roll) objects to the
    preliminary result; one open objection per elector."""
    resident_id = getattr(actor, "resident_id", None)
    mine = Elector.objects.filter(vote_id=vote_id, voters__resident_id=resident_id) if resident_id else None
    if mine is None or not mine.exists():
        raise Forbidden(_("您不在本次表决的名册上，不能提出异议"), code="not_on_roll")
    if elector_id is not None:
        mine = mine.filter(pk=elector_id)
    ids = list(mine.values_list("pk", flat=True).distinct()[:2])
    if not ids:
        raise Forbidden(_("您不在本次表决的名册上，不能提出异议"), code="not_on_roll")
    if len(ids) > 1:
        raise Invalid(_("您可为多个表决单位提出异议，请选择房屋"), code="choose_elector", field="elector_id")
    elector = Elector.objects.select_for_update().get(pk=ids[0])
    vote = Vote.objects.get(pk=vote_id)
    _require_period(vote)
    if not (text or "").strip():
        raise Invalid(_("请填写异议内容"), code="required", field="text")
    if Objection.objects.filter(vote=vote, elector=elector, status=Objection.Status.OPEN).exists():
        raise Conflict(_("该户已有待答复的异议"), code="objection_open")
    obj = Objection(vote=vote, elector=elector, filed_by=actor, path=elector.path, text=text.strip())
    if attachment is not None:
        obj.attachment = attachment
    obj.save()
    # The convener's inbox gets the objection to answer.
    record(VoteEvent, actor=actor, kind="objection", path=vote.path, data={"objection": obj.pk, "elector": elector.pk},
           notify=[vote.created_by] if vote.created_by_id else [],
           notice_text=_("表决“%(title)s”收到异议，请答复") % {"title": vote.title},
           url=f"/deliberation/votes/{vote.pk}/objections/",
           audit_action="deliberation.vote_objection", audit_target=vote, vote=vote)
    return obj


@transaction.atomic
def answer_objection(*, actor, objection_id: int, upheld: bool, reason: str) -> Objection:
    """The staff who manage the vote answer: upheld or dismissed, always with a reason."""
    obj = Objection.objects.select_for_update().filter(pk=objection_id).first()
    if obj is None:
        raise NotFound(_("未找到该异议"), code="not_found")
    vote = obj.vote
    require(actor, "deliberation.convene", vote)
    if obj.status != Objection.Status.OPEN:
        raise Conflict(_("该异议已答复"), code="already_answered")
    if vote.status != Vote.Status.PRELIMINARY:
        raise Conflict(_("只有公示中的结果可以答复异议"), code="wrong_status")
    if not (reason or "").strip():
        raise Invalid(_("请填写答复理由"), code="required", field="reason")
    obj.status = Objection.Status.UPHELD if upheld else Objection.Status.DISMISSED
    obj.answer, obj.answered_by, obj.answered_at = reason.strip(), actor, timezone.now()
    obj.save(update_fields=["status", "answer", "answered_by", "answered_at"])
    # The person who filed it hears the answer in their inbox.
    record(VoteEvent, actor=actor, kind="objection_answered", path=vote.path, note=obj.answer,
           data={"objection": obj.pk, "status": obj.status}, notify=[obj.filed_by] if obj.filed_by_id else [],
           notice_text=_("您对表决“%(title)s”的异议已答复") % {"title": vote.title},
           url=f"/deliberation/votes/{vote.pk}/objections/",
           audit_action="deliberation.vote_objection_answered", audit_target=vote, vote=vote)
    return obj


@transaction.atomic
def enter_corrected_ballot(*, actor, objection_id: int, choices: dict, scan=None) -> dict:
    """A paper ballot corrected on an upheld objection, during the preliminary period: typed
    twice by two people as every paper ballot; the old ballot stays in history. Returns as
    `services.enter_paper_ballot`."""
    obj = Objection.objects.select_related("vote").filter(pk=objection_id).first()
    if obj is None:
        raise NotFound(_("未找到该异议"), code="not_found")
    require(actor, "deliberation.convene", obj.vote)
    elector = Elector.objects.select_for_update().get(pk=obj.elector_id)
    vote = Vote.objects.get(pk=obj.vote_id)
    obj.refresh_from_db()
    if obj.status != Objection.Status.UPHELD:
        raise Conflict(_("只有成立的异议可以更正选票"), code="not_upheld")
    if vote.status != Vote.Status.PRELIMINARY:
        raise Conflict(_("只有公示中的结果可以更正选票"), code="wrong_status")
    r = _paper_entry(vote, elector, actor=actor, choices=choices, scan=scan, objection_id=obj.pk)
    if r["ballot"]:
        obj.corrected_ballot_id = r["ballot"]
        obj.save(update_fields=["corrected_ballot"])
        _event(vote, "ballot_corrected", actor=actor, data={"objection": obj.pk, "ballot": r["ballot"]})
    return r
