"""May this person do this to this case now? One predicate per verb.

Each verb's precondition (role + status + relation) is written once here, as a list of checks
that returns the first failure as the DomainError the service raises. The service calls
`check(actor, verb, case)` under its row lock; the case page and the API ask `can(...)` (and
`reason(...)` for the why), so a button is shown exactly when its action would succeed.

Also here, because every reader needs the same answer: who handles a case at its level
(`is_handler`, `handlers`), who verifies an answered case (`verifiers_for`), when a deadline
is near (`due_state`, the one "due soon" rule the page and the deadline sweep share).

This module reads; it never changes a case (and never imports `services`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from linli.accounts.models import RoleAssignment, User
from linli.accounts.roles import ROLE_VERBS, Role, Verb
from linli.accounts import scope
from linli.accounts.scope import allowed, require
from linli.core.errors import Conflict, DomainError, Forbidden, NotFound
from linli.core.paths import ancestors_paths

from .models import LADDER, Case, CaseSupporter, CaseTask, Level

S = Case.Status
EARLY = (S.SUBMITTED, S.ACCEPTED, S.INFO_REQUESTED)

# Roles that act for each level of the ladder, at the handler place.
HANDLER_ROLES = {
    Level.BUILDING: (Role.BUILDING_HEAD,),
    Level.GRID: (Role.GRID_WORKER, Role.GRID_HEAD),
    Level.COMMUNITY: (Role.COMMUNITY_WORKER, Role.COMMUNITY_SECRETARY),
    Level.STREET: (Role.STREET_OFFICIAL,),
    Level.DEPARTMENT: (Role.DEPARTMENT_STAFF,),
}
ALL_HANDLER_ROLES = frozenset(r for roles in HANDLER_ROLES.values() for r in roles)
# Roles whose holders verify answers (核查) at their place.
VERIFIER_ROLES = tuple(r for r, verbs in ROLE_VERBS.items() if Verb.CASE_VERIFY in verbs)


# ---------------------------------------------------------------- who handles, who verifies


def organisation_ids(user) -> set[int]:
    """The organisations the user works for, from the scope read (once per request)."""
    if user is None or not getattr(user, "pk", None) or not getattr(user, "is_authenticated", False):
        return set()
    return set(scope.organisations(user))


def is_handler(user, case: Case) -> bool:
    """The one answer to "does `user` handle this case at its level": the handlers at the
    case's place, or anyone above them holding the handle verb; for a department, its staff
    (and anyone who may dispatch the case)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if case.level == Level.DEPARTMENT:
        return (user.is_superuser or case.handler_organisation_id in organisation_ids(user)
                or allowed(user, Verb.CASE_DISPATCH, case))
    return case.handler_place_id is not None and allowed(user, Verb.CASE_HANDLE, case.handler_place)


def handlers(case: Case) -> list[User]:
    """The people who act on the case at its current level (they are told of its news)."""
    roles = HANDLER_ROLES[case.level]
    if case.level == Level.DEPARTMENT:
        qs = RoleAssignment.objects.filter(role__in=roles, organisation=case.handler_organisation, is_active=True)
    else:
        qs = RoleAssignment.objects.filter(role__in=roles, place=case.handler_place, is_active=True)
    return [ra.user for ra in qs.select_related("user")]


def _verify_chain(case: Case) -> list[str]:
    """The place paths where verifiers of `case` may sit, nearest first: the handler place
    (or, for a department, the case's own place), then each place above it. Building heads
    do not verify, so a building's answer is checked from the grid up."""
    base = case.handler_place.path if case.handler_place_id else case.path
    return [base, *reversed(ancestors_paths(base))]


def verifiers_for(cases: Iterable[Case]) -> dict[int, set[int]]:
    """For each answered case, the ids of the people who should verify it (核查): the holders
    of a verifying role at the nearest place on the case's chain (colleagues at its level;
    the level above when none) other than the one who answered. Empty when nobody else
    exists. One query for all the cases."""
    cases = list(cases)
    chains = {c.pk: _verify_chain(c) for c in cases}
    paths = {p for chain in chains.values() for p in chain}
    holders: dict[str, set[int]] = {}
    if paths:
        for path, user_id in RoleAssignment.objects.filter(
                is_active=True, role__in=VERIFIER_ROLES, place__path__in=paths).values_list("place__path", "user_id"):
            holders.setdefault(path, set()).add(user_id)
    result = {}
    for c in cases:
        found: set[int] = set()
        for path in chains[c.pk]:
            found = holders.get(path, set()) - {c.answered_by_id}
            if found:
                break
        result[c.pk] = found
    return result


