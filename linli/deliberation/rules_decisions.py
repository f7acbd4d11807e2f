"""May this person turn this minuted decision into a vote, a list item or a case now? One row
per outcome (the shape of cases/rules.py): each is a tuple of checks applied in order, the
first failure being the DomainError the service raises. The services call `check` under the
agenda item's row lock; the meeting page shows a button exactly when `can` says yes, and a
table test compares the two.

Who: the meeting's convener or staff who may convene at its place; when: once the minutes are
approved; how often: one of each per agenda item. The target app's own permission is asked
too, through the role table (`accounts.scope`; deliberation does not import lists or cases):
a list item needs `lists.manage` at the place the item will sit, a case `case.intake` at the
meeting's place (staff entering a case for others). What was typed (an empty title, a due date
before today) is the target service's business, not the button's."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from linli.accounts.scope import allowed
from linli.core.errors import Conflict, DomainError, Forbidden, NotFound
from linli.places.models import Place

from .models import AgendaItem

# The levels of the place tree that keep the three lists (lists.services.LIST_PLACE_KINDS; the
# table test asserts the two agree): a decision of a meeting held for a building goes on its
# compound's list.
LIST_PLACE_KINDS = ("compound", "grid", "community", "street")


def list_place(meeting) -> Place | None:
    """The place a decision's list item sits at: the meeting's place, or the nearest place above
    it that keeps lists."""
    place = meeting.place
    if place.kind.code in LIST_PLACE_KINDS:
        return place
    prefixes = [place.path[:n] for n in range(4, len(place.path), 4)]
    return (Place.objects.select_related("kind").filter(path__in=prefixes, kind__code__in=LIST_PLACE_KINDS)
            .order_by("-depth").first())


def _convener_or_staff(actor, item: AgendaItem) -> DomainError | None:
    meeting = item.meeting
    if not getattr(actor, "is_authenticated", False):
        return Forbidden(_("请先登录"), code="unauthenticated")
    if getattr(actor, "pk", None) is not None and actor.pk == meeting.convener_id:
        return None
    if allowed(actor, "deliberation.convene", meeting):
        return None
    if not allowed(actor, "deliberation.view", meeting):
        return NotFound(_("未找到该议程"), code="not_found")
    return Forbidden(_("只有召集人或管辖范围内的工作人员可以执行此操作"), code="not_convener")


def _approved(actor, item: AgendaItem) -> DomainError | None:
    if item.approved_at is None:
        return Conflict(_("纪要确认后才能执行此操作"), code="minutes_not_approved")
    return None


def _none_yet(field: str, message) -> Callable:
    def check(actor, item: AgendaItem) -> DomainError | None:
        if getattr(item, f"{field}_id") is not None:
            return Conflict(message, code=f"already_{field}")
        return None
    return check


def _may(verb: str, where: Callable, message) -> Callable:
    def check(actor, item: AgendaItem) -> DomainError | None:
        place = where(item.meeting)
        if place is None or not allowed(actor, verb, place):
            return Forbidden(message, code="target_forbidden")
        return None
    return check


RULES: dict[str, tuple[Callable, ...]] = {
    "vote": (_convener_or_staff, _approved, _none_yet("vote", _("该议程已发起表决")),
             _may("deliberation.convene", lambda m: m.place, _("您不能在此地点发起表决"))),
    "list_item": (_convener_or_staff, _approved, _none_yet("list_item", _("该决定已列入清单")),
                  _may("lists.manage", list_place, _("您没有登记清单事项的权限"))),
    "case": (_convener_or_staff, _approved, _none_yet("case", _("该决定已生成工单")),
             _may("case.intake", lambda m: m.place, _("您没有代为登记诉求的权限"))),
}
VERBS = tuple(RULES)


def reason(actor, verb: str, item: AgendaItem) -> DomainError | None:
    for rule in RULES[verb]:
        failure = rule(actor, item)
        if failure is not None:
            return failure
    return None


def can(actor, verb: str, item: AgendaItem) -> bool:
    return reason(actor, verb, item) is None


def check(actor, verb: str, item: AgendaItem) -> None:
    failure = reason(actor, verb, item)
    if failure is not None:
        raise failure


def abilities(actor, item: AgendaItem) -> set[str]:
    return {verb for verb in VERBS if can(actor, verb, item)}
