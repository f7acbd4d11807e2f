"""Every change to a case. Each function locks the case row first, checks permission
through linli.accounts.scope, appends a timeline event, and writes the notices of that event
into the outbox in the same transaction."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import FilteredRelation, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.accounts.models import Organisation, RoleAssignment, User
from linli.accounts.roles import Role, Verb
from linli.accounts.scope import require
from linli.core import compiled, events, history, together
from linli.core.audit import audit_entry, record_audit
from linli.core.errors import Conflict, Forbidden, Invalid, NotFound
from linli.core.identity import validate_mobile
from linli.core.paths import ancestors_paths
from linli.core.text import clean_text
from linli.notify.services import enqueue, notices
from linli.places.models import Place

from . import rules
from .limits import case_rate_guard, check_case_rate, refuse_if_over
from .lookups import active_category, routing_rules_at
from .models import LADDER, Case, CaseEvent, CaseSupporter, CaseTask, Category, Level, RoutingRule

MAX_TEXT = 2000
HANDLER_ROLES = rules.HANDLER_ROLES
STAFF_CHANNELS = {Case.Channel.ON_BEHALF, Case.Channel.PHONE, Case.Channel.WALK_IN, Case.Channel.PATROL,
                  Case.Channel.VISIT, Case.Channel.MEETING, Case.Channel.HOTLINE}


# ---------------------------------------------------------------- routing


class PlaceChain(list):
    """A place and its ancestors, root first (a list of Place), with `holders`: the active
    holders of every handler role at those places, with their users, read in the same
    statement (intake's "which rung is staffed" and "whom to notify")."""

    holders: list[RoleAssignment]


def place_chain(place_id: int) -> PlaceChain:
    """The place and its ancestors with their kinds, root first, and the handler role holders
    there, in one statement (a recursive walk up `parent_id`, each place joined to its
    holders); [] when the place does not exist. Intake reads it once for validation, routing
    and the handlers."""
    places: dict[int, Place] = {}
    holders = []
    for row in _CHAIN.run(place_id=place_id):  # a place per holder there (or once, with none)
        place = places.setdefault(row.pk, row)
        holder = getattr(row, "holder", None)
        if holder is not None:
            holder.place = place
            holders.append(holder)
    chain = PlaceChain(sorted(places.values(), key=lambda p: p.depth))
    chain.holders = holders
    return chain


def _chain_rows(place_id):
    table = Place._meta.db_table
    walk = RawSQL(f'WITH RECURSIVE up(id, parent_id) AS (SELECT id, parent_id FROM "{table}" WHERE id = %s '
                  f'UNION ALL SELECT p.id, p.parent_id FROM "{table}" p JOIN up ON p.id = up.parent_id) '
                  f"SELECT id FROM up", [place_id])
    # The holders ride along as a filtered LEFT JOIN: a place without any is still one row.
    held_here = FilteredRelation("role_assignments", condition=Q(
        role_assignments__is_active=True, role_assignments__role__in=sorted(str(r) for r in rules.ALL_HANDLER_ROLES)))
    return (Place.objects.annotate(holder=held_here).select_related("kind", "holder", "holder__user")
            .defer("boundary").filter(pk__in=walk).order_by("depth", "pk", "holder__pk"))


# Intake's reads, built once per process (linli.core.compiled): the chain with its role
# holders, and (for callers without that chain) the rung holders for each number of
# candidate places and roles.
_CHAIN = compiled.Rows("cases.place_chain", _chain_rows, place_id=compiled.Int)
_HOLDERS: dict[tuple[int, int], compiled.Rows] = {}


def _holders(place_ids: list[int], roles: list[str]) -> list[RoleAssignment]:
    """The active holders of `roles` at `place_ids`, with their users."""
    shape = (len(place_ids), len(roles))
    statement = _HOLDERS.get(shape)
    if statement is None:
        def build(**values):
            return RoleAssignment.objects.filter(
                is_active=True, place_id__in=[values[f"place{i}"] for i in range(shape[0])],
                role__in=[values[f"role{i}"] for i in range(shape[1])]).select_related("user")

        kinds = {**{f"place{i}": compiled.Int for i in range(shape[0])},
                 **{f"role{i}": compiled.Text for i in range(shape[1])}}
        statement = _HOLDERS.setdefault(shape, compiled.Rows(f"cases.holders.{shape}", build, **kinds))
    return statement.run(**{f"place{i}": pk for i, pk in enumerate(place_ids)},
                         **{f"role{i}": str(role) for i, role in enumerate(roles)})


def _chain_of(place: Place, chain: list[Place] | None) -> list[Place]:
    if chain is not None:
        return chain
    return list(Place.objects.filter(path__in=[*ancestors_paths(place.path), place.path])
                .select_related("kind").order_by("depth"))


def route_for(category: Category, place: Place, *, chain: list[Place] | None = None
              ) -> tuple[str, Organisation | None]:
    """The level (or department) that handles `category` at `place`: the most specific
    routing rule (deepest place, then the nearest category), else the category's default.
    `chain` (the place and its ancestors, as `place_chain` reads them) saves a read."""
    category_chain = [category.pk]
    parent = category.parent
    while parent is not None:
        category_chain.append(parent.pk)
        parent = parent.parent
    if chain is None:
        rules = list(RoutingRule.objects.filter(place__path__in=[*ancestors_paths(place.path), place.path])
                     .filter(models_q_category(category_chain)).select_related("place", "organisation"))
        depth = {rule.place_id: rule.place.depth for rule in rules}
    else:
        depth = {p.pk: p.depth for p in chain}
        # The rules come from the per-process cache (intake's statement budget).
        wanted = set(category_chain)
        rules = [rule for rule in routing_rules_at(depth)
                 if rule.category_id is None or rule.category_id in wanted]

    def specificity(rule):
        cat_rank = category_chain.index(rule.category_id) if rule.category_id else len(category_chain)
        return (-depth[rule.place_id], cat_rank)

    if rules:
        best = min(rules, key=specificity)
        return best.level, best.organisation
    return category.default_level, None


def models_q_category(chain):
    from django.db.models import Q

    return Q(category_id__in=chain) | Q(category__isnull=True)


def _handler_at(level: str, place: Place, organisation: Organisation | None, chain: list[Place] | None
                ) -> tuple[str, Place | None, Organisation | None, list[User] | None]:
    """handler_at, and the handlers there when the read already found them (else None)."""
    by_kind = {p.kind.code: p for p in _chain_of(place, chain)}
    rungs = [(rung, by_kind[rung]) for rung in LADDER if rung in by_kind]  # lowest first
    if level == Level.DEPARTMENT:
        if organisation is not None:
            return Level.DEPARTMENT, None, organisation, None
        rungs = rungs[-1:]
    else:
        rungs = [(rung, holder) for rung, holder in rungs if LADDER.index(rung) >= LADDER.index(level)]
    if rungs:
        # The role holders of every candidate rung with their users, in one read: the rung
        # that is staffed, and who is notified there.
        if isinstance(chain, PlaceChain):
            held = chain.holders  # read with the chain: every handler role at every place of it
        else:
            held = _holders(list(dict.fromkeys(holder.pk for _, holder in rungs)),
                            list(dict.fromkeys(str(role) for rung, _ in rungs for role in HANDLER_ROLES[rung])))
        for rung, holder in rungs:
            here = [ra for ra in held if ra.place_id == holder.pk and ra.role in HANDLER_ROLES[rung]]
            if here:
                return rung, holder, None, [ra.user for ra in sorted(here, key=lambda ra: -ra.pk)]
        rung, holder = rungs[0]
        return rung, holder, None, []
    # Nothing above (a place outside any street): the top of the tree handles it.
    top = next((p for p in chain if p.path == place.path[:4]), None) if chain is not None else None
    if top is None:
        top = Place.objects.filter(path=place.path[:4]).first()
    return Level.STREET, top, None, None


def handler_at(level: str, place: Place, organisation: Organisation | None = None, *,
               chain: list[Place] | None = None) -> tuple[str, Place | None, Organisation | None]:
    """The lowest level at or above `level` able to act over `place`: its place exists above
    `place` (a building-level case at a compound with no building goes to the grid) and
    someone holds an active handler role there (a building with no building head cannot
    act either). When no rung is staffed, the lowest rung that exists. A department level
    without an organisation falls back to the highest rung (the street)."""
    return _handler_at(level, place, organisation, chain)[:3]


def routed_to(category: Category, place: Place) -> tuple[str, Place | None, Organisation | None]:
    """Where a case of `category` at `place` goes: its routing rule (or the category's
    default), moved up to the lowest level able to act."""
    level, organisation = route_for(category, place)
    return handler_at(level, place, organisation)


def handlers(case: Case) -> list[User]:
    """The people who act on the case at its current level (see `rules.handlers`)."""
    return rules.handlers(case)


def supervisors(case: Case) -> list[User]:
    """The people one level above the case's handlers (the level that supervises a card):
    the next staffed rung of the ladder over the case's place; for a department, the street
    that referred it; for the street, street officials at the places above it, if any."""
    if case.level == Level.STREET:
        if case.handler_place_id is None:
            return []
        above = ancestors_paths(case.handler_place.path)
        qs = RoleAssignment.objects.filter(is_active=True, role=Role.STREET_OFFICIAL, place__path__in=above)
        return [ra.user for ra in qs.select_related("user")]
    rung = Level.STREET if case.level == Level.DEPARTMENT else LADDER[LADDER.index(case.level) + 1]
    level, place, _org = handler_at(rung, case.place)
    if place is None or place.pk == case.handler_place_id:
        return []
    qs = RoleAssignment.objects.filter(is_active=True, role__in=HANDLER_ROLES[level], place=place)
    return [ra.user for ra in qs.select_related("user")]


def record_event(case: Case, kind: str, *, actor, note: str = "", internal: bool = False, notify=(),
                 notice: str = "", notice_kind: str = "", sms: bool = False, **data) -> CaseEvent:
    """Append one entry to the case's timeline, with the notices of it to `notify` (in-app,
    and SMS when `sms`), in the caller's transaction (`linli.core.history.record`)."""
    return history.record(CaseEvent, case=case, actor=actor, kind=kind, path=case.path, note=note or "",
                          internal=internal, data=data, notify=notify,
                          notice_text=f"[{case.number}] {notice}" if notice else "", notice_kind=notice_kind,
                          url=f"/cases/{case.pk}/", sms=sms)


def notify_case(users, case: Case, kind: str, text: str, *, sms: bool = False) -> None:
    """Notices about the case without a timeline entry of their own (intake's opening)."""
    users = list(users)
    if users:
        enqueue(users, kind=kind, text=f"[{case.number}] {text}", url=f"/cases/{case.pk}/", sms=sms)


def _reporters(case: Case) -> list[User]:
    """The reporter and the reporters of cases merged into this one: they follow its outcome."""
    users = [case.reporter] if case.reporter_id else []
    # Merges can chain (A into B, then B into C): everyone merged in, at any depth.
    frontier = [case.pk]
    while frontier:
        merged = list(Case.objects.filter(merged_into_id__in=frontier).select_related("reporter"))
        users += [c.reporter for c in merged if c.reporter_id]
        frontier = [c.pk for c in merged]
    return users


def _locked(case_id: int) -> Case:
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("诉求不存在"), code="not_found")
    return case


