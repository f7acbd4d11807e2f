"""The one place that decides who may do what where.

A role is held at a place and grants its verbs (linli.accounts.roles.ROLE_VERBS) on that
place's subtree; department staff reach their organisation's jurisdiction. `allowed` and
`require` answer for one object, `scoped` filters any list query. Every model that can be
scoped names its path field in `scope_path_field` (e.g. "path" or "place__path")."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from linli.core import compiled
from linli.core.errors import Forbidden, NotFound
from linli.core.paths import collapse

from .roles import ROLE_VERBS

_CACHE_ATTR = "_linli_scope_reach"


class Reach:
    """What one user's active roles reach, read in one statement: the path prefixes per
    verb, the organisations they work for, and the role assignments themselves (with their
    place and organisation, for the top bar). Kept on the user object, which lives as long
    as the request (request.user), so every `scoped`, `allowed` and `extra_scope_q` call of
    a request, and the page's "who am I", share one read."""

    __slots__ = ("by_verb", "organisations", "assignments")

    def __init__(self, by_verb: dict[str, list[str]], organisations: list[int], assignments: list):
        self.by_verb, self.organisations, self.assignments = by_verb, organisations, assignments


def reach(user) -> Reach:
    """The user's reach, read once per user object: one query joins each active role to its
    place, or to its organisation and that organisation's jurisdiction paths (one row per
    jurisdiction place)."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    by_verb: dict[str, list[str]] = {}
    assignments: dict[int, object] = {}
    for ra in _REACH.run(user_id=user.pk):
        assignments.setdefault(ra.pk, ra)
        path = ra.place.path if ra.place_id is not None else ra.jurisdiction_path
        if path is None:  # an organisation with no jurisdiction yet reaches no place
            continue
        for verb in ROLE_VERBS.get(ra.role, ()):
            by_verb.setdefault(str(verb), []).append(path)
    # Shallowest place first, organisation roles last, then in the order they were given.
    ordered = sorted(assignments.values(),
                     key=lambda ra: (ra.place is None, ra.place.depth if ra.place is not None else 0, ra.pk))
    result = Reach({verb: collapse(paths) for verb, paths in by_verb.items()},
                   sorted({ra.organisation_id for ra in ordered if ra.organisation_id is not None}), ordered)
    setattr(user, _CACHE_ATTR, result)
    return result


def _reach_rows(user_id):
    from django.db.models import F

    from .models import RoleAssignment

    return (RoleAssignment.objects.filter(user_id=user_id, is_active=True)
            .select_related("place", "organisation").defer("place__boundary")
            .annotate(jurisdiction_path=F("organisation__jurisdiction__path")))


# Every request reads it: built once per process (linli.core.compiled), run with the user's id.
_REACH = compiled.Rows("accounts.reach", _reach_rows, user_id=compiled.Int)


def _prefixes_by_verb(user) -> dict[str, list[str]]:
    return reach(user).by_verb


def organisations(user) -> list[int]:
    """Ids of the organisations the user actively works for (read with the role places)."""
    if user is None or not user.is_authenticated:
        return []
    return reach(user).organisations


def forget(user) -> None:
    """Drop the cached reach after the user's roles change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def prefixes(user, verb: str) -> list[str] | None:
    """Path prefixes where `user` may do `verb`; None means everywhere (superuser)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    return _prefixes_by_verb(user).get(str(verb), [])


def path_of(obj) -> str:
    field = getattr(type(obj), "scope_path_field", None)
    if field is None:
        raise TypeError(f"{type(obj).__name__} has no scope_path_field")
    value = obj
    for part in field.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return ""
    return value


def allowed(user, verb: str, obj) -> bool:
    allowed_prefixes = prefixes(user, verb)
    if allowed_prefixes is None:
        return True
    path = obj if isinstance(obj, str) else path_of(obj)
    if path and any(path.startswith(p) for p in allowed_prefixes):
        return True
    return _allowed_by_relation(user, verb, obj)


def _allowed_by_relation(user, verb: str, obj) -> bool:
    """Some models grant access by relation as well as by place (a reporter sees their own
    case): they say how in `extra_scope_q(user, verb)`."""
    extra = getattr(type(obj), "extra_scope_q", None)
    if extra is None or isinstance(obj, str) or user is None or not user.is_authenticated:
        return False
    q = extra(user, verb)
    return q is not None and type(obj).objects.filter(q, pk=obj.pk).exists()


def require(user, verb: str, obj) -> None:
    """Raise unless `user` may do `verb` on `obj`. Objects the user may not even see are
    reported as not found, so scope does not leak what exists outside it."""
    if allowed(user, verb, obj):
        return
    view_verb = str(verb).split(".")[0] + ".view"
    if view_verb != str(verb) and allowed(user, view_verb, obj):
        raise Forbidden(_("您没有权限执行此操作"), code="forbidden")
    raise NotFound(_("未找到该记录，或不在您的管辖范围内"), code="not_found")


def scope_q(user, verb: str, field: str) -> Q | None:
    """The filter for `field` (a path) under the user's prefixes; None means no filter."""
    allowed_prefixes = prefixes(user, verb)
    if allowed_prefixes is None:
        return None
    if not allowed_prefixes:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{field}__startswith": p}) for p in allowed_prefixes))