def verifiers(case: Case) -> set[int]:
    return verifiers_for([case])[case.pk]


def self_verification_allowed(case: Case) -> bool:
    """The one who answered may verify their own answer only when nobody else can: no
    reporter's account to confirm and no other verifier at the case's level or above."""
    return case.reporter_id is None and not verifiers(case)


def is_reporter(user, case: Case) -> bool:
    return case.reporter_id is not None and case.reporter_id == getattr(user, "pk", None)


# ---------------------------------------------------------------- due soon


def yellow_card_at() -> float:
    """The share of the allowed time after which a deadline is near (0.8: 80 % used). The
    deadline sweep raises a yellow card then; pages mark the case "soon"."""
    return float(getattr(settings, "LINLI_YELLOW_CARD_AT", 0.8))


def due_state(at: dt.datetime, allowed_time: dt.timedelta, now: dt.datetime) -> str:
    """"overdue" once `at` has passed, "soon" once the share `yellow_card_at()` of the
    allowed time is used, else ""."""
    if now >= at:
        return "overdue"
    if now >= at - allowed_time * (1 - yellow_card_at()):
        return "soon"
    return ""


def deadline(case: Case, now: dt.datetime) -> dict:
    """The deadline that matters now (acceptance before acceptance, then finishing) and its state."""
    if not case.is_open:
        return {"label": _("办结期限"), "at": case.finish_due, "state": ""}
    if case.status == S.SUBMITTED:
        return {"label": _("受理期限"), "at": case.accept_due,
                "state": due_state(case.accept_due, dt.timedelta(hours=case.category.accept_hours), now)}
    return {"label": _("办结期限"), "at": case.finish_due,
            "state": due_state(case.finish_due, dt.timedelta(days=case.category.finish_days), now)}


# ---------------------------------------------------------------- the checks


def _wrong_status(case: Case) -> Conflict:
    return Conflict(_("此诉求当前状态（%(status)s）不能执行该操作") % {"status": case.get_status_display()},
                    code="wrong_status")


def _status(*statuses) -> Callable:
    def check(actor, case, **_kw):
        if case.status not in (statuses or Case.OPEN):
            return _wrong_status(case)
    return check


def _handler(actor, case, **_kw):
    if case.level == Level.DEPARTMENT:
        return None if is_handler(actor, case) else _required(actor, Verb.CASE_DISPATCH, case)
    # The case itself in the actor's scope first: a handler place is where the work sits,
    # not a permit. A case whose place moved away is out of the old handlers' reach even if a
    # stale handler place still names them, and they learn nothing of it (not found), before
    # anything is written.
    failure = _view(actor, case)
    if failure is not None or is_handler(actor, case):
        return failure
    return Forbidden(_("此诉求不由您办理"), code="not_handler")


def _required(actor, verb, case) -> DomainError | None:
    try:
        require(actor, verb, case)
    except DomainError as exc:
        return exc
    return None


def _verb(verb) -> Callable:
    return lambda actor, case, **_kw: _required(actor, verb, case)


def _reporter_or(verb) -> Callable:
    def check(actor, case, **_kw):
        return None if is_reporter(actor, case) else _required(actor, verb, case)
    return check


def _reporter(actor, case, **_kw):
    if not is_reporter(actor, case):
        return Forbidden(_("只有反映人可以评价"), code="not_reporter")


def _not_rated(actor, case, **_kw):
    if case.rating:
        return Conflict(_("已评价过"), code="already_rated")


def _no_open_tasks(actor, case, **_kw):
    if case.tasks.filter(status=CaseTask.Status.OPEN).exists():
        return Conflict(_("还有协办任务未完成"), code="tasks_open")


def _below_top(actor, case, **_kw):
    if case.level in (Level.STREET, Level.DEPARTMENT):
        return Conflict(_("已是最高办理层级，请转交职能部门"), code="top_of_ladder")


def _not_own_answer(actor, case, **_kw):
    """Handling and checking are separate steps (GB/T 30428): the one who answered does not
    verify the answer where the reporter or another verifier can."""
    if (not is_reporter(actor, case) and case.answered_by_id is not None
            and case.answered_by_id == getattr(actor, "pk", None) and not self_verification_allowed(case)):
        return Forbidden(_("答复人不能核查自己的答复，请由反映人确认或其他工作人员核查"), code="own_answer")