def _stale(actor, case: Case, *, seen: str | None, now: str, what: str) -> None:
    """The state the person decided on (`seen`) must still be the case's (checked under the
    lock): otherwise someone else moved the case meanwhile, and this is a 409, not a second step."""
    if seen is not None and seen != now:
        require(actor, Verb.CASE_VIEW, case)
        raise Conflict(_("此诉求已被他人处理（当前%(what)s），请刷新后再试") % {"what": what}, code="stale")


def _check_seen(actor, case: Case, *, from_level: str | None = None, from_status: str | None = None) -> None:
    _stale(actor, case, seen=from_level, now=case.level,
           what=str(_("在%(level)s") % {"level": case.get_level_display()}))
    _stale(actor, case, seen=from_status, now=case.status, what=case.get_status_display())


def _clean_text(text: str, *, field: str = "text", required: bool = True) -> str:
    text = clean_text(text, field=field, multiline=True)  # the one text rule: no NUL, no control chars
    if required and len(text) < 2:
        raise Invalid(_("请描述问题（至少2个字）"), code="required", field=field)
    if len(text) > MAX_TEXT:
        raise Invalid(_("内容不能超过2000个字"), code="too_long", field=field)
    return text


# ---------------------------------------------------------------- intake


def place_for_point(lat: Decimal, lng: Decimal) -> Place | None:
    """The deepest grid or compound whose boundary polygon contains the point."""
    from .geo import point_in_boundary

    candidates = Place.objects.filter(kind__code__in=("grid", "compound"), boundary__isnull=False).only(
        "id", "path", "boundary", "depth")
    best = None
    for place in candidates.iterator(chunk_size=500):
        if point_in_boundary(float(lng), float(lat), place.boundary):
            if best is None or place.depth > best.depth:
                best = place
    return best


