"""The demo city: seed places in the right hierarchy, valid people, a demo log-in for every
role, complete contact cards, and a second load that changes nothing."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from linli.accounts.models import RoleAssignment, User
from linli.accounts.roles import CONTACT_CARD_ROLES, Role
from linli.core import pii
from linli.core.identity import parse_id_number, validate_mobile
from linli.core.paths import ancestors_paths
from linli.demo import seed_data as seeds
from linli.demo.city import PASSWORD, PASSWORD_ROLES
from linli.activities.models import Participation
from linli.demo.management.commands.demo_logins import demo_logins
from linli.demo.showcases import SHOWCASES, showcase_logins
from linli.points.models import PointAccount
from linli.places.models import Dwelling, Household, Ownership, Place, Resident
from linli.places.selectors import contact_card
from linli.places.services import validate_boundary

SCALE = 0.05


def load(scale=SCALE) -> str:
    out = StringIO()
    call_command("load_demo", scale=scale, stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {m._meta.label: m.objects.count() for m in apps.get_models(include_auto_created=True)}


def chain(place: Place) -> list[tuple[str, str]]:
    """(kind, name) of the place's ancestors, root first, and the place itself."""
    above = Place.objects.filter(path__in=ancestors_paths(place.path)).select_related("kind").order_by("path")
    return [(p.kind.code, p.name) for p in above] + [(place.kind.code, place.name)]


# (compound, its district, street, community) as the seeds give them (石马社区's street and
# 金穗苑's community are invented, see seed_data).
SEED_COMPOUNDS = [
    ("银河小区", "宕昌县", "城关镇", "新城社区"),
    ("华宇小区", "宕昌县", "城关镇", "下坝社区"),
    ("利台生活小区", "麒麟区", "建宁街道", "车站社区"),
    ("汉都华府二期", "雨城区", "西城街道", "石马社区"),
    ("绿洲路126号大院", "雨城区", "东城街道", "上坝路社区"),
    ("金穗苑小区", "温江区", "金马街道", "金穗社区"),
    ("盛世豪庭", "金湖县", "黎城街道", "平安社区"),
]
CARD_COMPOUNDS = [c.name for d in seeds.CITY for s in d.streets for cm in s.communities for c in cm.compounds if c.card]