def _my_open_task(actor, case, *, task=None, **_kw):
    orgs = organisation_ids(actor)
    if task is not None:
        if not (actor.is_superuser or task.organisation_id in orgs):
            return Forbidden(_("此任务不由您办理"), code="not_handler")
        if task.status == CaseTask.Status.DONE:
            return Conflict(_("该任务已完成"), code="task_done")
        return None
    if not my_open_tasks(actor, case):
        if not allowed(actor, Verb.CASE_VIEW, case):
            return NotFound(_("未找到该记录，或不在您的管辖范围内"), code="not_found")
        return Forbidden(_("此任务不由您办理"), code="not_handler")


def my_open_tasks(actor, case: Case, tasks=None) -> list[CaseTask]:
    tasks = list(case.tasks.all()) if tasks is None else tasks
    orgs = organisation_ids(actor) if tasks else set()
    return [t for t in tasks if t.status == CaseTask.Status.OPEN and (t.organisation_id in orgs or actor.is_superuser)]


def _view(actor, case, **_kw):
    return _required(actor, Verb.CASE_VIEW, case)


def _not_own_case(actor, case, **_kw):
    if is_reporter(actor, case):
        return Conflict(_("这是您自己提交的诉求"), code="own_case")


def _not_staff(actor, case, **_kw):
    # 我也遇到了 is for neighbours, not for the staff who handle the case.
    if allowed(actor, Verb.CASE_HANDLE, case):
        return Forbidden(_("工作人员不能附议"), code="staff_me_too")


def _not_supported(actor, case, **_kw):
    if CaseSupporter.objects.filter(case_id=case.pk, user_id=actor.pk).exists():
        return Conflict(_("您已经附议过"), code="already_supported")


def _reporter_or_handler_when_asked(actor, case, **_kw):
    """The reporter adds information to an open case; staff add it for a contact without an
    account when the case waits for it."""
    if is_reporter(actor, case):
        return None
    failure = _required(actor, Verb.CASE_HANDLE, case)
    if failure is None and case.status != S.INFO_REQUESTED:
        return _wrong_status(case)
    return failure


# One row per verb: the checks in the order the service applies them (the first failure is
# the error raised). Text validation (a reason too short, an unknown outcome) stays in the
# service: it is about what was typed, not about whether the button is offered.
RULES: dict[str, tuple[Callable, ...]] = {
    "accept": (_handler, _status(S.SUBMITTED, S.INFO_REQUESTED)),
    "classify": (_handler, _status(*EARLY)),
    "request-info": (_handler, _status(S.SUBMITTED, S.ACCEPTED)),
    "add-info": (_reporter_or_handler_when_asked, _status()),
    "escalate": (_handler, _status(*EARLY), _below_top),
    "refer": (_verb(Verb.CASE_DISPATCH), _status(*EARLY)),
    "cohandle": (_verb(Verb.CASE_DISPATCH), _status(*EARLY)),
    "task": (_my_open_task, _status()),
    "note": (_verb(Verb.CASE_HANDLE),),
    "contact": (_handler, _status()),
    "answer": (_handler, _status(S.ACCEPTED), _no_open_tasks),
    "close": (_reporter_or(Verb.CASE_VERIFY), _status(S.ANSWERED), _not_own_answer),
    "rate": (_reporter, _status(S.CLOSED), _not_rated),
    "return-visit": (_verb(Verb.CASE_VERIFY), _status(S.CLOSED), _not_rated),
    "merge": (_verb(Verb.CASE_DISPATCH), _status()),
    "me-too": (_view, _status(), _not_own_case, _not_staff, _not_supported),
    "photos": (_reporter_or(Verb.CASE_HANDLE),),
}
VERBS = tuple(RULES)


def reason(actor, verb: str, case: Case, **context) -> DomainError | None:
    """Why `actor` may not do `verb` to `case` now (the error the service raises), or None."""
    for rule in RULES[verb]:
        failure = rule(actor, case, **context)
        if failure is not None:
            return failure
    return None


def can(actor, verb: str, case: Case, **context) -> bool:
    return reason(actor, verb, case, **context) is None


def check(actor, verb: str, case: Case, **context) -> None:
    """Raise the first failure of `verb`'s rule (services call this under the row lock)."""
    failure = reason(actor, verb, case, **context)
    if failure is not None:
        raise failure


def abilities(actor, case: Case) -> dict[str, bool]:
    """Every verb's answer for the case page and the API (`can` for each)."""
    return {verb: can(actor, verb, case) for verb in VERBS}


LADDER_ABOVE = {lvl: LADDER[i + 1] for i, lvl in enumerate(LADDER[:-1])}


def person(actor):
    """The user to store for `actor` (None for the system actor)."""
    return actor if getattr(actor, "pk", None) is not None else None