def submit_case(*, actor, text: str, channel: str, place_id: int | None = None, lat=None, lng=None,
                category_code: str | None = None, contact_name: str = "", contact_phone: str = "",
                is_public: bool = False, priority: int = Case.Priority.LOW, on_behalf: bool = False,
                via_integration: bool = False, savepoint: bool = True) -> Case:
    """Open a case from any channel. Residents report for themselves; staff channels (phone,
    walk-in, patrol, visit, meeting, hotline) need the intake verb at the place; an
    integration (Open311, an API client with its key) files for an anonymous contact."""
    errors = []
    if channel not in Case.Channel.values:
        errors.append({"field": "channel", "message": _("来源渠道无效"), "code": "invalid_choice"})
    try:
        text = _clean_text(text)
    except Invalid as exc:
        errors += exc.as_list()
    place = None
    # Coordinates are checked whenever given (they are stored even with a place), each on its
    # own field; a point alone must fall inside a grid.
    coords_ok = False
    if lat is not None or lng is not None:
        coords_ok = True
        for name, value, bound in (("lat", lat, 90), ("lng", lng, 180)):
            if value is None:
                coords_ok = False
                errors.append({"field": name, "message": _("请同时提供经度和纬度"), "code": "required"})
                continue
            try:
                number = Decimal(str(value).strip())
                if not number.is_finite() or not (-bound <= number <= bound):
                    raise ValueError
            except Exception:
                coords_ok = False
                errors.append({"field": name, "message": _("坐标超出范围"), "code": "coordinate_range"})
            else:
                if name == "lat":
                    lat = number.quantize(Decimal("0.000001"))
                else:
                    lng = number.quantize(Decimal("0.000001"))
    chain = None
    if place_id is not None:
        # The place with its ancestors, in one read, kept for routing and the handlers.
        chain = place_chain(place_id)
        place = chain[-1] if chain and chain[-1].pk == place_id else None
        if place is None:
            errors.append({"field": "place_id", "message": _("地点不存在"), "code": "not_found"})
    elif coords_ok:
        place = place_for_point(lat, lng)
        if place is None:
            errors.append({"field": "lat", "message": _("该位置不在任何网格内，请选择地点"), "code": "outside_grids"})
    elif lat is None and lng is None:
        errors.append({"field": "place_id", "message": _("请选择地点或在地图上标注位置"), "code": "required"})
    category = None
    if category_code:
        category = active_category(category_code)
        if category is None:
            errors.append({"field": "category", "message": _("类别无效"), "code": "invalid_choice"})
    if priority not in Case.Priority.values:
        errors.append({"field": "priority", "message": _("紧急程度无效"), "code": "invalid_choice"})
    if contact_phone:
        try:
            contact_phone = validate_mobile(contact_phone, field="contact_phone")
        except Invalid as exc:
            errors += exc.as_list()
    if len(contact_name or "") > 50:
        errors.append({"field": "contact_name", "message": _("联系人不能超过50个字"), "code": "too_long"})
    if errors:
        raise Invalid(errors[0]["message"], code=errors[0]["code"], field=errors[0]["field"], errors=errors)
    staff_entry = on_behalf or channel in STAFF_CHANNELS
    if not actor.is_authenticated:
        raise Forbidden(_("请先登录"), code="unauthenticated")
    if staff_entry:
        require(actor, Verb.CASE_INTAKE, place)
    from linli.triage.suggest import suggest_categories

    from .triage_data import ranking_json

    # The suggestion is kept even when the reporter chose: chosen-versus-suggested is what the
    # triage model learns from and how its accuracy is watched. The first three with their
    # probabilities are kept too (suggested_ranking).
    ranking = suggest_categories(text, 3)
    suggested = ranking[0][0] if ranking else None
    chosen = category is not None
    category = category or suggested or active_category("other") or Category.objects.get(code="other")
    level, organisation = route_for(category, place, chain=chain)
    level, handler_place, handler_org, notified = _handler_at(level, place, organisation, chain)
    now = timezone.now()
    case = Case(
        path=place.path, place=place, lat=lat, lng=lng, category=category,
        suggested_category=suggested, suggested_ranking=ranking_json(ranking), text=text, channel=channel,
        reporter=None if staff_entry or via_integration or actor.pk is None else actor,
        entered_by=actor if (staff_entry or via_integration) and actor.pk is not None else None,
        contact_name=(contact_name or "").strip(), is_public=bool(is_public), priority=priority, level=level,
        handler_place=handler_place, handler_organisation=handler_org,
        accept_due=now + timedelta(hours=category.accept_hours), finish_due=now + timedelta(days=category.finish_days),
    )
    if contact_phone:
        case.set_contact_phone(contact_phone)
    # Everything above only read and checked; the writes are one atomic block. Intake is the
    # hottest write: the number given by the INSERT (on PostgreSQL a trigger makes it from the
    # new id; cases migration 0005), the opening events in one INSERT, and no savepoint of its
    # own when the caller says its transaction rolls back as a whole on failure anyway
    # (`savepoint=False`: the API inside the idempotency claim's transaction). By default a
    # failure here rolls back only these writes and leaves the caller's transaction usable.
    with transaction.atomic(savepoint=savepoint):
        # The per-person limit first, under the person's row lock held until this commits, so a
        # burst of creates is counted one at a time (issue 10 §13). On PostgreSQL its UPDATE is
        # the first part of the one statement that writes the case (nothing is written when it
        # refuses); elsewhere it runs here, before the INSERTs.
        rate = dict(staff=staff_entry, via_integration=via_integration)
        if not together.supported():
            check_case_rate(actor, **rate)
        person = actor if getattr(actor, "pk", None) is not None else None
        opening = [CaseEvent(case=case, path=case.path, kind=CaseEvent.Kind.CREATED, actor=person,
                             data={"channel": channel})]
        if suggested is not None and not chosen:
            opening.append(CaseEvent(case=case, path=case.path, kind=CaseEvent.Kind.CLASSIFIED,
                                     data={"category": category.code, "suggested": True}))
        opening.append(CaseEvent(case=case, path=case.path, kind=CaseEvent.Kind.ROUTED, data={
            "level": level, "place": handler_place.pk if handler_place else None,
            "organisation": handler_org.pk if handler_org else None}))
        # The whole timeline so far, none of it internal: the API answers with it as it is.
        case.opening_events = opening
        if together.supported():
            _write_opening(case, opening, notified, actor, rate)
        else:
            case.save(force_insert=True)
            if not case.number:  # no trigger (SQLite): the number needs the id, so set it after
                case.number = f"{case.created_at:%Y%m%d}{case.pk:06d}"
                case.save(update_fields=["number"])
            CaseEvent.objects.bulk_create(opening)
            notify_case(handlers(case) if notified is None else notified, case, "case_new", str(NEW_CASE_NOTICE))
            record_audit(actor=actor, action="case.submit", target=case)
    return case


