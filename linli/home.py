"""The home page: each role's own work first. A project-level module (like urls and api), so it
may gather from several apps: the user's requests and to-do (cases), their compound's contact
card and the places they look after (places), their notices (notify, where installed), the
hours to verify and corrections to answer of those who organise activities (activities), and a
resident's meetings and open votes (deliberation), and the published award lists of their
communities (awards). Each to-do is one query whatever its size."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.views.decorators.cache import never_cache

from linli.accounts.models import RoleAssignment
from linli.accounts.roles import Role, Verb
from linli.accounts.scope import prefixes
from linli.accounts.views import render_page
from linli.activities import selectors as activity_selectors
from linli.awards import selectors as award_selectors
from linli.cases import selectors as case_selectors
from linli.core.paths import ancestors_paths
from linli.deliberation import selectors as vote_selectors
from linli.deliberation import selectors_meetings as meeting_selectors
from linli.places import selectors as place_selectors
from linli.places.models import Place
from linli.places.views import place_rows

MINE_ROWS = 3
TODO_ROWS = 5


def _may(user, verb) -> bool:
    return prefixes(user, verb) != []


def _home_compounds(roles) -> list[Place]:
    """The compounds a resident lives in (the compound above each dwelling they hold a role at)."""
    paths = {p for ra in roles if ra.role == Role.RESIDENT and ra.place_id for p in ancestors_paths(ra.place.path)}
    return list(Place.objects.filter(path__in=paths, kind__code="compound").order_by("path"))


@never_cache
@login_required
def home(request):
    user = request.user
    roles = list(RoleAssignment.objects.filter(user=user, is_active=True).select_related("place"))
    staff = user.is_superuser or any(ra.role != Role.RESIDENT for ra in roles)
    mine = list(case_selectors.visible_cases(user).filter(reporter_id=user.pk).order_by("-id")[:MINE_ROWS])
    context = {
        "staff": staff, "mine": mine, "no_roles": not roles and not user.is_superuser,
        "can_patrol": _may(user, Verb.CASE_INTAKE),
        "can_import": _may(user, Verb.PEOPLE_IMPORT),
        "handles": _may(user, Verb.CASE_HANDLE) or _may(user, Verb.CASE_VERIFY) or bool(
            case_selectors.organisation_ids(user)),
    }
    if context["handles"]:
        context["queue_count"] = case_selectors.queue_for(user).count()
    if staff or activity_selectors.leads_a_team(user):
        # Organisers: attendees' hours to verify, per activity, and corrections to answer.
        context["to_verify"] = list(activity_selectors.hours_to_verify(user, limit=TODO_ROWS))
        context["corrections_count"] = activity_selectors.open_corrections(user).count()
    if user.resident_id:
        context["meetings"] = meeting_selectors.invited_meetings(user, limit=TODO_ROWS)
        context["votes"] = vote_selectors.votes_to_cast(user, limit=TODO_ROWS)
    # The 公示 of the year's 睦邻之星 and 十佳楼栋长 where the person lives or works.
    context["honour_lists"] = award_selectors.published_years(
        {p for ra in roles if ra.place_id for p in [*ancestors_paths(ra.place.path), ra.place.path]})
    if staff:
        context["rows"] = place_rows(user, place_selectors.place_roots(user))
    else:
        compounds = _home_compounds(roles)
        prefetch_related_objects(compounds, "kind")
        context["cards"] = [{"compound": c, "contacts": place_selectors.contact_card(c)} for c in compounds]
    return render_page(request, "home.html", context)
