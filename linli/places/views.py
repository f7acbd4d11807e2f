"""Pages for the place tree, households, residents and the public contact card. Views parse,
call a selector or service (which scope through linli.accounts.scope) and render."""

from __future__ import annotations

import datetime as dt

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from linli.accounts.roles import Verb
from linli.accounts.scope import allowed, get_scoped, scoped
from linli.accounts.views import error_page, render_page
from linli.core.errors import DomainError, NotFound
from linli.core.paths import ancestors_paths

from . import selectors, services
from .models import Dwelling, Household, Ownership, Place, Resident

COMPOUND = "compound"
DWELLING = "dwelling"


def _tag_badges(tag_counts: dict, tags) -> list[tuple[str, int]]:
    """(label, count) of the care tags present, in the tags' own order."""
    return [(t.label, tag_counts[t.code]) for t in tags if tag_counts.get(t.code)]


def _rows(places_with_counts, tags) -> list[dict]:
    return [{"place": p, "households": n["households"], "residents": n["residents"],
             "tags": _tag_badges(n["tags"], tags)} for p, n in places_with_counts]


def _compound_of(place: Place, crumbs: list[Place]) -> Place | None:
    """The compound the place is (or lies in), for the link to its contact card."""
    for p in [place, *reversed(crumbs)]:
        if p.kind.code == COMPOUND:
            return p
    return None


def _crumb_links(user, crumbs: list[Place]) -> list[dict]:
    """Names above are shown; only those the user may open are links."""
    return [{"place": p, "link": allowed(user, Verb.PLACE_VIEW, p)} for p in crumbs]


def _age(birth: dt.date | None) -> int | None:
    if birth is None:
        return None
    today = dt.date.today()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


# ---------------------------------------------------------------- the tree


def place_rows(user, places: list[Place]) -> list[dict]:
    """Rows (place, households, residents, care-tag badges) for a list of places, as the
    home page shows the user's own places."""
    counts = selectors.counts_under(user, places)
    return _rows([(p, counts[p.pk]) for p in places], selectors.active_care_tags())


@login_required
def place_detail(request, place_id: int):
    try:
        place = get_scoped(request.user, Place.objects.select_related("kind"), Verb.PLACE_VIEW, pk=place_id)
    except DomainError as exc:
        return error_page(request, exc)
    tags = selectors.active_care_tags()
    crumbs = selectors.breadcrumbs(place)
    prefetch_related_objects(crumbs, "kind")
    own = selectors.counts_under(request.user, [place])[place.pk]
    children = _rows(selectors.children_with_counts(request.user, place), tags)
    households = []
    if place.kind.code == DWELLING:
        households = list(scoped(request.user, Household.objects.filter(dwelling=place), Verb.HOUSEHOLD_VIEW)
                          .select_related("head").order_by("id"))
    return render_page(request, "places/place.html", {
        "place": place, "crumbs": _crumb_links(request.user, crumbs), "own": own, "own_tags": _tag_badges(own["tags"], tags),
        "children": children, "households": households, "is_dwelling": place.kind.code == DWELLING,
        "compound": _compound_of(place, crumbs),
    })


# ---------------------------------------------------------------- households and residents


@login_required
def household_detail(request, household_id: int):
    try:
        household = get_scoped(request.user, Household.objects.select_related("dwelling__kind", "head"),
                               Verb.HOUSEHOLD_VIEW, pk=household_id)
    except DomainError as exc:
        return error_page(request, exc)
    dwelling_place = household.dwelling
    facts = Dwelling.objects.filter(place=dwelling_place).first()
    owners = list(Ownership.objects.filter(dwelling_id=dwelling_place.pk).select_related("owner").order_by("id"))
    members = [{"resident": r, "age": _age(r.birth_date), "tags": [t.label for t in r.care_tags.all()]}
               for r in selectors.household_members(request.user, household)]
    crumbs = [*selectors.breadcrumbs(dwelling_place), dwelling_place]
    prefetch_related_objects(crumbs, "kind")
    return render_page(request, "places/household.html", {
        "household": household, "dwelling": dwelling_place, "facts": facts, "owners": owners,
        "members": members, "crumbs": _crumb_links(request.user, crumbs), "compound": _compound_of(dwelling_place, crumbs),
    })


def _resident_context(request, resident: Resident) -> dict:
    dwelling_place = resident.household.dwelling if resident.household_id else None
    crumbs = []
    if dwelling_place is not None:
        crumbs = [*selectors.breadcrumbs(dwelling_place), dwelling_place]
    return {"resident": resident, "age": _age(resident.birth_date), "crumbs": _crumb_links(request.user, crumbs),
            "tags": [t.label for t in resident.care_tags.all()],
            "can_unmask": allowed(request.user, Verb.RESIDENT_UNMASK, resident),
            "revealed": None, "reveal_errors": {}, "reason": ""}


def _scoped_resident(request, resident_id: int) -> Resident:
    return get_scoped(request.user, Resident.objects.select_related("household__dwelling")
                      .prefetch_related("care_tags"), Verb.RESIDENT_VIEW, pk=resident_id)


@never_cache
@login_required
def resident_detail(request, resident_id: int):
    try:
        resident = _scoped_resident(request, resident_id)
    except DomainError as exc:
        return error_page(request, exc)
    return render_page(request, "places/resident.html", _resident_context(request, resident))


@never_cache
@login_required
@require_POST
def resident_reveal(request, resident_id: int):
    """The audited "show full information": htmx swaps the answer into the page; without
    JavaScript the whole page comes back."""
    is_htmx = request.headers.get("HX-Request") == "true"
    reason = request.POST.get("reason", "")
    try:
        resident = _scoped_resident(request, resident_id)
    except DomainError as exc:
        return error_page(request, exc)
    context = _resident_context(request, resident)
    context["reason"] = reason
    status = 200
    try:
        context["revealed"] = services.reveal_resident_pii(actor=request.user, resident_id=resident.pk,
                                                           reason=reason)
    except DomainError as exc:
        status = exc.status
        for err in exc.as_list():
            context["reveal_errors"].setdefault(err["field"] if err["field"] == "reason" else "general", []).append(err["message"])
    template = "places/_pii.html" if is_htmx else "places/resident.html"
    return render_page(request, template, context, status=status)


# ---------------------------------------------------------------- the contact card (public)


def contact_card(request, compound_id: int):
    compound = Place.objects.select_related("kind").filter(pk=compound_id, kind__code=COMPOUND).first()
    if compound is None:
        return error_page(request, NotFound(_("未找到该小区"), code="not_found"))
    community = (Place.objects.filter(path__in=ancestors_paths(compound.path), kind__code="community")
                 .order_by("-depth").first())
    url = settings.LINLI_PUBLIC_URL.rstrip("/") + reverse("places:card", args=[compound.pk])
    qr = segno.make(url, error="m").svg_inline(scale=4, border=2, omitsize=True, title=url)
    return render_page(request, "places/card.html", {
        "compound": compound, "community": community, "contacts": selectors.contact_card(compound),
        "card_url": url, "qr_svg": mark_safe(qr),  # noqa: S308 - segno's own SVG, the URL is escaped by it
    })