NEW_CASE_NOTICE = _("有新的诉求待受理")


def _write_opening(case: Case, opening: list[CaseEvent], notified: list[User] | None, actor, rate: dict) -> None:
    """PostgreSQL: the per-person limit's count, then the case, its opening events, the
    handlers' notices and the audit entry in one statement (`linli.core.together` with the
    limit's UPDATE as its guard): the same rows the plain path writes with four INSERTs, the
    number and id coming back from the case's INSERT as before; past the limit nothing is
    inserted and the same TooManyRequests is raised (its count rolled back with it)."""
    if notified is None:
        # A department or a place outside any street: the handlers are read as everywhere
        # else (by organisation or place, neither needs the case's id).
        notified = handlers(case)
    number, pk = together.returned("number"), together.returned("id")
    rows = [(event, {"case_id": "id"}) for event in opening]
    rows += [(notice, {}) for notice in notices(notified, kind="case_new", text=f"[{number}] {NEW_CASE_NOTICE}",
                                                url=f"/cases/{pk}/")]
    rows.append((audit_entry(actor=actor, action="case.submit", target=case, target_type=Case._meta.label_lower,
                             target_id=pk), {}))
    guarded = together.insert_together(case, rows, guard=case_rate_guard(actor, **rate))
    refuse_if_over(actor, guarded, **rate)


# ---------------------------------------------------------------- handling
# Every verb: lock the case, check its rule (linli.cases.rules: role + status + relation,
# the same predicate the page and the API ask), check the state the person decided on where
# given (`from_level` / `from_status`), validate what was typed, change, record.


def follow_place_move(*, actor, new_path: str) -> list[Case]:
    """A place moved (with its subtree, now under `new_path`): every open case there is
    handled by the new chain. Each keeps its level (a case escalated to the community goes to
    the new community), moved up only where the new chain has nobody at that rung, exactly as
    intake routes; department cases stay with their department. Runs inside the move's
    transaction (the `places.place_moved` subscriber), so the old handlers lose the case at
    the moment they lose the place; each re-routed case gets a timeline entry and its new
    handlers a notice."""
    moved = []
    open_cases = (Case.objects.select_for_update(of=("self",)).select_related("place", "handler_place")
                  .filter(path__startswith=new_path, status__in=Case.OPEN)
                  .exclude(level=Level.DEPARTMENT).order_by("pk"))
    for case in open_cases:
        level, place, _org = handler_at(case.level, case.place)
        if (level, getattr(place, "pk", None)) == (case.level, case.handler_place_id):
            continue
        before = case.handler_place
        case.level, case.handler_place = level, place
        case.save(update_fields=["level", "handler_place", "updated_at"])
        record_event(case, CaseEvent.Kind.ROUTED, actor=None, level=level, place=getattr(place, "pk", None),
                     organisation=None, reason="place_moved", from_place=getattr(before, "pk", None),
                     note=str(_("所在地点调整，改由%(to)s办理（原为%(from)s）") % {
                         "to": getattr(place, "name", "—"), "from": getattr(before, "name", "—")}),
                     notify=handlers(case), notice_kind="case_new", notice=str(_("有新的诉求待受理")))
        moved.append(case)
    if moved:
        record_audit(actor=actor, action="case.reroute_after_move", target_type="places.place",
                     path=new_path, data={"cases": [c.pk for c in moved]})
    return moved


@transaction.atomic
def note_topic_from_case(*, actor, case_id: int, topic_id: int, title: str, url: str = "") -> CaseEvent | None:
    """The case became a topic for residents to deliberate (told by deliberation's
    `deliberation.topic_from_case` event, with the topic's page as `url`; cases does not import
    deliberation): the timeline links to the topic and the reporter is told. Once per topic: a
    replayed event adds nothing."""
    case = _locked(case_id)
    if CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.TOPIC, data__topic=int(topic_id)).exists():
        return None
    return record_event(case, CaseEvent.Kind.TOPIC, actor=actor,
                        note=str(_("已转为居民议事议题：%(title)s") % {"title": title}),
                        notify=_reporters(case), notice_kind="case_topic",
                        notice=str(_("您的诉求已转为居民议事议题，可在议题页查看进展")),
                        topic=int(topic_id), url=url)


@transaction.atomic
def accept_case(*, actor, case_id: int, note: str = "", from_level: str | None = None) -> Case:
    case = _locked(case_id)
    _check_seen(actor, case, from_level=from_level)
    rules.check(actor, "accept", case)
    case.status = Case.Status.ACCEPTED
    case.accepted_at = case.accepted_at or timezone.now()
    case.save(update_fields=["status", "accepted_at", "updated_at"])
    record_event(case, CaseEvent.Kind.ACCEPTED, actor=actor, note=_clean_text(note, field="note", required=False),
                 notify=_reporters(case), notice_kind="case_accepted", notice=str(_("您的诉求已受理")))
    return case


