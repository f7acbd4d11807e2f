"""Who may do what to a round in which status: the declarative rules (awards/rules.py) held to
a table written out by hand, role × status × method, for every verb the round page offers."""

import pytest
from django.utils import timezone

from linli.awards import rules
from linli.awards.models import AwardRound

pytestmark = pytest.mark.django_db

# Roles of the cast: those holding points.manage in the community run its awards.
ROLES = ["community_worker", "community_secretary", "street_official", "grid_worker", "grid_head",
         "building_head", "volunteer", "resident", "department_staff"]
MANAGERS = {"community_worker", "community_secretary", "street_official"}
STATUSES = ["draft", "nominating", "deciding", "published"]
# What a manager may do to a round in each status: (method, decided yet?) → status → verbs.
MANAGER_TABLE = {
    ("vote", False): {
        "draft": {"draw", "choose_method"},
        "nominating": {"nominate", "withdraw", "choose_method", "start_vote"},
        "deciding": set(),
        "published": set(),
    },
    ("committee", False): {
        "draft": {"draw", "choose_method"},
        "nominating": {"nominate", "withdraw", "choose_method", "decide"},
        "deciding": set(),
        "published": set(),
    },
    ("vote", True): {
        "draft": {"draw", "choose_method"},
        "nominating": {"nominate", "withdraw", "choose_method", "start_vote"},
        "deciding": {"publish"},
        "published": set(),
    },
}


@pytest.fixture
def people(city):
    return {role: city.person(role) for role in ROLES}


@pytest.mark.parametrize("method,decided", sorted(MANAGER_TABLE))
@pytest.mark.parametrize("status", STATUSES)
def test_role_by_status_table(city, people, status, method, decided):
    rnd = AwardRound.objects.create(community=city.community, path=city.community.path, kind="neighbour_star",
                                    year=2026, seats=3, method=method, status=status,
                                    decided_at=timezone.now() if decided else None)
    for role in ROLES:
        expected = MANAGER_TABLE[(method, decided)][status] if role in MANAGERS else set()
        assert rules.abilities(people[role], rnd) == expected, (role, status, method, decided)


def test_a_round_of_another_community_is_not_found_for_its_neighbours_staff(city, people):
    from linli.places import services as places
    from linli.core.actors import SYSTEM

    other = places.create_place(actor=SYSTEM, parent_id=city.street.pk, kind_code="community", name="上坝路社区")
    rnd = AwardRound.objects.create(community=other, path=other.path, kind="neighbour_star", year=2026, seats=3)
    error = rules.reason(people["community_worker"], "draw", rnd)
    assert error is not None and error.code == "not_found"
    assert rules.can(people["street_official"], "draw", rnd)  # the street runs both
