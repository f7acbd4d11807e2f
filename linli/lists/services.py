"""Every change to the three lists. Each function locks the item row first (several items in
primary-key order), checks permission through linli.accounts.scope, validates everything
before writing anything (so bad input leaves nothing half-written), appends history and
writes the followers' notices into the outbox in the same transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from linli.accounts.models import Organisation, User
from linli.accounts.roles import Verb
from linli.accounts.scope import allowed, require
from linli.core import events
from linli.core.errors import Conflict, Invalid, NotFound
from linli.core.history import record
from linli.core.images import clean_image
from linli.places.models import Place

from .models import (STATUS_PROGRESS_BP, BudgetLine, Follower, FundingSource, Item, ItemEvent, ItemLink, ItemPhoto,
                     Kind, Milestone, MoneyEntry, ProgressMode, SourceKind, Status)

# Levels of the place tree that keep lists (seed 002: compound, grid, community; and the street).
LIST_PLACE_KINDS = ("compound", "grid", "community", "street")
MAX_FEN = 10**12  # ten billion yuan: beyond any community project, inside a bigint
MAX_PHOTOS = 9

# The transition table: (from, to) → the verb that allows it. Anything not here is refused.
# Keeping the list (accept, start, finish a need or problem) is grid and community work;
# cancelling and reopening are the community's decision (lists.approve).
TRANSITIONS: dict[tuple[str, str], str] = {
    (Status.PROPOSED, Status.ACCEPTED): Verb.LISTS_MANAGE,
    (Status.PROPOSED, Status.CANCELLED): Verb.LISTS_APPROVE,
    (Status.ACCEPTED, Status.IN_PROGRESS): Verb.LISTS_MANAGE,
    (Status.ACCEPTED, Status.CANCELLED): Verb.LISTS_APPROVE,
    (Status.IN_PROGRESS, Status.DONE): Verb.LISTS_MANAGE,
    (Status.IN_PROGRESS, Status.CANCELLED): Verb.LISTS_APPROVE,
    (Status.DONE, Status.IN_PROGRESS): Verb.LISTS_APPROVE,
    (Status.CANCELLED, Status.PROPOSED): Verb.LISTS_APPROVE,
}
# A project is accepted (立项) by the community: it commits money.
PROJECT_VERBS = {(Status.PROPOSED, Status.ACCEPTED): Verb.LISTS_APPROVE}


def transition_verb(item: Item, to: str) -> str | None:
    key = (item.status, to)
    if item.kind == Kind.PROJECT and key in PROJECT_VERBS:
        return PROJECT_VERBS[key]
    return TRANSITIONS.get(key)


def transitions_for(user, item: Item) -> list[str]:
    """The statuses `user` may move `item` to now (pages offer these; the service decides)."""
    out = []
    for (frm, to), _verb in TRANSITIONS.items():
        if frm == item.status and allowed(user, transition_verb(item, to), item):
            out.append(to)
    return out


# ---------------------------------------------------------------- helpers


def parse_yuan(value, *, field: str = "amount") -> int:
    """'12.5' yuan → 1250 fen, exactly (Decimal, never float); negative, zero, more than two
    decimals or not a number → Invalid on `field`."""
    text = str(value if value is not None else "").strip().replace(",", "").replace("，", "")
    if not text:
        raise Invalid(_("请填写金额"), code="required", field=field)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise Invalid(_("金额应为数字，如 1280.50"), code="amount_not_number", field=field) from None
    if not amount.is_finite():
        raise Invalid(_("金额应为数字，如 1280.50"), code="amount_not_number", field=field)
    if amount <= 0:
        raise Invalid(_("金额应大于零"), code="amount_not_positive", field=field)
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise Invalid(_("金额最多两位小数"), code="amount_precision", field=field)
    if fen > MAX_FEN:
        raise Invalid(_("金额过大"), code="amount_too_large", field=field)
    return int(fen)


def yuan(fen: int | None) -> str:
    fen = fen or 0
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


def _locked(item_id: int) -> Item:
    item = Item.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("未找到该清单事项"), code="not_found")
    return item


def _followers(item: Item) -> list[User]:
    users = [f.user for f in Follower.objects.filter(item=item).select_related("user")]
    if item.owner_person_id:
        users.append(item.owner_person)
    return users


def _event(item: Item, kind: str, *, actor, note: str = "", notify: Iterable = (), notice_text: str = "",
           internal: bool = False, **data) -> ItemEvent:
    return record(ItemEvent, actor=actor, kind=kind, path=item.path, note=note, internal=internal, data=data,
                  item=item, notify=notify, notice_kind=f"lists_{kind}",
                  notice_text=f"[{item.title}] {notice_text}" if notice_text else "", url=f"/lists/{item.pk}/",
                  audit_action=f"lists.{kind}", audit_target=item)


def _check_date(value, *, field: str, item: Item | None = None, errors: list) -> None:
    if value is None:
        errors.append({"field": field, "message": _("请填写日期"), "code": "required"})
        return
    if item is not None and value < item.starts_on:
        errors.append({"field": field, "message": _("日期不能早于项目开始日期"), "code": "date_before_project"})
    elif value > timezone.localdate():
        errors.append({"field": field, "message": _("日期不能晚于今天"), "code": "date_in_future"})


def _raise(errors: list) -> None:
    if errors:
        raise Invalid(errors[0]["message"], code=errors[0]["code"], field=errors[0]["field"], errors=errors)


# ---------------------------------------------------------------- items


@transaction.atomic
def create_item(*, actor, kind: str, title: str, place_id: int, description: str = "",
                source_kind: str = SourceKind.OTHER, source_id: int | None = None, source_note: str = "",
                owner_organisation_id: int | None = None, owner_person_id: int | None = None,
                due_date: dt.date | None = None, starts_on: dt.date | None = None, parent_id: int | None = None,
                progress_mode: str = ProgressMode.STATUS, allows_advance: bool = False,
                is_public: bool = True) -> Item:
    errors: list[dict] = []
    title = (title or "").strip()
    if not title:
        errors.append({"field": "title", "message": _("请填写名称"), "code": "required"})
    elif len(title) > 100:
        errors.append({"field": "title", "message": _("名称不能超过100字"), "code": "too_long"})
    if kind not in Kind.values:
        errors.append({"field": "kind", "message": _("请选择需求、问题或项目"), "code": "invalid_choice"})
    place = Place.objects.select_related("kind").filter(pk=place_id).first()
    if place is None:
        raise NotFound(_("地点不存在"), code="not_found", field="place_id")
    require(actor, Verb.LISTS_MANAGE, place)
    if place.kind.code not in LIST_PLACE_KINDS:
        errors.append({"field": "place_id", "message": _("清单只能建在小区、网格、社区或街道"), "code": "place_level"})
    starts_on = starts_on or timezone.localdate()
    if due_date is not None and due_date < starts_on:
        errors.append({"field": "due_date", "message": _("完成时限不能早于开始日期"), "code": "date_before_project"})
    if source_kind not in SourceKind.values:
        errors.append({"field": "source_kind", "message": _("来源无效"), "code": "invalid_choice"})
    case = None
    if source_kind == SourceKind.CASE:
        # The case app is linked by model label only: feature apps do not import each other.
        case = apps.get_model("cases", "Case").objects.filter(pk=source_id).first() if source_id else None
        if case is None or not case.path.startswith(place.path[:8]):
            errors.append({"field": "source_id", "message": _("来源诉求不存在"), "code": "source_not_found"})
    elif source_kind in (SourceKind.TOPIC, SourceKind.DECISION) and not source_id:
        errors.append({"field": "source_id", "message": _("请填写来源编号"), "code": "required"})
    if progress_mode not in ProgressMode.values:
        errors.append({"field": "progress_mode", "message": _("进度计算方式无效"), "code": "invalid_choice"})
    elif kind != Kind.PROJECT:
        progress_mode = ProgressMode.STATUS  # needs and problems move by status only
    organisation = person = parent = None
    if owner_organisation_id:
        organisation = Organisation.objects.filter(pk=owner_organisation_id).first()
        if organisation is None:
            errors.append({"field": "owner_organisation_id", "message": _("责任单位不存在"), "code": "not_found"})
    if owner_person_id:
        person = User.objects.filter(pk=owner_person_id, is_active=True).first()
        if person is None:
            errors.append({"field": "owner_person_id", "message": _("责任人不存在"), "code": "not_found"})
    if parent_id:
        parent = Item.objects.filter(pk=parent_id, kind=Kind.PROJECT).first()
        if parent is None or kind != Kind.PROJECT or not place.path.startswith(parent.path):
            errors.append({"field": "parent_id", "message": _("上级项目须是同一地点或上级地点的项目"),
                           "code": "parent_invalid"})
    _raise(errors)
    item = Item.objects.create(
        kind=kind, title=title, description=(description or "").strip(), place=place, path=place.path,
        source_kind=source_kind, source_id=source_id if source_kind != SourceKind.OTHER else None,
        source_note=(source_note or "")[:200], case=case, owner_organisation=organisation, owner_person=person,
        due_date=due_date, starts_on=starts_on, parent=parent, progress_mode=progress_mode,
        allows_advance=bool(allows_advance) and kind == Kind.PROJECT, is_public=is_public,
        created_by=actor if getattr(actor, "pk", None) else None,
        progress_bp=STATUS_PROGRESS_BP[Status.PROPOSED])
    _event(item, ItemEvent.Kind.CREATED, actor=actor, kind_of_item=kind, source_kind=source_kind,
           source_id=item.source_id)
    # The source's app may answer (a case shows "在清单中"): it subscribes to this event.
    events.publish("lists.item_created", key=f"lists.item_created:{item.pk}", actor=actor, path=item.path,
                   data={"item_id": item.pk, "kind": kind, "source_kind": source_kind, "source_id": item.source_id})
    return item


@transaction.atomic
def item_from_decision(*, actor, kind: str, title: str, place_id: int, description: str, agenda_item_id: int,
                       meeting_title: str, url: str, due_date: dt.date | None = None,
                       owner_person_id: int | None = None) -> Item:
    """A meeting's approved decision put on the lists (deliberation asks through its
    `deliberation.decision_to_list_item` event, lists.subscribers): an item like any other,
    its source the decision, and a history entry linking back to the minutes; the item's
    followers (its owner) are told, as of every change of the item."""
    item = create_item(actor=actor, kind=kind, title=title, place_id=place_id, description=description,
                       source_kind=SourceKind.DECISION, source_id=agenda_item_id, source_note=meeting_title,
                       due_date=due_date, owner_person_id=owner_person_id)
    _event(item, ItemEvent.Kind.DECISION, actor=actor, notify=_followers(item),
           note=gettext("由会议决定列入：%(meeting)s") % {"meeting": meeting_title},
           notice_text=gettext("会议决定已列入清单"), url=url, agenda_item=agenda_item_id)
    return item


@transaction.atomic
def change_status(*, actor, item_id: int, to: str, reason: str = "") -> Item:
    """Move an item along the transition table. A project is finished by close_project."""
    item = _locked(item_id)
    require(actor, Verb.LISTS_VIEW, item)
    if to not in Status.values:
        raise Invalid(_("状态无效"), code="invalid_choice", field="to")
    verb = transition_verb(item, to)
    if verb is None:
        raise Invalid(_("当前状态“%(status)s”不能改为“%(to)s”") % {
            "status": item.get_status_display(), "to": Status(to).label}, code="transition_not_allowed", field="to")
    require(actor, verb, item)
    if item.kind == Kind.PROJECT and to == Status.DONE:
        raise Conflict(_("项目须通过“结项”完成：上传前后对比照片并说明关联事项的结果"), code="use_close_project",
                       field="to")
    reason = (reason or "").strip()
    if to == Status.CANCELLED and not reason:
        raise Invalid(_("取消须说明理由"), code="reason_required", field="reason")
    _set_status(item, to, actor=actor, reason=reason)
    return item


def _set_status(item: Item, to: str, *, actor, reason: str) -> None:
    before = item.status
    item.status = to
    item.done_on = timezone.localdate() if to == Status.DONE else None
    item.progress_bp = compute_progress(item)
    item.save(update_fields=["status", "done_on", "progress_bp", "updated_at"])
    _event(item, ItemEvent.Kind.STATUS, actor=actor, note=reason, notify=_followers(item),
           notice_text=gettext("状态：%(from)s → %(to)s") % {"from": Status(before).label, "to": Status(to).label},
           **{"from": before, "to": to})


@transaction.atomic
def link_to_project(*, actor, item_id: int, project_id: int) -> ItemLink:
    first, second = sorted([item_id, project_id])
    locked = {i.pk: i for i in Item.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")}
    item, project = locked.get(item_id), locked.get(project_id)
    if item is None or project is None:
        raise NotFound(_("未找到该清单事项"), code="not_found")
    require(actor, Verb.LISTS_MANAGE, item)
    require(actor, Verb.LISTS_MANAGE, project)
    if item.kind == Kind.PROJECT or project.kind != Kind.PROJECT:
        raise Invalid(_("只能把需求或问题关联到项目"), code="link_kinds", field="project_id")
    if not project.is_open:
        raise Conflict(_("项目已结束，不能再关联"), code="project_closed", field="project_id")
    if ItemLink.objects.filter(item=item, project=project).exists():
        raise Conflict(_("已关联此项目"), code="already_linked", field="project_id")
    link = ItemLink.objects.create(item=item, project=project)
    _event(item, ItemEvent.Kind.LINKED, actor=actor, notify=_followers(item),
           notice_text=gettext("纳入项目“%(project)s”") % {"project": project.title}, project_id=project.pk)
    _event(project, ItemEvent.Kind.LINKED, actor=actor, item_id=item.pk)
    return link


@transaction.atomic
def close_project(*, actor, item_id: int, reason: str = "", outcomes: dict[int, tuple[str, str]] | None = None,
                  done_on: dt.date | None = None) -> Item:
    """Finish a project: its before and after photos must be on file, its milestones done
    (milestone mode), and for each linked need or problem the closer says what became of it;
    a solved one is finished with the project."""
    project = _locked(item_id)
    require(actor, Verb.LISTS_VIEW, project)
    if project.kind != Kind.PROJECT:
        raise Invalid(_("只有项目需要结项"), code="not_a_project", field="item_id")
    if project.status != Status.IN_PROGRESS:
        raise Invalid(_("当前状态“%(status)s”不能改为“%(to)s”") % {
            "status": project.get_status_display(), "to": Status.DONE.label}, code="transition_not_allowed",
            field="to")
    require(actor, transition_verb(project, Status.DONE), project)
    links = list(project.answers.select_related("item").order_by("item_id"))
    # Lock the linked items too, in primary-key order (the project, a lower id, came first
    # only by chance: every writer locks a single item or ascending ids).
    linked = {i.pk: i for i in Item.objects.select_for_update().filter(pk__in=[ln.item_id for ln in links])
              .order_by("pk")}
    outcomes = {int(k): v for k, v in (outcomes or {}).items()}
    errors: list[dict] = []
    phases = set(project.photos.values_list("phase", flat=True))
    if ItemPhoto.Phase.BEFORE not in phases:
        errors.append({"field": "photos_before", "message": _("结项前请上传施工前照片"), "code": "before_photo_required"})
    if ItemPhoto.Phase.AFTER not in phases:
        errors.append({"field": "photos_after", "message": _("结项前请上传完工后照片"), "code": "after_photo_required"})
    if project.progress_mode == ProgressMode.MILESTONES and project.milestones.filter(done_on__isnull=True).exists():
        errors.append({"field": "milestones", "message": _("还有未完成的里程碑"), "code": "milestones_open"})
    for link in links:
        outcome = outcomes.get(link.item_id)
        if outcome is None or outcome[0] not in ItemLink.Outcome.values:
            errors.append({"field": f"outcome_{link.item_id}", "code": "outcome_required",
                           "message": _("请说明“%(item)s”的结果") % {"item": link.item.title}})
    _raise(errors)
    reason = (reason or "").strip()
    _set_status(project, Status.DONE, actor=actor, reason=reason)
    if done_on is not None:
        project.done_on = done_on
        project.save(update_fields=["done_on"])
    for link in links:
        outcome, note = outcomes[link.item_id]
        link.outcome, link.outcome_note = outcome, (note or "")[:300]
        link.save(update_fields=["outcome", "outcome_note"])
        item = linked[link.item_id]
        _event(item, ItemEvent.Kind.OUTCOME, actor=actor, note=link.outcome_note, project_id=project.pk,
               outcome=outcome)
        if outcome == ItemLink.Outcome.SOLVED and item.status != Status.DONE:
            if item.status == Status.CANCELLED:
                continue
            # Solved by the project: the item is finished with it, in its own history.
            _set_status(item, Status.DONE, actor=actor,
                        reason=gettext("由项目“%(project)s”解决") % {"project": project.title})
    return project


# ---------------------------------------------------------------- progress


def compute_progress(item: Item, milestones: list[Milestone] | None = None) -> int:
    """Basis points of progress, from milestones (weighted; all weights empty means equal)
    or from status: one mode per project. Never typed."""
    if item.status == Status.CANCELLED:
        return 0
    if item.kind != Kind.PROJECT or item.progress_mode == ProgressMode.STATUS:
        return STATUS_PROGRESS_BP[item.status]
    ms = milestones if milestones is not None else list(item.milestones.all())
    if not ms:
        return STATUS_PROGRESS_BP[item.status]
    equal = all(m.weight is None for m in ms)
    total = sum(1 if equal else (m.weight or 0) for m in ms)
    done = sum(1 if equal else (m.weight or 0) for m in ms if m.done_on is not None)
    if total == 0:
        return STATUS_PROGRESS_BP[item.status]
    return 10000 * done // total


def _refresh_progress(item: Item) -> None:
    item.progress_bp = compute_progress(item)
    item.save(update_fields=["progress_bp", "updated_at"])


# ---------------------------------------------------------------- budget and money


def _project(item_id: int, verb: str, actor) -> Item:
    item = _locked(item_id)
    require(actor, verb, item)
    if item.kind != Kind.PROJECT:
        raise Invalid(_("只有项目有预算和资金"), code="not_a_project", field="item_id")
    return item


@transaction.atomic
def set_budget_line(*, actor, item_id: int, name: str, amount_fen: int, note: str = "") -> BudgetLine:
    """Add a budget line, or change the amount of the line with that name."""
    item = _project(item_id, Verb.LISTS_MANAGE, actor)
    errors = []
    name = (name or "").strip()
    if not name:
        errors.append({"field": "name", "message": _("请填写预算科目"), "code": "required"})
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen < 0 or amount_fen > MAX_FEN:
        errors.append({"field": "amount", "message": _("金额应大于零"), "code": "amount_not_positive"})
    if item.status in (Status.DONE, Status.CANCELLED):
        errors.append({"field": None, "message": _("项目已结束，预算不能再改"), "code": "project_closed"})
    _raise(errors)
    line, created = BudgetLine.objects.get_or_create(item=item, name=name[:60], defaults={
        "amount_fen": amount_fen, "sort": item.budget_lines.count()})
    before = 0 if created else line.amount_fen
    if not created:
        line.amount_fen = amount_fen
        line.save(update_fields=["amount_fen"])
    item.budget_fen = item.budget_fen - before + amount_fen
    item.save(update_fields=["budget_fen", "updated_at"])
    _event(item, ItemEvent.Kind.BUDGET, actor=actor, note=note, line=line.name, before_fen=before,
           after_fen=amount_fen)
    return line


def _apply(item: Item, kind: str, amount_fen: int) -> None:
    field = {MoneyEntry.Kind.PLEDGE: "pledged_fen", MoneyEntry.Kind.RECEIPT: "received_fen",
             MoneyEntry.Kind.DISBURSEMENT: "spent_fen"}[kind]
    setattr(item, field, getattr(item, field) + amount_fen)
    item.save(update_fields=[field, "updated_at"])


@transaction.atomic
def record_money(*, actor, item_id: int, kind: str, amount_fen: int, on_date: dt.date, party: str,
                 source: str = "", budget_line_id: int | None = None, contributor_id: int | None = None,
                 show_name: bool = False, voucher: bytes | None = None, note: str = "") -> MoneyEntry:
    """Append a pledge, receipt or disbursement. The project row is locked first, so two
    people recording at once are serialised and the balance check sees the other's entry;
    a disbursement above the balance is refused unless the project allows an advance, and
    then recorded as one."""
    item = _project(item_id, Verb.LISTS_FUND, actor)
    errors: list[dict] = []
    if kind not in MoneyEntry.Kind.values:
        errors.append({"field": "kind", "message": _("请选择认捐、到账或支出"), "code": "invalid_choice"})
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        errors.append({"field": "amount", "message": _("金额应大于零"), "code": "amount_not_positive"})
    elif amount_fen > MAX_FEN:
        errors.append({"field": "amount", "message": _("金额过大"), "code": "amount_too_large"})
    _check_date(on_date, field="on_date", item=item, errors=errors)
    party = (party or "").strip()
    if not party:
        errors.append({"field": "party", "message": _("请填写付款方或收款方"), "code": "required"})
    line = None
    if kind == MoneyEntry.Kind.DISBURSEMENT:
        source = ""
        line = item.budget_lines.filter(pk=budget_line_id).first() if budget_line_id else None
        if line is None:
            errors.append({"field": "budget_line", "message": _("请选择预算科目"), "code": "required"})
    elif kind in MoneyEntry.Kind.values and source not in FundingSource.values:
        errors.append({"field": "source", "message": _("请选择资金来源"), "code": "required"})
    contributor = None
    if contributor_id:
        contributor = User.objects.filter(pk=contributor_id, is_active=True).first()
        if contributor is None:
            errors.append({"field": "contributor_id", "message": _("捐款居民不存在"), "code": "not_found"})
    if item.status == Status.CANCELLED and kind != MoneyEntry.Kind.DISBURSEMENT:
        errors.append({"field": None, "message": _("项目已取消，不能再登记筹款"), "code": "project_cancelled"})
    cleaned = None
    if voucher:
        try:
            cleaned = clean_image(voucher, field="voucher")
        except Invalid as exc:
            errors.extend(exc.as_list())
    _raise(errors)
    is_advance = False
    if kind == MoneyEntry.Kind.DISBURSEMENT and amount_fen > item.balance_fen:
        if not item.allows_advance:
            raise Conflict(_("支出超过可用余额 %(balance)s 元；本项目不允许垫付") % {"balance": yuan(item.balance_fen)},
                           code="insufficient_balance", field="amount")
        is_advance = True
    receipt_no = ""
    if kind == MoneyEntry.Kind.RECEIPT and source in (FundingSource.RESIDENTS, FundingSource.CHARITY):
        # Numbered under the project's lock: no two receipts of a project share a number.
        n = MoneyEntry.objects.filter(item=item, kind=MoneyEntry.Kind.RECEIPT).exclude(receipt_no="").count() + 1
        receipt_no = f"SJ{item.pk:05d}-{n:04d}"
    fields = dict(item=item, source=source, budget_line=line, party=party[:100], contributor=contributor,
                  show_name=bool(show_name), amount_fen=amount_fen, on_date=on_date, is_advance=is_advance,
                  receipt_no=receipt_no)
    if cleaned is not None:
        fields["voucher"] = ContentFile(cleaned[0], name=f"{uuid.uuid4().hex}.jpg")
    entry = record(MoneyEntry, actor=actor, kind=kind, path=item.path, note=(note or "")[:500],
                   data={"advance": is_advance} if is_advance else None, audit_action=f"lists.money_{kind}",
                   audit_target=item, **fields)
    _apply(item, kind, amount_fen)
    return entry


@transaction.atomic
def reverse_money(*, actor, entry_id: int, reason: str) -> MoneyEntry:
    """Correct an entry by appending its reversal (the amount negated); the original stays."""
    original = MoneyEntry.objects.filter(pk=entry_id).only("item_id").first()
    if original is None:
        raise NotFound(_("未找到该资金记录"), code="not_found")
    item = _project(original.item_id, Verb.LISTS_FUND, actor)
    original = MoneyEntry.objects.get(pk=entry_id)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("冲正须说明理由"), code="reason_required", field="reason")
    if original.is_reversal:
        raise Conflict(_("冲正记录不能再冲正"), code="reversal_of_reversal", field="entry_id")
    if MoneyEntry.objects.filter(reverses=original).exists():
        raise Conflict(_("这条记录已冲正"), code="already_reversed", field="entry_id")
    if (original.kind == MoneyEntry.Kind.RECEIPT and original.amount_fen > item.balance_fen
            and not item.allows_advance):
        raise Conflict(_("冲正后余额将为负；请先冲正相应支出"), code="insufficient_balance", field="entry_id")
    entry = record(MoneyEntry, actor=actor, kind=original.kind, path=item.path, note=reason[:500],
                   audit_action="lists.money_reversal", audit_target=item, item=item, source=original.source,
                   budget_line=original.budget_line, party=original.party, contributor=original.contributor,
                   show_name=original.show_name, amount_fen=-original.amount_fen, on_date=timezone.localdate(),
                   reverses=original)
    _apply(item, original.kind, -original.amount_fen)
    return entry


def figures_from_entries(item: Item) -> dict[str, int]:
    """What the derived figures of `item` should be, recomputed from its records."""
    from django.db.models import Sum

    sums = dict(item.money.values_list("kind").annotate(total=Sum("amount_fen")).values_list("kind", "total"))
    return {
        "budget_fen": item.budget_lines.aggregate(t=Sum("amount_fen"))["t"] or 0,
        "pledged_fen": sums.get(MoneyEntry.Kind.PLEDGE) or 0,
        "received_fen": sums.get(MoneyEntry.Kind.RECEIPT) or 0,
        "spent_fen": sums.get(MoneyEntry.Kind.DISBURSEMENT) or 0,
        "progress_bp": compute_progress(item),
    }


@transaction.atomic
def recompute_item(*, actor, item_id: int, fix: bool = False) -> dict[str, tuple[int, int]]:
    """Differences {field: (stored, recomputed)} of one item; with `fix`, write the recomputed."""
    item = _locked(item_id)
    require(actor, Verb.LISTS_MANAGE, item)
    fresh = figures_from_entries(item)
    diff = {k: (getattr(item, k), v) for k, v in fresh.items() if getattr(item, k) != v}
    if diff and fix:
        for k, (_stored, v) in diff.items():
            setattr(item, k, v)
        item.save(update_fields=[*diff, "updated_at"])
        _event(item, ItemEvent.Kind.EDITED, actor=actor, internal=True, note=gettext("按记录重算"),
               diff={k: list(v) for k, v in diff.items()})
    return diff


# ---------------------------------------------------------------- milestones and photos


def _clean_photos(photos: Iterable[bytes], *, field: str, errors: list) -> list[tuple[bytes, int, int]]:
    cleaned = []
    photos = [p for p in photos if p]
    if len(photos) > MAX_PHOTOS:
        errors.append({"field": field, "message": _("最多上传9张照片"), "code": "too_many_photos"})
        return []
    for data in photos:
        try:
            cleaned.append(clean_image(data, field=field))
        except Invalid as exc:
            errors.extend(exc.as_list())
    return cleaned


def _store_photos(item: Item, cleaned, *, phase: str, actor, milestone: Milestone | None = None) -> list[ItemPhoto]:
    out = []
    for data, width, height in cleaned:
        photo = ItemPhoto(item=item, milestone=milestone, phase=phase, width=width, height=height,
                          uploaded_by=actor if getattr(actor, "pk", None) else None)
        photo.image.save(f"{uuid.uuid4().hex}.jpg", ContentFile(data), save=False)
        photo.save()
        out.append(photo)
    return out


@transaction.atomic
def add_milestone(*, actor, item_id: int, title: str, planned_on: dt.date | None,
                  weight: int | None = None) -> Milestone:
    item = _project(item_id, Verb.LISTS_MANAGE, actor)
    errors = []
    title = (title or "").strip()
    if not title:
        errors.append({"field": "title", "message": _("请填写名称"), "code": "required"})
    if planned_on is None:
        errors.append({"field": "planned_on", "message": _("请填写日期"), "code": "required"})
    elif planned_on < item.starts_on:
        errors.append({"field": "planned_on", "message": _("日期不能早于项目开始日期"), "code": "date_before_project"})
    if weight is not None and (weight < 1 or weight > 1000):
        errors.append({"field": "weight", "message": _("权重应为1到1000的整数"), "code": "weight_range"})
    existing = list(item.milestones.all())
    if existing and (weight is None) != (existing[0].weight is None):
        errors.append({"field": "weight", "code": "weights_mixed",
                       "message": _("同一项目的里程碑要么都填权重，要么都不填（则平均计算）")})
    if item.status in (Status.DONE, Status.CANCELLED):
        errors.append({"field": None, "message": _("项目已结束，不能再改里程碑"), "code": "project_closed"})
    _raise(errors)
    milestone = Milestone.objects.create(item=item, title=title[:100], planned_on=planned_on, weight=weight,
                                         sort=len(existing))
    _refresh_progress(item)
    _event(item, ItemEvent.Kind.MILESTONE, actor=actor, milestone_id=milestone.pk, planned_on=str(planned_on),
           title=milestone.title, action="added")
    return milestone


@transaction.atomic
def complete_milestone(*, actor, milestone_id: int, done_on: dt.date | None, note: str = "",
                       photos: Iterable[bytes] = ()) -> Milestone:
    found = Milestone.objects.filter(pk=milestone_id).values_list("item_id", flat=True).first()
    if found is None:
        raise NotFound(_("未找到该里程碑"), code="not_found")
    item = _project(found, Verb.LISTS_MANAGE, actor)
    milestone = Milestone.objects.get(pk=milestone_id)
    errors: list[dict] = []
    _check_date(done_on, field="done_on", item=item, errors=errors)
    if milestone.done_on is not None:
        errors.append({"field": "done_on", "message": _("该里程碑已完成"), "code": "already_done"})
    if item.status not in (Status.ACCEPTED, Status.IN_PROGRESS):
        errors.append({"field": None, "message": _("项目立项后、结项前才能更新里程碑"), "code": "project_not_running"})
    cleaned = _clean_photos(photos, field="photos", errors=errors)
    _raise(errors)
    milestone.done_on = done_on
    milestone.save(update_fields=["done_on"])
    _store_photos(item, cleaned, phase=ItemPhoto.Phase.PROGRESS, actor=actor, milestone=milestone)
    _refresh_progress(item)
    _event(item, ItemEvent.Kind.MILESTONE, actor=actor, note=note, notify=_followers(item),
           notice_text=gettext("里程碑“%(title)s”已完成，进度 %(p)s%%") % {"title": milestone.title,
                                                                       "p": item.progress_percent},
           milestone_id=milestone.pk, done_on=str(done_on), action="done", photos=len(cleaned))
    return milestone


@transaction.atomic
def add_photos(*, actor, item_id: int, phase: str, photos: Iterable[bytes]) -> list[ItemPhoto]:
    item = _locked(item_id)
    require(actor, Verb.LISTS_MANAGE, item)
    errors: list[dict] = []
    if phase not in ItemPhoto.Phase.values:
        errors.append({"field": "phase", "message": _("请选择照片阶段"), "code": "invalid_choice"})
    photos = list(photos)
    if not [p for p in photos if p]:
        errors.append({"field": "photos", "message": _("请选择图片"), "code": "photo_required"})
    cleaned = _clean_photos(photos, field="photos", errors=errors)
    if item.status == Status.CANCELLED:
        errors.append({"field": None, "message": _("事项已取消"), "code": "item_cancelled"})
    _raise(errors)
    stored = _store_photos(item, cleaned, phase=phase, actor=actor)
    _event(item, ItemEvent.Kind.PHOTO, actor=actor, phase=phase, photos=len(stored))
    return stored


# ---------------------------------------------------------------- following


@transaction.atomic
def follow(*, actor, item_id: int) -> Follower:
    """Anyone logged in may follow a public item (its page is public); staff any in scope."""
    item = Item.objects.filter(pk=item_id).first()
    if item is None or not getattr(actor, "is_authenticated", False) or not actor.pk:
        raise NotFound(_("未找到该清单事项"), code="not_found")
    if not item.is_public:
        require(actor, Verb.LISTS_VIEW, item)
    follower, _created = Follower.objects.get_or_create(item=item, user=actor)
    return follower


@transaction.atomic
def unfollow(*, actor, item_id: int) -> None:
    Follower.objects.filter(item_id=item_id, user_id=getattr(actor, "pk", None)).delete()