@transaction.atomic
def classify_case(*, actor, case_id: int, category_code: str, note: str = "", from_status: str | None = None
                  ) -> Case:
    """A handler confirms or corrects the category (the final category is the triage model's
    label). A case nobody has accepted yet is routed again for its new category."""
    case = _locked(case_id)
    _check_seen(actor, case, from_status=from_status)
    rules.check(actor, "classify", case)
    category = Category.objects.filter(code=category_code or "", is_active=True).first()
    if category is None:
        raise Invalid(_("类别无效"), code="invalid_choice", field="category")
    note = _clean_text(note, field="note", required=False)
    previous = case.category
    if category.pk == previous.pk:
        record_event(case, CaseEvent.Kind.CLASSIFIED, actor=actor, note=note, category=category.code, confirmed=True)
        return case
    case.category = category
    fields = ["category", "updated_at"]
    rerouted = False
    if case.status == Case.Status.SUBMITTED:
        level, handler_place, handler_org = routed_to(category, case.place)
        if (level, handler_place, handler_org) != (case.level, case.handler_place, case.handler_organisation):
            case.level, case.handler_place, case.handler_organisation = level, handler_place, handler_org
            fields += ["level", "handler_place", "handler_organisation"]
            rerouted = True
    case.save(update_fields=fields)
    record_event(case, CaseEvent.Kind.CLASSIFIED, actor=actor, note=note, category=category.code,
                 previous=previous.code)
    if rerouted:
        record_event(case, CaseEvent.Kind.ROUTED, actor=None, level=case.level, place=case.handler_place_id,
                     organisation=case.handler_organisation_id, notify=handlers(case), notice_kind="case_new",
                     notice=str(_("有新的诉求待受理")))
    return case


@transaction.atomic
def request_info(*, actor, case_id: int, question: str, from_status: str | None = None) -> Case:
    case = _locked(case_id)
    _check_seen(actor, case, from_status=from_status)
    rules.check(actor, "request-info", case)
    question = _clean_text(question, field="question")
    case.status = Case.Status.INFO_REQUESTED
    case.save(update_fields=["status", "updated_at"])
    record_event(case, CaseEvent.Kind.INFO_REQUESTED, actor=actor, note=question, notify=_reporters(case),
                 notice_kind="case_info_requested", notice=str(_("办理人需要您补充信息")), sms=True)
    return case


@transaction.atomic
def add_info(*, actor, case_id: int, text: str) -> Case:
    case = _locked(case_id)
    rules.check(actor, "add-info", case)
    text = _clean_text(text)
    if case.status == Case.Status.INFO_REQUESTED:
        case.status = Case.Status.ACCEPTED if case.accepted_at else Case.Status.SUBMITTED
        case.save(update_fields=["status", "updated_at"])
    record_event(case, CaseEvent.Kind.INFO_ADDED, actor=actor, note=text, notify=handlers(case),
                 notice_kind="case_info_added", notice=str(_("反映人补充了信息")))
    return case


@transaction.atomic
def escalate_case(*, actor, case_id: int, reason: str, from_level: str | None = None,
                  internal: bool = True) -> Case:
    """Hand the case up one level of the ladder, with a reason (staff-only unless the handler
    says the resident may read it: a reason often speaks frankly of neighbours). `from_level`
    is the level the handler saw: if someone else moved the case meanwhile, this is a
    conflict rather than a second escalation (the page and the API both send it)."""
    case = _locked(case_id)
    _check_seen(actor, case, from_level=from_level)
    rules.check(actor, "escalate", case)
    reason = _clean_text(reason, field="reason")
    return _move_up(case, actor=actor, reason=reason, internal=internal)


def _move_up(case: Case, *, actor, reason: str, kind: str = CaseEvent.Kind.ESCALATED, internal: bool = False
             ) -> Case:
    # Above the street come departments, which a case reaches by referral (refer_case).
    if case.level in (Level.STREET, Level.DEPARTMENT):
        raise Conflict(_("已是最高办理层级，请转交职能部门"), code="top_of_ladder")
    level, handler_place, handler_org = handler_at(LADDER[LADDER.index(case.level) + 1], case.place)
    if handler_place is not None and case.handler_place_id == handler_place.pk:
        raise Conflict(_("已是最高办理层级，请转交职能部门"), code="top_of_ladder")
    previous = handlers(case)
    case.level, case.handler_place, case.handler_organisation = level, handler_place, handler_org
    case.status = Case.Status.SUBMITTED
    case.accepted_at = None
    case.escalated_count += 1
    now = timezone.now()
    case.accept_due = now + timedelta(hours=case.category.accept_hours)
    case.save(update_fields=["level", "handler_place", "handler_organisation", "status", "accepted_at",
                             "escalated_count", "accept_due", "updated_at"])
    record_event(case, kind, actor=actor, note=reason, internal=internal, level=level,
                 notify=handlers(case) + previous, notice_kind="case_escalated",
                 notice=str(_("诉求已上报至%(level)s") % {"level": case.get_level_display()}))
    return case


@transaction.atomic
def refer_case(*, actor, case_id: int, organisation_id: int, reason: str, from_level: str | None = None) -> Case:
    """Refer the whole case to one department (转办)."""
    case = _locked(case_id)
    _check_seen(actor, case, from_level=from_level)
    rules.check(actor, "refer", case)
    org = Organisation.objects.filter(pk=organisation_id, kind=Organisation.Kind.DEPARTMENT).first()
    if org is None:
        raise Invalid(_("请选择职能部门"), code="organisation_required", field="organisation_id")
    reason = _clean_text(reason, field="reason")
    case.level, case.handler_place, case.handler_organisation = Level.DEPARTMENT, None, org
    case.status = Case.Status.SUBMITTED
    case.accepted_at = None
    case.save(update_fields=["level", "handler_place", "handler_organisation", "status", "accepted_at",
                             "updated_at"])
    record_event(case, CaseEvent.Kind.REFERRED, actor=actor, note=reason, organisation=org.pk,
                 notify=handlers(case), notice_kind="case_referred", notice=str(_("有转办的诉求待受理")))
    return case


