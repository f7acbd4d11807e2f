from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from linli.accounts.models import RoleAssignment, User
from linli.accounts.roles import Role
from linli.core.identity import parse_id_number
from linli.core import pii
from linli.places.models import Place, Resident
from linli.places.selectors import contact_card


@pytest.fixture
def demo(db):
    call_command("load_demo", scale=0.02, stdout=StringIO())


def _counts():
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.app_label in
            ("places", "accounts", "core", "cases")}


def test_seed_places_and_hierarchy(demo):
    town = Place.objects.get(name="城关镇")
    assert town.parent.name == "宕昌县" and town.kind.code == "street"
    assert Place.objects.filter(path__startswith=town.path, kind__code="community").count() == 4
    assert Place.objects.filter(path__startswith=town.path, kind__code="grid").count() == 118
    for name, community in [("利台生活小区", "车站社区"), ("汉都华府二期", "石马社区"), ("绿洲路126号大院", "上坝路社区"),
                            ("金穗苑小区", "金穗社区"), ("盛世豪庭", "平安社区"), ("银河小区", "新城社区"),
                            ("华宇小区", "下坝社区")]:
        compound = Place.objects.get(name=name, kind__code="compound")
        assert compound.parent.kind.code == "grid"
        assert Place.objects.filter(path__in=[compound.path[:i] for i in range(4, len(compound.path), 4)],
                                    name=community).exists(), name
    # Every grid lies under a community (local coding standards).
    for grid in Place.objects.filter(kind__code="grid"):
        assert Place.objects.filter(kind__code="community", path__in=[grid.path[:i] for i in range(4, len(grid.path), 4)]).exists()


def test_every_role_has_a_demo_login_and_cards_are_complete(demo):
    from linli.demo.management.commands.demo_logins import demo_logins

    logins = demo_logins()
    assert {r["role"] for r in logins} == set(Role.values)
    for r in logins:
        user = User.objects.get(phone_hash=pii.lookup_hash(r["phone"]))
        assert RoleAssignment.objects.filter(user=user, role=r["role"]).exists()
    for name in ("汉都华府二期", "盛世豪庭", "利台生活小区"):
        card = contact_card(Place.objects.get(name=name))
        assert [c["role"] for c in card] == ["branch_secretary", "owners_committee", "property_manager"]
    assert any(c["name"] == "马金祥" for c in contact_card(Place.objects.get(name="盛世豪庭")))
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "street_official" in out.getvalue() and "demo1234" in out.getvalue()


def test_people_are_valid_and_a_second_load_changes_nothing(demo):
    residents = list(Resident.objects.all()[:200])
    assert residents
    for r in residents:
        number = pii.decrypt(r.id_number_enc)
        _, birth, gender = parse_id_number(number)
        assert r.birth_date == birth and r.gender == gender
    before = _counts()
    call_command("load_demo", scale=0.02, stdout=StringIO())
    assert _counts() == before
