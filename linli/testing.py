"""Helpers for tests: a small city with places on every level, users holding roles, and
a test client with an API token."""

from __future__ import annotations

import datetime as dt
import itertools

from linli.accounts import services as account_services
from linli.accounts.models import Organisation, User
from linli.core.actors import SYSTEM
from linli.core.identity import make_id_number
from linli.places import services as place_services
from linli.places.models import Household, Place, Resident

_phones = itertools.count(13800000000)
_ids = itertools.count(1)


def next_phone() -> str:
    return str(next(_phones))


def next_id_number(birth: dt.date = dt.date(1980, 5, 17), region: str = "511802") -> str:
    return make_id_number(region, birth, next(_ids))


class City:
    """区 → 街道 → 社区 → 网格 (two) → 小区 → 楼栋 → 单元 → 户, with a household and a resident
    in each grid. `grid` is the place roles are held at in the scope matrix; `beside` is its
    sibling, `above` its community and `below` a dwelling inside it."""

    def __init__(self):
        mk = place_services.create_place
        self.district = mk(actor=SYSTEM, parent_id=None, kind_code="district", name="雨城区")
        self.street = mk(actor=SYSTEM, parent_id=self.district.pk, kind_code="street", name="东城街道")
        self.community = mk(actor=SYSTEM, parent_id=self.street.pk, kind_code="community", name="石马社区")
        self.grid = mk(actor=SYSTEM, parent_id=self.community.pk, kind_code="grid", name="第一网格")
        self.other_grid = mk(actor=SYSTEM, parent_id=self.community.pk, kind_code="grid", name="第二网格")
        self.compound, self.building, self.unit, self.dwelling = self._compound(self.grid, "汉都华府二期")
        (self.other_compound, self.other_building, self.other_unit,
         self.other_dwelling) = self._compound(self.other_grid, "绿洲路126号大院")
        self.household = place_services.create_household(actor=SYSTEM, dwelling_id=self.dwelling.pk)
        self.resident = place_services.create_resident(
            actor=SYSTEM, household_id=self.household.pk, name="李大爷", id_number=next_id_number(),
            phone=next_phone(), relation="head", care_tags=["elderly_alone"])
        self.other_household = place_services.create_household(actor=SYSTEM, dwelling_id=self.other_dwelling.pk)
        self.other_resident = place_services.create_resident(
            actor=SYSTEM, household_id=self.other_household.pk, name="王云川", id_number=next_id_number(),
            phone=next_phone(), relation="head")
        # A dwelling straight under the community (levels may be skipped): people "above"
        # the grid in the scope matrix.
        self.community_dwelling = mk(actor=SYSTEM, parent_id=self.community.pk, kind_code="dwelling",
                                     name="社区公寓1号")
        self.community_household = place_services.create_household(actor=SYSTEM,
                                                                    dwelling_id=self.community_dwelling.pk)
        self.community_resident = place_services.create_resident(
            actor=SYSTEM, household_id=self.community_household.pk, name="孟大爷", id_number=next_id_number(),
            phone=next_phone(), relation="head")

    @staticmethod
    def _compound(grid: Place, name: str):
        mk = place_services.create_place
        compound = mk(actor=SYSTEM, parent_id=grid.pk, kind_code="compound", name=name)
        building = mk(actor=SYSTEM, parent_id=compound.pk, kind_code="building", name="1栋")
        unit = mk(actor=SYSTEM, parent_id=building.pk, kind_code="unit", name="1单元")
        dwelling = mk(actor=SYSTEM, parent_id=unit.pk, kind_code="dwelling", name="101")
        return compound, building, unit, dwelling

    def user_with(self, role: str, at: Place, *, title: str = "", is_lead: bool = False,
                  name: str | None = None) -> User:
        user = account_services.create_user(actor=SYSTEM, display_name=name or f"{role}用户", phone=next_phone())
        if role == "department_staff":
            org = Organisation.objects.create(kind="department", name=f"部门{user.pk}")
            org.jurisdiction.add(at)
            account_services.assign_role(actor=SYSTEM, user_id=user.pk, role=role, organisation_id=org.pk)
        else:
            account_services.assign_role(actor=SYSTEM, user_id=user.pk, role=role, place_id=at.pk,
                                         title=title, is_lead=is_lead)
        return User.objects.get(pk=user.pk)

    def case_people(self, departments=(("zongzhi", "综治中心"), ("vet", "畜牧兽医站"), ("env", "环保所"))) -> dict:
        """Everyone a case meets on its way up the ladder, by role, and a department (with
        one staff member; its organisation under "<key>_org") for each of `departments`."""
        u = self.user_with
        people = {
            "resident": u("resident", at=self.dwelling, name="李大爷"),
            "neighbour": u("resident", at=self.dwelling, name="李大妈"),
            "other_resident": u("resident", at=self.other_dwelling, name="王云川"),
            "building_head": u("building_head", at=self.building, name="万玉廷"),
            "grid_worker": u("grid_worker", at=self.grid, name="向劲松"),
            "other_grid_worker": u("grid_worker", at=self.other_grid, name="别的网格员"),
            "community_worker": u("community_worker", at=self.community, name="社区干事"),
            "street_official": u("street_official", at=self.street, name="街道干部"),
        }
        for key, name in departments:
            staff = u("department_staff", at=self.street, name=name + "干部")
            Organisation.objects.filter(staff__user=staff).update(name=name)
            people[key] = staff
            people[key + "_org"] = Organisation.objects.get(staff__user=staff)
        return people

    def place(self, where: str) -> Place:
        return {"inside": self.grid, "above": self.community, "beside": self.other_grid,
                "below": self.dwelling}[where]

    def household_at(self, where: str) -> Household:
        return {"inside": self.household, "below": self.household, "above": self.community_household,
                "beside": self.other_household}[where]

    def resident_at(self, where: str) -> Resident:
        return {"inside": self.resident, "below": self.resident, "above": self.community_resident,
                "beside": self.other_resident}[where]


def api_headers(user: User) -> dict:
    token = account_services.issue_api_token(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def block_the_outside(page) -> list[str]:
    """In a Playwright page: fail every request to a host other than this machine and
    remember it, so a test can assert a page works offline (no CDN, no tiles by default)."""
    from urllib.parse import urlsplit

    outside: list[str] = []

    def handle(route):
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", handle)
    return outside