@transaction.atomic
def open_cohandling(*, actor, case_id: int, organisation_ids: list[int], instruction: str = "",
                    days: int | None = None) -> list[CaseTask]:
    """Several departments each get their own task (联合综治、畜牧兽医、环保, seed 003).
    Opening a task for a department that already has one is a conflict (the state is
    checked under the lock)."""
    case = _locked(case_id)
    rules.check(actor, "cohandle", case)
    ids = sorted(set(organisation_ids or []))
    orgs = list(Organisation.objects.filter(pk__in=ids, kind=Organisation.Kind.DEPARTMENT))
    if not ids or len(orgs) != len(ids):
        raise Invalid(_("请选择一个或多个职能部门"), code="organisation_required", field="organisation_ids")
    if days is not None and not (1 <= days <= 365):
        raise Invalid(_("期限应为1到365天"), code="days_range", field="days")
    instruction = (instruction or "").strip()
    if len(instruction) > 500:
        raise Invalid(_("要求不能超过500个字"), code="too_long", field="instruction")
    existing = set(case.tasks.values_list("organisation_id", flat=True))
    if existing & set(ids):
        raise Conflict(_("所选部门已有协办任务"), code="duplicate_task", field="organisation_ids")
    due = timezone.now() + timedelta(days=days) if days else case.finish_due
    tasks = [CaseTask.objects.create(case=case, organisation=o, instruction=instruction, due=due)
             for o in orgs]
    if case.status == Case.Status.SUBMITTED:
        case.status = Case.Status.ACCEPTED
        case.accepted_at = timezone.now()
        case.save(update_fields=["status", "accepted_at", "updated_at"])
    staff = [ra.user for ra in RoleAssignment.objects.filter(organisation__in=orgs, is_active=True,
                                                            role=Role.DEPARTMENT_STAFF).select_related("user")]
    record_event(case, CaseEvent.Kind.TASK_OPENED, actor=actor, note=instruction, organisations=ids,
                 notify=staff, notice_kind="case_task", notice=str(_("有协办任务待办理")))
    return tasks


@transaction.atomic
def complete_task(*, actor, task_id: int, answer: str) -> CaseTask:
    task = CaseTask.objects.select_for_update().select_related("case").filter(pk=task_id).first()
    if task is None:
        raise NotFound(_("协办任务不存在"), code="not_found")
    case = _locked(task.case_id)
    rules.check(actor, "task", case, task=task)
    task.answer = _clean_text(answer, field="answer")
    task.status, task.done_at = CaseTask.Status.DONE, timezone.now()
    task.save(update_fields=["answer", "status", "done_at"])
    record_event(case, CaseEvent.Kind.TASK_DONE, actor=actor, note=task.answer, organisation=task.organisation_id,
                 notify=handlers(case), notice_kind="case_task_done", notice=str(_("协办部门已完成任务")))
    return task


@transaction.atomic
def add_note(*, actor, case_id: int, text: str, internal: bool = True) -> CaseEvent:
    case = _locked(case_id)
    rules.check(actor, "note", case)
    return record_event(case, CaseEvent.Kind.NOTE, actor=actor, note=_clean_text(text), internal=internal)


@transaction.atomic
def record_contact(*, actor, case_id: int, note: str = "") -> Case:
    """The handler contacted the requester (接诉即办's 响应率 counts this time)."""
    case = _locked(case_id)
    rules.check(actor, "contact", case)
    if case.first_contact_at is None:
        case.first_contact_at = timezone.now()
        case.save(update_fields=["first_contact_at", "updated_at"])
    record_event(case, CaseEvent.Kind.CONTACTED, actor=actor, note=_clean_text(note, field="note", required=False),
                 internal=True)
    return case


@transaction.atomic
def reveal_reporter_phone(*, actor, case_id: int) -> str:
    """The reporter's full mobile for a handler who is about to call them (tap-to-call): read
    through this audited path only (an audit entry and an internal timeline entry)."""
    from linli.core import pii

    case = _locked(case_id)
    rules.check(actor, "contact", case)
    if case.contact_phone_enc:
        number = pii.decrypt(case.contact_phone_enc)
    elif case.reporter_id and getattr(case.reporter, "phone", ""):
        number = case.reporter.phone
    else:
        raise NotFound(_("反映人没有留下电话"), code="no_phone")
    record_audit(actor=actor, action="case.reveal_phone", target=case, path=case.path)
    return number


@transaction.atomic
def answer_case(*, actor, case_id: int, answer: str) -> Case:
    """The handler's answer to the resident; every co-handling task must be done first. The
    answer then waits for someone else to verify it (核查)."""
    case = _locked(case_id)
    rules.check(actor, "answer", case)
    answer = _clean_text(answer, field="answer")
    now = timezone.now()
    case.status, case.answered_at, case.answered_by = Case.Status.ANSWERED, now, rules.person(actor)
    case.first_contact_at = case.first_contact_at or now
    case.save(update_fields=["status", "answered_at", "answered_by", "first_contact_at", "updated_at"])
    event = record_event(case, CaseEvent.Kind.ANSWERED, actor=actor, note=answer, notify=_reporters(case),
                         notice_kind="case_answered", notice=str(_("您的诉求已有答复")), sms=True)
    verifiers = [u for u in User.objects.filter(pk__in=rules.verifiers(case))]
    notify_case(verifiers, case, "case_to_verify", str(_("有已答复的诉求待核查")))
    events.publish("cases.case_answered", key=f"case-event:{event.pk}", actor=actor, path=case.path,
                   data={"case": case.pk, "number": case.number, "answerer": getattr(actor, "pk", None),
                         "reporter": case.reporter_id, "level": case.level})
    case._answer_event = event
    return case