@pytest.mark.django_db
def test_the_demo_city(django_assert_max_num_queries):
    summary = load()
    assert "演示城市已载入" in summary and "households" in summary

    # Places: the seed names in the right hierarchy.
    for compound, district, street, community in SEED_COMPOUNDS:
        place = Place.objects.get(name=compound, kind__code="compound")
        kinds = dict(chain(place))
        assert (kinds["district"], kinds["street"], kinds["community"]) == (district, street, community), compound
        assert "grid" in kinds, compound
    town = Place.objects.get(name="城关镇")
    assert chain(town) == [("district", "宕昌县"), ("street", "城关镇")]
    assert {p.name for p in town.children.all()} >= {"新城社区", "下坝社区", "人民社区"}
    assert town.children.filter(kind__code="community").count() == 4
    assert Place.objects.filter(path__startswith=town.path, kind__code="grid").count() == 118  # seed 003
    assert Place.objects.filter(path__startswith=town.path, kind__code="area").exists()
    # Every grid lies in a community; grids and compounds have a polygon and a point.
    for grid in Place.objects.filter(kind__code__in=["grid", "compound"]):
        if grid.kind.code == "grid":
            assert "community" in dict(chain(grid)), grid.name
        validate_boundary(grid.boundary)
        assert grid.lat is not None and grid.lng is not None
    communities = Place.objects.filter(kind__code="community")
    assert all(len(c.code) == 12 and c.code.isdigit() for c in communities)
    assert float(Place.objects.get(name="宕昌县").lat) == pytest.approx(34.04, abs=0.05)
    # 汉都华府二期 keeps its 2,000+ households at full scale (here the test's share of them).
    hd = Place.objects.get(name="汉都华府二期")
    assert Household.objects.filter(path__startswith=hd.path).count() == round(2016 * SCALE)

    # People: valid ID numbers and mobiles, households with one head each, floor areas, owners.
    residents = list(Resident.objects.all())
    assert len(residents) > 500
    numbers = set()
    for r in residents:
        number = pii.decrypt(r.id_number_enc)
        _, birth, gender = parse_id_number(number)
        assert (r.birth_date, r.gender) == (birth, gender)
        numbers.add(number)
        if r.phone_enc:
            validate_mobile(pii.decrypt(r.phone_enc))
    assert len(numbers) == len(residents)
    assert {n[:6] for n in numbers} >= {"621226", "511802", "510115", "530302", "320831"}
    assert not Household.objects.filter(head__isnull=True).exists()
    assert not Dwelling.objects.filter(floor_area__isnull=True).exists()
    assert Ownership.objects.count() > Household.objects.filter(tenure="owned").count()  # some co-owners
    relations = set(Resident.objects.values_list("relation", flat=True))
    assert relations >= {"head", "spouse", "child", "parent", "grandchild"}
    tags = set(Resident.objects.filter(care_tags__isnull=False).values_list("care_tags__name", flat=True))
    assert tags >= {"独居老人", "残疾人", "低保", "退役军人", "党员"}
    wang = Resident.objects.get(name="王云川")
    assert wang.path.startswith(Place.objects.get(name="利台生活小区").path)
    assert "党员" in {t.name for t in wang.care_tags.all()}

    # Role holders at every level, one demo log-in per role.
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(Role.values)
    logins = demo_logins()
    assert [r["role"] for r in logins] == list(Role.values)
    for r in logins:
        user = User.objects.get(phone_hash=pii.lookup_hash(r["phone"]))
        assert user.phone.startswith("1390000")
        assert user.roles.filter(role=r["role"]).exists()
        assert user.check_password(PASSWORD) == (r["role"] in PASSWORD_ROLES) == user.is_staff
    resident_user = User.objects.get(username="demo_resident")
    assert resident_user.resident.name == resident_user.display_name  # the account is that resident's
    assert resident_user.roles.get().place_id == resident_user.resident.household.dwelling_id
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="admin").check_password(PASSWORD)
    grids = Place.objects.filter(kind__code="grid")
    assert RoleAssignment.objects.filter(role="grid_worker").values("place").distinct().count() == grids.count()
    assert User.objects.get(display_name="苗承君").roles.get().place == town
    for org in ("宕昌县综治办", "宕昌县畜牧兽医站", "宕昌县环保局", "麒麟区住建局"):
        ra = RoleAssignment.objects.get(role="department_staff", organisation__name=org)
        assert ra.organisation.kind == "department" and ra.organisation.jurisdiction.exists()

    # Every named compound's contact card is complete; seed names where the seeds give them.
    assert len(CARD_COMPOUNDS) >= 7
    for name in CARD_COMPOUNDS:
        card = contact_card(Place.objects.get(name=name, kind__code="compound"))
        assert [c["role"] for c in card] == list(CONTACT_CARD_ROLES), name
        assert all(c["name"] and c["phone"] for c in card), name
        assert card[2]["organisation"], name
    card = {c["role"]: c for c in contact_card(Place.objects.get(name="盛世豪庭"))}
    assert card["owners_committee"]["name"] == "马金祥"
    assert User.objects.get(display_name="马金祥").resident.name == "马金祥"

    # Where the other capabilities live: a staff member and a resident who can log in by SMS
    # in each showcase, and the resident's own pages have something to show.
    showcases = showcase_logins()
    assert [(r["place"], r["role_label"]) for r in showcases] == [
        (place, label) for _, place in SHOWCASES for label in ("社区书记", "居民")]
    for r in showcases:
        assert User.objects.get(phone_hash=pii.lookup_hash(r["phone"])).display_name == r["name"]
    pingan, shop = showcases[3], showcases[5]
    assert Participation.objects.filter(person__display_name=pingan["name"], status="attended").exists()
    assert PointAccount.objects.filter(owner__display_name=shop["name"], balance__gt=0).exists()

    # demo_logins prints every role with its phone and how to log in; the showcases are
    # three, so its statements stay a constant.
    out = StringIO()
    with django_assert_max_num_queries(45):
        call_command("demo_logins", stdout=out)
    text = out.getvalue()
    for r in logins:
        assert r["role"] in text and r["role_label"] in text and r["phone"] in text
    assert "/dev/outbox/" in text and "/login/" in text and PASSWORD in text and "admin" in text
    assert all(r["phone"] in text and r["capability"] in text for r in showcases)


@pytest.mark.django_db
def test_a_second_load_changes_nothing_and_a_failed_load_leaves_nothing(monkeypatch):
    from linli.demo import city

    before = counts()
    real = city.DemoBuilder.compound

    def interrupted(self, grid, dspec, spec, cbox):
        if spec.name == "华宇小区":  # after 新城社区's 36 grids and their people are written
            raise RuntimeError("interrupted")
        return real(self, grid, dspec, spec, cbox)

    monkeypatch.setattr(city.DemoBuilder, "compound", interrupted)
    with pytest.raises(RuntimeError):
        load(0.01)
    assert counts() == before
    monkeypatch.undo()

    load(0.01)
    loaded = counts()
    assert loaded["places.Place"] > before["places.Place"]
    assert "未做改动" in load(0.01)
    assert counts() == loaded
