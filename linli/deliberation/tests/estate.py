"""A small compound built through the places services, for vote tests: buildings of dwellings
with areas and owners, and users for the owners."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from linli.accounts import services as account_services
from linli.accounts.models import User
from linli.core.actors import SYSTEM
from linli.places import services as place_services
from linli.places.models import Dwelling, Place, Resident
from linli.testing import next_id_number, next_phone


class Estate:
    """`Estate(city, {"1栋": [("101", "100"), ...]})`: dwellings by building with their areas."""

    def __init__(self, city, layout: dict[str, list[tuple[str, str]]], name: str = "金穗苑"):
        mk = place_services.create_place
        self.city = city
        self.compound = mk(actor=SYSTEM, parent_id=city.grid.pk, kind_code="compound", name=name)
        self.buildings: dict[str, Place] = {}
        self.dwellings: dict[str, Place] = {}
        for bname, doors in layout.items():
            b = mk(actor=SYSTEM, parent_id=self.compound.pk, kind_code="building", name=bname)
            self.buildings[bname] = b
            for door, area in doors:
                d = mk(actor=SYSTEM, parent_id=b.pk, kind_code="dwelling", name=door)
                if area is not None:
                    place_services.set_dwelling_area(actor=SYSTEM, dwelling_id=d.pk, floor_area=area)
                self.dwellings[f"{bname}-{door}"] = d

    def person(self, name: str, at: str, *, birth=dt.date(1970, 1, 1), relation="head") -> Resident:
        """A resident living in dwelling `at` ("1栋-101")."""
        d = self.dwellings[at]
        hh = d.households.first() or place_services.create_household(actor=SYSTEM, dwelling_id=d.pk)
        return place_services.create_resident(actor=SYSTEM, household_id=hh.pk, name=name,
                                              birth_date=birth, id_number=next_id_number(birth),
                                              phone=next_phone(), relation=relation)

    def own(self, resident: Resident, *dwellings: str) -> None:
        for at in dwellings:
            place_services.add_owner(actor=SYSTEM, dwelling_id=self.dwellings[at].pk, owner_id=resident.pk)

    def user(self, resident: Resident) -> User:
        u = account_services.create_user(actor=SYSTEM, display_name=resident.name, phone=next_phone(),
                                         resident=resident)
        account_services.assign_role(actor=SYSTEM, user_id=u.pk, role="resident",
                                     place_id=Place.objects.get(path=resident.path).pk)
        return User.objects.get(pk=u.pk)

    def owners_each(self) -> dict[str, Resident]:
        """One owner per dwelling, living there."""
        out = {}
        for i, at in enumerate(self.dwellings):
            r = self.person(f"业主{i + 1}", at)
            self.own(r, at)
            out[at] = r
        return out

    def title(self, at: str, **facts):
        from linli.deliberation.models import DwellingTitle

        dw = Dwelling.objects.get(place=self.dwellings[at])
        DwellingTitle.objects.update_or_create(dwelling=dw, defaults=facts)


def period(days_open=7):
    now = timezone.now()
    return {"opens_at": now - dt.timedelta(minutes=1), "closes_at": now + dt.timedelta(days=days_open),
            "extension_limit": now + dt.timedelta(days=days_open + 14)}


def area(text: str) -> int:
    return int(Decimal(text) * 100)