@transaction.atomic
def close_case(*, actor, case_id: int, outcome: str, note: str = "") -> Case:
    """Verify and close (核查结案) with a typed outcome, chosen explicitly."""
    case = _locked(case_id)
    rules.check(actor, "close", case)
    if outcome not in Case.Outcome.values:
        raise Invalid(_("请选择办理结果"), code="invalid_choice", field="outcome")
    note = _clean_text(note, field="note", required=outcome in (Case.Outcome.NOT_OURS, Case.Outcome.CANNOT))
    own = case.answered_by_id is not None and case.answered_by_id == getattr(actor, "pk", None)
    case.status, case.outcome, case.outcome_note, case.closed_at = Case.Status.CLOSED, outcome, note, timezone.now()
    case.save(update_fields=["status", "outcome", "outcome_note", "closed_at", "updated_at"])
    verified = record_event(case, CaseEvent.Kind.VERIFIED, actor=actor,
                            by_reporter=rules.is_reporter(actor, case), own_answer=own)
    closed = record_event(case, CaseEvent.Kind.CLOSED, actor=actor, note=note, outcome=outcome,
                          notify=_reporters(case), notice_kind="case_closed", notice=str(_("您的诉求已办结，请评价")),
                          sms=True)
    events.publish("cases.case_closed", key=f"case-event:{closed.pk}", actor=actor, path=case.path,
                   data={"case": case.pk, "number": case.number, "outcome": outcome, "reporter": case.reporter_id,
                         "verifier": getattr(actor, "pk", None), "answerer": case.answered_by_id,
                         "verified_event": verified.pk, "category": case.category.code})
    return case


@transaction.atomic
def rate_case(*, actor, case_id: int, rating: str, solved: bool | None = None, comment: str = "",
              return_visit: bool = False) -> Case:
    """The reporter rates (or staff record a return visit, 回访). Not satisfied reopens the
    case once for a second handling."""
    case = _locked(case_id)
    rules.check(actor, "return-visit" if return_visit else "rate", case)
    if rating not in Case.Rating.values:
        raise Invalid(_("请选择满意度"), code="invalid_choice", field="rating")
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise Invalid(_("评价不能超过500个字"), code="too_long", field="comment")
    case.rating, case.rating_comment, case.rated_at = rating, comment, timezone.now()
    case.solved_by_reporter = solved
    case.save(update_fields=["rating", "rating_comment", "rated_at", "solved_by_reporter", "updated_at"])
    rated = record_event(case, CaseEvent.Kind.RATED, actor=actor, note=comment, rating=rating, solved=solved,
                         return_visit=return_visit)
    events.publish("cases.case_rated", key=f"case-event:{rated.pk}", actor=actor, path=case.path,
                   data={"case": case.pk, "number": case.number, "rating": rating, "solved": solved,
                         "return_visit": return_visit, "reporter": case.reporter_id,
                         "reopens": rating == Case.Rating.UNSATISFIED and case.reopened_count == 0})
    if rating == Case.Rating.UNSATISFIED and case.reopened_count == 0:
        _reopen(case, actor=actor, reason=comment or str(_("反映人不满意")))
    return case


def _reopen(case: Case, *, actor, reason: str) -> None:
    now = timezone.now()
    case.reopened_count += 1
    case.status = Case.Status.ACCEPTED
    case.rating, case.rating_comment, case.rated_at, case.solved_by_reporter = "", "", None, None
    case.outcome, case.outcome_note, case.closed_at, case.answered_at = "", "", None, None
    case.answered_by = None
    case.finish_due = now + timedelta(days=case.category.finish_days)
    case.save(update_fields=["reopened_count", "status", "rating", "rating_comment", "rated_at",
                             "solved_by_reporter", "outcome", "outcome_note", "closed_at", "answered_at",
                             "answered_by", "finish_due", "updated_at"])
    record_event(case, CaseEvent.Kind.REOPENED, actor=actor, note=reason, notify=handlers(case),
                 notice_kind="case_reopened", notice=str(_("反映人不满意，诉求已重新办理")))


@transaction.atomic
def me_too(*, actor, case_id: int) -> Case:
    case = _locked(case_id)
    rules.check(actor, "me-too", case)
    try:
        with transaction.atomic():
            CaseSupporter.objects.create(case=case, user=actor)
    except IntegrityError:
        raise Conflict(_("您已经附议过"), code="already_supported") from None
    record_event(case, CaseEvent.Kind.ME_TOO, actor=actor)
    return case


@transaction.atomic
def merge_case(*, actor, case_id: int, into_id: int, note: str = "") -> Case:
    """Merge a duplicate into the original; its reporter follows the original's outcome."""
    if case_id == into_id:
        raise Invalid(_("不能合并到自身"), code="merge_self", field="into_id")
    locked = {c.pk: c for c in Case.objects.select_for_update().filter(pk__in=sorted([case_id, into_id]))
              .order_by("pk")}
    case, original = locked.get(case_id), locked.get(into_id)
    if case is None or original is None:
        raise NotFound(_("诉求不存在"), code="not_found")
    rules.check(actor, "merge", case)
    rules.check(actor, "merge", original)
    if original.merged_into_id:
        raise Conflict(_("目标诉求已被合并"), code="merged_target")
    note = _clean_text(note, field="note", required=False)
    # Whoever reported or supported the duplicate may follow the original (and sees it).
    followers = {u for u in CaseSupporter.objects.filter(case=case).values_list("user_id", flat=True)}
    if case.reporter_id:
        followers.add(case.reporter_id)
    followers -= {original.reporter_id}
    followers -= set(CaseSupporter.objects.filter(case=original).values_list("user_id", flat=True))
    CaseSupporter.objects.bulk_create([CaseSupporter(case=original, user_id=u) for u in sorted(followers)])
    case.status, case.merged_into = Case.Status.MERGED, original
    case.closed_at = timezone.now()
    case.save(update_fields=["status", "merged_into", "closed_at", "updated_at"])
    record_event(case, CaseEvent.Kind.MERGED, actor=actor, note=note, into=original.pk,
                 notify=[case.reporter] if case.reporter_id else [], notice_kind="case_merged",
                 notice=str(_("您的诉求已与%(n)s合并办理") % {"n": original.number}))
    record_event(original, CaseEvent.Kind.MERGED, actor=actor, note=note, merged=case.pk)
    return case


