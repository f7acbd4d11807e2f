"""Issue 10 §1: a masked ID number must not be recoverable from what a role sees. Roles without
the unmask right get the birth year, not the date; the mask keeps the prefix and the check digit
only. The test counts the numbers consistent with what each role sees, the county guessed right."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps

from linli.core import pii
from linli.core.identity import id_check_code
from linli.places.models import Resident
from linli.testing import api_headers

BIRTH = dt.date(1980, 5, 17)  # linli.testing.next_id_number's default
REGION = "511802"


def candidates(mask: str, *, birth: dt.date | None, year: int | None) -> int:
    """Numbers matching the mask, for the region the attacker guessed (the right one)."""
    assert mask[:3] == REGION[:3]
    days = [birth] if birth else [dt.date(year, 1, 1) + dt.timedelta(days=i)
                                  for i in range((dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days)]
    visible = [(i, ch) for i, ch in enumerate(mask) if ch != "*"]
    count = 0
    for day in days:
        for seq in range(1000):
            first17 = f"{REGION}{day:%Y%m%d}{seq:03d}"
            number = first17 + id_check_code(first17)
            if all(number[i] == ch for i, ch in visible):
                count += 1
    return count


def test_the_mask_keeps_the_prefix_and_the_check_digit_only():
    assert pii.mask_id_number("511802198005170013") == "511**************3"
    assert pii.mask_phone("13812345678") == "138****5678"


@pytest.mark.parametrize("role, at, sees_date", [
    ("building_head", "building", False),
    ("party_member_household", "building", False),
    ("department_staff", "street", False),
    ("grid_worker", "grid", True),
])
def test_no_role_can_rebuild_an_id_number_from_the_api(client, city, role, at, sees_date):
    user = city.user_with(role, at=getattr(city, at))
    r = client.get(f"/api/v1/residents/{city.resident.pk}", **api_headers(user))
    if role == "department_staff":
        # departments meet residents only through cases referred to them (test_scope_matrix)
        assert r.status_code == 404
        return
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["birth_year"] == BIRTH.year
    if sees_date:
        assert body["birth_date"] == BIRTH.isoformat()
    else:
        assert body["birth_date"] is None
    n = candidates(body["id_number"], birth=BIRTH if sees_date else None, year=body["birth_year"])
    # even the exact date (roles that may reveal the number through the audited path) leaves
    # dozens of numbers; the year leaves tens of thousands
    assert n >= (50 if sees_date else 10_000), n


def test_household_members_list_gives_no_exact_birth_date_to_a_building_head(client, city):
    user = city.user_with("building_head", at=city.building)
    r = client.get(f"/api/v1/households/{city.household.pk}/members", **api_headers(user))
    assert r.status_code == 200
    assert [m["birth_date"] for m in r.json()] == [None]


def test_pages_show_age_not_the_birth_date(client, city):
    user = city.user_with("building_head", at=city.building)
    client.force_login(user)
    for url in (f"/residents/{city.resident.pk}/", f"/households/{city.household.pk}/"):
        html = client.get(url).content.decode()
        assert "1980-05-17" not in html and "1980年5月17日" not in html and "05-17" not in html
        assert city.resident.id_number_masked in html


def test_masks_stored_with_four_digits_are_shortened_by_the_migration(city):
    Resident.objects.filter(pk=city.resident.pk).update(id_number_masked="511***********0013")
    importlib.import_module("linli.places.migrations.0003_shorter_id_number_mask").shorten(django_apps, None)
    assert Resident.objects.get(pk=city.resident.pk).id_number_masked == "511**************3"