def _narrowed(allowed_prefixes: list[str], under: str) -> list[str]:
    """The user's reach within the subtree `under`: [under] if a role covers all of it, else
    the role places inside it. One LIKE instead of two keeps the planner's estimates right."""
    if any(under.startswith(p) for p in allowed_prefixes):
        return [under]
    return [p for p in allowed_prefixes if p.startswith(under)]


def covers(user, verb: str, under: str) -> bool:
    """Whether the user's roles grant `verb` on the whole subtree `under` (a role held at
    `under` or above it; a superuser everywhere). Then `scoped(user, qs, verb, under=under)`
    is exactly `within(qs, under)`, the same for every such user, so a caller may run that
    statement compiled once per process (linli.core.compiled) instead of building it."""
    allowed_prefixes = prefixes(user, verb)
    return allowed_prefixes is None or any(under.startswith(p) for p in allowed_prefixes)


def within(qs: QuerySet, under: str) -> QuerySet:
    """The rows of `qs` in the subtree `under`: the one filter `scoped` gives a user whose
    roles cover `under`. Only for callers that asked `covers` first."""
    field = getattr(qs.model, "scope_path_field", None)
    if field is None:
        raise TypeError(f"{qs.model.__name__} has no scope_path_field")
    return qs.filter(**{f"{field}__startswith": under})


def scoped(user, qs: QuerySet, verb: str, *, under: str | None = None, relations: bool = True) -> QuerySet:
    """Every list query goes through here. `under` (a place path) restricts the list to that
    subtree as well, folded into the same predicate. `relations=False` leaves out the rows a
    model grants by relation (`extra_scope_q`: a reporter's own case, public cases): the
    rows of the places where the user holds a role, and only those."""
    field = getattr(qs.model, "scope_path_field", None)
    if field is None:
        raise TypeError(f"{qs.model.__name__} has no scope_path_field")
    if not relations:
        allowed_prefixes = prefixes(user, verb)
        if allowed_prefixes is None:
            return qs if under is None else within(qs, under)
        reach = allowed_prefixes if under is None else _narrowed(allowed_prefixes, under)
        if not reach:
            return qs.none()
        return qs.filter(reduce(or_, (Q(**{f"{field}__startswith": p}) for p in reach)))
    if under is not None:
        allowed_prefixes = prefixes(user, verb)
        reach = [under] if allowed_prefixes is None else _narrowed(allowed_prefixes, under)
        if reach == [under]:
            # A role reaches the whole subtree: relation-based rows (extra_scope_q) lie inside
            # it anyway, and one LIKE keeps the plan an index range scan with the right estimate.
            return within(qs, under)
        q = reduce(or_, (Q(**{f"{field}__startswith": p}) for p in reach)) if reach else Q(pk__in=[])
        extra = getattr(qs.model, "extra_scope_q", None)
        extra_q = extra(user, verb) if extra is not None and user is not None and user.is_authenticated else None
        if extra_q is not None:
            q |= extra_q & Q(**{f"{field}__startswith": under})
        return qs.filter(q)
    q = scope_q(user, verb, field)
    if q is None:
        return qs
    extra = getattr(qs.model, "extra_scope_q", None)
    extra_q = extra(user, verb) if extra is not None and user is not None and user.is_authenticated else None
    return qs.filter(q | extra_q if extra_q is not None else q)


def get_scoped(user, qs: QuerySet, verb: str, **lookup):
    """One object by lookup, or NotFound if it does not exist or lies outside scope."""
    obj = qs.filter(**lookup).first()
    if obj is None:
        raise NotFound(_("未找到该记录，或不在您的管辖范围内"), code="not_found")
    require(user, verb, obj)
    return obj