def case_from_decision(*, actor, text: str, place_id: int, agenda_item_id: int, meeting_title: str,
                       url: str) -> Case:
    """A meeting's approved decision becomes a work order (deliberation asks through its
    `deliberation.decision_to_case` event, cases.subscribers): staff enter it for the residents
    (channel "meeting"), so it is routed, deadlined and told to its handlers as any case; its
    timeline links back to the minutes."""
    case = submit_case(actor=actor, text=text, channel=Case.Channel.MEETING, place_id=place_id, on_behalf=True)
    record_event(case, CaseEvent.Kind.DECISION, actor=actor,
                 note=str(_("由会议决定生成：%(meeting)s") % {"meeting": meeting_title}),
                 agenda_item=int(agenda_item_id), url=url)
    return case


MAX_PHOTOS = 6


@transaction.atomic
def attach_photos(*, actor, case_id: int, images: list[bytes], event_id: int | None = None) -> list:
    """Photos of the problem (by the reporter or staff) or of the result (by the handler,
    attached to the answer event)."""
    from . import photos

    case = _locked(case_id)
    rules.check(actor, "photos", case)
    if not images:
        raise Invalid(_("请选择图片"), code="photo_required", field="photos")
    if case.photos.count() + len(images) > MAX_PHOTOS * 2:
        raise Invalid(_("每件诉求最多上传12张图片"), code="too_many_photos", field="photos")
    if len(images) > MAX_PHOTOS:
        raise Invalid(_("一次最多上传6张图片"), code="too_many_photos", field="photos")
    event = case.events.filter(pk=event_id).first() if event_id else None
    if event_id and event is None:
        raise Invalid(_("办理记录不存在"), code="not_found", field="event_id")
    # Clean every image before storing any, so a bad one leaves nothing behind.
    cleaned = []
    for i, data in enumerate(images):
        try:
            cleaned.append(photos.clean_image(data))
        except Invalid as exc:
            raise Invalid(exc.message, code=exc.code, field=f"photos.{i}") from None
    return [photos.store(case, c, event=event) for c in cleaned]


# ---------------------------------------------------------------- deadlines (linli.cases.sweeps)
# Called by the deadline sweep, not by people; kept apart from the handlers' verbs above.
# Each locks the case (SKIP LOCKED) and checks its condition again under the lock, so a
# second or concurrent sweep changes nothing and gets None.


def _locked_or_skip(case_id: int) -> Case | None:
    return Case.objects.select_for_update(skip_locked=True).filter(pk=case_id).first()


@transaction.atomic
def escalate_overdue(*, case_id: int, now=None) -> Case | None:
    """A case not accepted by its acceptance deadline goes up one level, with an OVERDUE
    event; its previous handlers and the level above (its new handlers) are told. At the top
    of the ladder (the street, a department) raises Conflict(code="top_of_ladder"): the sweep
    raises a red card instead."""
    now = now or timezone.now()
    case = _locked_or_skip(case_id)
    if case is None or case.status != Case.Status.SUBMITTED or case.accept_due > now:
        return None
    case = _move_up(case, actor=None, reason=str(_("超过受理时限未受理，自动上报")), kind=CaseEvent.Kind.OVERDUE)
    # The new acceptance clock starts at the sweep's `now` (the same as the clock, unless a
    # caller passes another time): a later sweep at that `now` must not find it overdue again.
    accept_due = now + timedelta(hours=case.category.accept_hours)
    if case.accept_due != accept_due:
        case.accept_due = accept_due
        case.save(update_fields=["accept_due", "updated_at"])
    return case


# Cards: 0 none, 1 yellow (near the limit), 2 red (past it); they never go back down.
NO_CARD, YELLOW, RED = 0, 1, 2


def card_due(case: Case, now) -> int:
    """The card the case's handling deadline calls for at `now` (the one "due soon" rule,
    `rules.due_state`): red once `finish_due` has passed, yellow once it is near."""
    state = rules.due_state(case.finish_due, timedelta(days=case.category.finish_days), now)
    return {"overdue": RED, "soon": YELLOW}.get(state, NO_CARD)


@transaction.atomic
def raise_card(*, case_id: int, card: int, stage: str) -> Case | None:
    """督办: raise the case's card to `card` (yellow near the limit, red past it) with a CARD
    event; the handlers hear of it, and of a red card the level above too. A card never goes
    back down: a case already at or above `card` is left alone (None)."""
    case = _locked_or_skip(case_id)
    if case is None or case.card >= card or case.status not in Case.OPEN:
        return None
    case.card = card
    case.save(update_fields=["card", "updated_at"])
    if card == RED:
        note = (_("超过受理时限，已是最高办理层级，红牌督办") if stage == "accept"
                else _("超过办结时限，红牌督办"))
        # The level above supervises a red card; the handlers hear of it too.
        told, kind, text, sms = (handlers(case) + supervisors(case), "case_card_red",
                                 _("红牌督办：诉求已超期，请尽快办理"), True)
    else:
        note = _("临近办结时限，黄牌督办")
        told, kind, text, sms = handlers(case), "case_card_yellow", _("黄牌督办：诉求临近办结时限"), False
    record_event(case, CaseEvent.Kind.CARD, actor=None, note=str(note), card=card, stage=stage,
                 due=(case.accept_due if stage == "accept" else case.finish_due).isoformat(),
                 notify=told, notice_kind=kind, notice=str(text), sms=sms)
    return case


@transaction.atomic
def send_follow_up(*, case_id: int, now, after: timedelta) -> Case | None:
    """回访: ask a reporter who did not rate a case closed `after` ago "was it solved?" (one
    notice, in-app and SMS, and a FOLLOW_UP event), once per case (`follow_up_sent_at`)."""
    case = _locked_or_skip(case_id)
    if (case is None or case.status != Case.Status.CLOSED or case.rating or case.follow_up_sent_at is not None
            or case.reporter_id is None or case.closed_at is None or case.closed_at > now - after):
        return None
    case.follow_up_sent_at = now
    case.save(update_fields=["follow_up_sent_at", "updated_at"])
    question = str(_("您反映的问题解决了吗？"))
    record_event(case, CaseEvent.Kind.FOLLOW_UP, actor=None, note=question, channel="notice",
                 notify=[case.reporter], notice_kind="case_follow_up", notice=question, sms=True)
    return case
