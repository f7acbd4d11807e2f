"""The demo city, built from the five seed articles (../shared/seeds/):

- 003 甘肃宕昌: 宕昌县城关镇, 4 communities divided into 118 grids, 银河小区 and 华宇小区;
- 000 云南麒麟区: 建宁街道车站社区, 利台生活小区 (王云川, an old party member);
- 001 四川雅安雨城区: 石马社区汉都华府二期 (2,000+ households, the 连心卡) and 绿洲路126号大院
  (上坝路社区, 东城街道);
- 002 成都温江区: 金马街道金穗苑小区 (微网格员向劲松);
- 004 江苏金湖县: 黎城街道平安社区盛世豪庭 (业委会主任马金祥, 楼栋长万玉廷, 党员楼栋长黄德朋,
  社区书记郑大海).

Where the seeds are silent (the street of 石马社区, the community of 金穗苑, the fourth
community of 城关镇, grid names, buildings) the names are invented and marked so below.
Households and residents are generated with Faker('zh_CN') from a fixed seed and loaded
through the people importer, so the demo exercises the same path as a real spreadsheet."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from faker import Faker

from linli.accounts import services as accounts
from linli.accounts.models import Organisation
from linli.core.actors import SYSTEM
from linli.core.identity import make_id_number
from linli.places import services as places
from linli.places.importing import import_people
from linli.places.models import CareTag, Place, Resident

SEED = 20241127
PASSWORD = "demo1234"
MARKER = "宕昌县"  # the first top-level place; its presence means the demo is loaded


@dataclass
class Compound:
    name: str
    households: int
    buildings: int = 6
    units: int = 2
    floors: int = 6
    region: str = "621226"
    lat: float = 0.0
    lng: float = 0.0


@dataclass
class DemoLogin:
    role: str
    role_label: str
    name: str
    place: str
    phone: str
    username: str = ""


@dataclass
class Loaded:
    counts: dict = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)


# (district, street, community, [grids …]) — grid lists hold (grid name, [compounds]).
TOWN_COMMUNITIES = [("新城社区", 30, "银河小区"), ("下坝社区", 30, "华宇小区"), ("人民社区", 29, None),
                    ("东街社区", 29, None)]  # 东街社区: invented; seed 003 names three of the four


def _box(lat: float, lng: float, half: float = 0.002) -> dict:
    return {"type": "Polygon", "coordinates": [[[lng - half, lat - half], [lng + half, lat - half],
                                                 [lng + half, lat + half], [lng - half, lat + half],
                                                 [lng - half, lat - half]]]}


class DemoBuilder:
    def __init__(self, scale: float = 1.0):
        self.scale = scale
        self.rng = random.Random(SEED)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(SEED)
        self.phone_seq = 0
        self.id_seq = 0
        self.loaded = Loaded()
        self.tag_names = {t.code: t.name for t in CareTag.objects.all()}

    # ------------------------------------------------------------ places

    def place(self, parent: Place | None, kind: str, name: str, *, code: str = "", lat=None, lng=None,
              boundary=None) -> Place:
        return places.create_place(actor=SYSTEM, parent_id=parent.pk if parent else None, kind_code=kind, name=name,
                                   code=code, lat=lat, lng=lng, boundary=boundary, audit=False)

    def build(self) -> Loaded:
        dangchang = self.place(None, "district", "宕昌县", code="621226000000", lat=34.04, lng=104.39)
        town = self.place(dangchang, "street", "城关镇", code="621226100000", lat=34.04, lng=104.39)
        self.staff("street_official", town, "苗承君", "城关镇党委书记", lead=True)
        self.staff("department_staff", None, "综治办干事", "综治办", org=("宕昌县综治办", dangchang))
        self.org("宕昌县畜牧兽医站", dangchang)
        self.org("宕昌县环保局", dangchang)
        for ci, (cname, grids, named_compound) in enumerate(TOWN_COMMUNITIES):
            lat0, lng0 = 34.03 + ci * 0.01, 104.38 + ci * 0.01
            community = self.place(town, "community", cname, code=f"62122610000{ci + 1}", lat=lat0, lng=lng0)
            self.staff("community_secretary", community, self.fake.name(), "社区党委书记", lead=True)
            self.staff("community_worker", community, self.fake.name(), "社区工作者")
            area = self.place(community, "area", "第一片区")
            self.staff("area_head", area, self.fake.name(), "片区党支部书记")
            for g in range(grids):
                glat, glng = lat0 + (g // 6) * 0.005, lng0 + (g % 6) * 0.005
                grid = self.place(area if g < 10 else community, "grid", f"第{g + 1}网格",
                                  lat=glat, lng=glng, boundary=_box(glat, glng, 0.0024))
                self.staff("grid_head" if g == 0 else "grid_worker", grid, self.fake.name(),
                           "网格长" if g == 0 else "网格员")
                if g == 0 and named_compound:
                    comp = Compound(named_compound, 160, buildings=8, region="621226", lat=glat, lng=glng)
                else:
                    comp = Compound(f"{cname[:2]}{g + 1}号院", 6, buildings=2, units=1, floors=3, region="621226",
                                    lat=glat, lng=glng)  # invented courtyards, one per grid
                self.compound(grid, comp, contacts=g == 0)
        self.qilin()
        self.yucheng()
        self.wenjiang()
        self.jinhu()
        return self.loaded

    def qilin(self):
        district = self.place(None, "district", "麒麟区", code="530302000000", lat=25.49, lng=103.8)
        street = self.place(district, "street", "建宁街道", lat=25.49, lng=103.8)
        community = self.place(street, "community", "车站社区", lat=25.49, lng=103.8)
        self.staff("community_secretary", community, self.fake.name(), "社区党委书记", lead=True)
        self.org("麒麟区住建局", district)
        grid = self.place(community, "grid", "利台网格", lat=25.49, lng=103.8, boundary=_box(25.49, 103.8))
        self.staff("grid_worker", grid, self.fake.name(), "网格员")
        self.compound(grid, Compound("利台生活小区", 120, buildings=6, region="530302", lat=25.49, lng=103.8),
                      contacts=True, party_veteran="王云川")

    def yucheng(self):
        district = self.place(None, "district", "雨城区", code="511802000000", lat=29.98, lng=103.0)
        dongcheng = self.place(district, "street", "东城街道", lat=29.99, lng=103.01)
        shangba = self.place(dongcheng, "community", "上坝路社区", lat=29.99, lng=103.01)
        self.staff("community_secretary", shangba, self.fake.name(), "社区党委书记", lead=True)
        grid = self.place(shangba, "grid", "绿洲路网格", lat=29.99, lng=103.01, boundary=_box(29.99, 103.01))
        self.staff("grid_worker", grid, self.fake.name(), "网格员")
        self.compound(grid, Compound("绿洲路126号大院", 48, buildings=3, units=1, floors=4, region="511802",
                                     lat=29.99, lng=103.01), contacts=True)
        xicheng = self.place(district, "street", "西城街道", lat=29.98, lng=103.0)  # invented: seed 001 names no street
        shima = self.place(xicheng, "community", "石马社区", lat=29.98, lng=103.0)
        self.staff("community_secretary", shima, self.fake.name(), "社区党委书记", lead=True)
        self.staff("community_worker", shima, self.fake.name(), "社区工作者")
        grid = self.place(shima, "grid", "汉都华府网格", lat=29.98, lng=103.0, boundary=_box(29.98, 103.0, 0.003))
        self.staff("grid_worker", grid, self.fake.name(), "网格员")
        self.compound(grid, Compound("汉都华府二期", 2016, buildings=14, units=3, floors=24, region="511802",
                                     lat=29.98, lng=103.0), contacts=True)

    def wenjiang(self):
        district = self.place(None, "district", "温江区", code="510115000000", lat=30.68, lng=103.84)
        street = self.place(district, "street", "金马街道", lat=30.68, lng=103.84)
        community = self.place(street, "community", "金穗社区", lat=30.68, lng=103.84)  # invented community name
        self.staff("community_secretary", community, self.fake.name(), "社区党委书记", lead=True)
        grid = self.place(community, "grid", "金穗苑网格", lat=30.68, lng=103.84, boundary=_box(30.68, 103.84))
        self.staff("grid_worker", grid, "向劲松", "微网格员")
        self.compound(grid, Compound("金穗苑小区", 140, buildings=7, region="510115", lat=30.68, lng=103.84),
                      contacts=True)

    def jinhu(self):
        district = self.place(None, "district", "金湖县", code="320831000000", lat=33.02, lng=119.02)
        street = self.place(district, "street", "黎城街道", lat=33.02, lng=119.02)
        community = self.place(street, "community", "平安社区", lat=33.02, lng=119.02)
        self.staff("community_secretary", community, "郑大海", "社区党委书记", lead=True)
        grid = self.place(community, "grid", "盛世豪庭网格", lat=33.02, lng=119.02, boundary=_box(33.02, 119.02))
        self.staff("grid_worker", grid, self.fake.name(), "网格员")
        compound = self.compound(grid, Compound("盛世豪庭", 180, buildings=9, region="320831", lat=33.02,
                                                lng=119.02), contacts=True, chair="马金祥")
        buildings = list(compound.children.order_by("path")[:2])
        self.staff("building_head", buildings[0], "万玉廷", "楼栋长")
        self.staff("building_head", buildings[1], "黄德朋", "党员楼栋长")
        self.staff("volunteer", compound, self.fake.name(), "志愿者")
        unit = buildings[0].children.order_by("path").first()
        self.staff("party_member_household", unit, self.fake.name(), "党员中心户")

    # ------------------------------------------------------------ people

    def compound(self, grid: Place, spec: Compound, *, contacts: bool = False, chair: str | None = None,
                 party_veteran: str | None = None) -> Place:
        compound = self.place(grid, "compound", spec.name, lat=spec.lat, lng=spec.lng,
                              boundary=_box(spec.lat, spec.lng, 0.001))
        households = max(2, round(spec.households * self.scale))
        rows = self.people_rows(spec, households, party_veteran=party_veteran)
        report = import_people(actor=SYSTEM, rows=rows, under_place_id=compound.pk, source="demo")
        if not report.ok:
            raise RuntimeError(f"demo rows for {spec.name} did not import: {report.errors[:5]}")
        if contacts:
            org = self.org(f"{spec.name}物业服务有限公司", compound, kind=Organisation.Kind.PROPERTY_COMPANY)
            self.staff("branch_secretary", compound, self.fake.name(), "小区党支部书记", lead=True)
            self.staff("owners_committee", compound, chair or self.fake.name(), "业委会主任", lead=True)
            self.staff("property_manager", compound, self.fake.name(), "物业经理", lead=True, org_obj=org)
            head_building = compound.children.order_by("path").first()
            if head_building is not None and not head_building.role_assignments.exists():
                self.staff("building_head", head_building, self.fake.name(), "楼栋长")
            resident = Resident.objects.filter(path__startswith=compound.path, relation="head").order_by("path").first()
            if resident is not None:
                self.resident_login(resident)
        return compound

    def people_rows(self, spec: Compound, households: int, *, party_veteran: str | None) -> list[dict]:
        rows = []
        per_building = max(1, -(-households // spec.buildings))
        for h in range(households):
            b, within = divmod(h, per_building)
            unit, slot = divmod(within, max(1, -(-per_building // spec.units)))
            floor, door = divmod(slot, 2)
            room = f"{floor % spec.floors + 1}{door + 1:02d}" if spec.floors > 1 else f"{slot + 1}号"
            if floor >= spec.floors:
                room = f"{room}-{floor // spec.floors}"
            area = f"{self.rng.choice([58, 72, 86, 89.5, 96, 108, 120, 135]):.2f}"
            tenure = "租住" if self.rng.random() < 0.15 else "自有"
            base = {"楼栋": f"{b + 1}栋", "单元": f"{unit + 1}单元" if spec.units > 1 else "", "房号": room,
                    "面积": area, "居住性质": tenure}
            for person in self.household_people(spec.region, alone=self.rng.random() < 0.08):
                rows.append({**base, **person})
        if party_veteran and rows:
            rows[0]["姓名"] = party_veteran
            rows[0]["人员类别"] = "党员、退役军人" if "退役军人" in self.tag_names.values() else "党员"
        return rows

    def household_people(self, region: str, *, alone: bool) -> list[dict]:
        today = dt.date(2026, 11, 1)
        if alone:
            return [self.person(region, today, age=self.rng.randint(70, 92), relation="户主",
                                tags=["独居老人"] + (["低保"] if self.rng.random() < 0.3 else []))]
        head_age = self.rng.randint(28, 78)
        people = [self.person(region, today, age=head_age, relation="户主")]
        if self.rng.random() < 0.85:
            people.append(self.person(region, today, age=max(22, head_age + self.rng.randint(-5, 3)), relation="配偶"))
        for _ in range(self.rng.choice([0, 1, 1, 2])):
            if head_age > 26:
                people.append(self.person(region, today, age=self.rng.randint(0, max(1, min(30, head_age - 22))),
                                          relation="子女"))
        if head_age < 50 and self.rng.random() < 0.2:
            people.append(self.person(region, today, age=head_age + self.rng.randint(24, 32), relation="父母"))
        return people

    def person(self, region: str, today: dt.date, *, age: int, relation: str, tags: list[str] | None = None) -> dict:
        birth = today - dt.timedelta(days=age * 365 + self.rng.randint(0, 364))
        self.id_seq += 1
        number = make_id_number(region, birth, self.id_seq)
        gender = "男" if int(number[16]) % 2 else "女"
        tags = list(tags or [])
        if not tags:
            r = self.rng.random()
            if age >= 18 and r < 0.07:
                tags.append("党员")
            elif age >= 22 and r < 0.10:
                tags.append("退役军人")
            elif r < 0.13:
                tags.append("残疾人")
            elif r < 0.16:
                tags.append("低保")
        name = self.fake.name_male() if gender == "男" else self.fake.name_female()
        row = {"姓名": name, "身份证号": number, "与户主关系": relation, "人员类别": "、".join(tags)}
        if age >= 16 and self.rng.random() < 0.8:
            row["联系电话"] = self.next_phone(prefix="15")
        return row

    def next_phone(self, prefix: str = "13") -> str:
        self.phone_seq += 1
        return f"{prefix}{self.rng.randint(1, 9)}{self.phone_seq:08d}"[:11]

    # ------------------------------------------------------------ people who log in

    def org(self, name: str, place: Place, *, kind: str = Organisation.Kind.DEPARTMENT) -> Organisation:
        org, _ = Organisation.objects.get_or_create(name=name, defaults={"kind": kind})
        org.jurisdiction.add(place)
        return org

    def staff(self, role: str, place: Place | None, name: str, title: str, *, lead: bool = False,
              org: tuple[str, Place] | None = None, org_obj: Organisation | None = None):
        first = not any(login.role == role for login in self.loaded.logins)
        phone = f"139000{len(self.loaded.logins) + 1:05d}" if first else self.next_phone(prefix="18")
        username = f"demo_{role}" if first else None
        user = accounts.create_user(actor=SYSTEM, display_name=name, phone=phone, username=username,
                                    password=PASSWORD if first else None, is_staff=first)
        if role == "department_staff":
            organisation = self.org(*org) if org else org_obj
            accounts.assign_role(actor=SYSTEM, user_id=user.pk, role=role, organisation_id=organisation.pk, title=title)
            where = organisation.name
        else:
            accounts.assign_role(actor=SYSTEM, user_id=user.pk, role=role, place_id=place.pk, title=title,
                                 is_lead=lead, organisation_id=org_obj.pk if org_obj else None)
            where = place.name
        if first:
            from linli.accounts.roles import Role

            self.loaded.logins.append(DemoLogin(role, str(Role(role).label), name, where, phone, username))
        return user

    def resident_login(self, resident: Resident):
        if any(login.role == "resident" for login in self.loaded.logins):
            return
        phone = f"139000{len(self.loaded.logins) + 1:05d}"
        user = accounts.create_user(actor=SYSTEM, display_name=resident.name, phone=phone, resident=resident,
                                    username="demo_resident")
        dwelling = resident.household.dwelling
        accounts.assign_role(actor=SYSTEM, user_id=user.pk, role="resident", place_id=dwelling.pk, title="居民")
        from linli.accounts.roles import Role

        self.loaded.logins.append(DemoLogin("resident", str(Role.RESIDENT.label), resident.name,
                                            f"{dwelling.parent.parent.name if dwelling.parent and dwelling.parent.parent else ''}{dwelling.name}",
                                            phone, ""))
