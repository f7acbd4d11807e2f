"""What the five seed articles (../shared/seeds/) say about places and people, as data.

Seed by seed:
- 003 甘肃宕昌: 宕昌县城关镇 (党委书记苗承君), 4 communities and 118 grids; 新城社区 (党委书记宋晓林)
  with 银河小区 and 银河物业; 下坝社区 (党委书记邓亮) with 华宇小区; 人民社区 with 旧电信局家属楼 and
  金桥花苑小区; the departments 综治办, 畜牧兽医站, 环保 that handled the pig-farm case;
  the five-level party grid 镇党委—社区党委—片区党支部—网格党小组—党员中心户.
- 000 云南麒麟区: 建宁街道车站社区, 利台生活小区 (老党员王云川; 孟大爷, 刘大爷, 杨大姐, 钱大姐),
  the 住建局 that pairs with the community, the "田字型" grid system.
- 001 四川雅安雨城区: 东城街道上坝路社区 with 绿洲路126号大院 (李大爷; owners' committee and party
  branch since 2019) and 绿洲路143号大院 (杨宝琼); 石马社区 with 汉都华府二期 (2,000+ households,
  the 连心卡).
- 002 成都温江区: 金马街道金穗苑小区 (微网格员向劲松, 吴大爷), 东原西岸小区, 花样年五期, 7 grid
  party organisations, 片区 staff.
- 004 江苏金湖县: 黎城街道平安社区 (党委书记郑大海) with 盛世豪庭 (业主委员会主任马金祥, 业委会成员
  and 党员楼栋长黄德朋, 楼栋长万玉廷, 网格员王艳 who lives there).

Everything marked INVENTED below is not in the seeds: plausible names where the articles are
silent. Statistical codes are plausible 12-digit codes (county + town + community), not
official ones. Coordinates are near the real towns; polygons are laid out by the loader."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Person:
    """A seed-named person who lives in a compound (their resident record gets this name)."""

    name: str
    gender: str  # "男" / "女"
    age: int
    tags: tuple[str, ...] = ()
    building: int = 0  # which building (0-based) they live in
    roles: tuple[tuple[str, str, bool], ...] = ()  # (role, title, is_lead); place chosen by role
    demo: bool = False  # the demo log-in of their (first) role


@dataclass(frozen=True)
class Compound:
    name: str
    households: int
    buildings: int
    units: int = 2  # 0: a courtyard whose buildings have no entrances (单元)
    floors: int = 6
    doors: int = 2  # dwellings per floor per entrance
    areas: tuple[float, ...] = (89.5, 108.0)  # floor area by door position (户型)
    grid: int = 0  # index of the grid it lies in
    rented: float = 0.15  # share of rented dwellings
    card: bool = False  # a named compound: party branch, owners' committee, property company
    property_company: str = ""
    people: tuple[Person, ...] = ()
    demo: bool = False  # the demo log-ins of compound-level roles are here


@dataclass(frozen=True)
class Community:
    name: str
    code: str
    grids: int
    areas: int = 0  # 片区 between community and grids (0: grids directly under the community)
    secretary: str = ""
    compounds: tuple[Compound, ...] = ()
    grid_names: tuple[str, ...] = ()  # names of the first grids (the rest are 第N网格)
    grid_workers: tuple[tuple[int, str, str], ...] = ()  # (grid index, seed name, title)
    demo: bool = False
    invented: bool = False


@dataclass(frozen=True)
class Street:
    name: str
    code: str
    communities: tuple[Community, ...]
    official: tuple[str, str] = ("", "街道党工委书记")  # (name or "" for Faker, title)
    invented: bool = False


@dataclass(frozen=True)
class District:
    name: str
    region: str  # the 6-digit region code of ID numbers issued here
    lat: float
    lng: float
    streets: tuple[Street, ...]
    departments: tuple[str, ...] = ()
    # Where incomers' ID numbers were issued (neighbouring counties and big cities).
    incomers: tuple[str, ...] = ()
    incomer_share: float = 0.1
    low_income: float = 0.025  # share of households on minimum-income support (低保)


# Generic courtyards and small compounds in the grids the seeds do not describe get names
# from these roads (INVENTED).
ROADS = {
    "宕昌县": ("滨河路", "新华街", "和平路", "城关路", "民主路", "团结路", "建设路", "羌城路", "东大街", "西大街",
            "南关路", "北环路"),
    "麒麟区": ("车站路", "建宁路", "南宁北路", "麒麟东路"),
    "雨城区": ("上坝路", "绿洲路", "石马路", "蒙山路"),
    "温江区": ("金马路", "金穗路", "永宁路", "光华大道"),
    "金湖县": ("黎城路", "平安路", "金湖东路", "衡阳路"),
}

_OLD = (56.0, 68.0)  # old courtyards: small flats

CITY: tuple[District, ...] = (
    District(
        "宕昌县", "621226", 34.043, 104.392,
        departments=("宕昌县综治办", "宕昌县畜牧兽医站", "宕昌县环保局"),
        incomers=("621202", "621221", "621225", "620102", "622921"), incomer_share=0.06, low_income=0.06,
        streets=(Street(
            "城关镇", "621226100000", official=("苗承君", "城关镇党委书记"),
            communities=(
                Community("新城社区", "621226100001", grids=36, areas=4, secretary="宋晓林", demo=True,
                          compounds=(
                              Compound("银河小区", 240, buildings=10, units=2, floors=6, doors=2, areas=(89.5, 112.3),
                                       card=True, demo=True, property_company="宕昌县银河物业服务有限公司",
                                       people=(Person("张秀兰", "女", 46, building=0, roles=(("resident", "居民", False),),
                                                      demo=True),)),
                          )),
                Community("下坝社区", "621226100002", grids=30, areas=3, secretary="邓亮",
                          compounds=(
                              Compound("华宇小区", 180, buildings=8, units=2, floors=6, doors=2, areas=(86.0, 98.6),
                                       card=True, property_company="宕昌县华宇物业管理有限公司"),  # company INVENTED
                          )),
                Community("人民社区", "621226100003", grids=28, areas=3,
                          compounds=(
                              Compound("金桥花苑小区", 120, buildings=6, units=2, floors=6, doors=2, areas=(92.0, 118.0),
                                       card=True, property_company="宕昌县金桥物业服务有限公司"),  # company INVENTED
                              Compound("旧电信局家属楼", 36, buildings=2, units=1, floors=5, doors=4, areas=_OLD, grid=1,
                                       rented=0.25),
                          )),
                # INVENTED: seed 003 says the town has 4 communities but names only three.
                Community("东街社区", "621226100004", grids=24, areas=3, invented=True),
            ),
        ),),
    ),
    District(
        "麒麟区", "530302", 25.492, 103.797,
        departments=("麒麟区住建局",),
        incomers=("530381", "530323", "530102", "530322"), incomer_share=0.1,
        streets=(Street(
            "建宁街道", "530302003000",
            communities=(
                # Four grids: the community's "田字型" grid system.
                Community("车站社区", "530302003001", grids=4, grid_names=("利台网格", "车站路网格", "建宁路网格", "南宁北路网格"),
                          compounds=(
                              Compound("利台生活小区", 120, buildings=8, units=1, floors=5, doors=3,
                                       areas=(62.0, 74.5, 58.0), card=True, rented=0.12,
                                       # INVENTED: the seed says the community took the compound over in
                                       # 2020; the property service company is made up.
                                       property_company="曲靖利台物业服务有限公司",
                                       people=(
                                           Person("王云川", "男", 78, ("党员",), building=0,
                                                  roles=(("party_member_household", "党员中心户", False),)),
                                           # Given names INVENTED for the seed's 孟大爷, 刘大爷, 杨大姐, 钱大姐.
                                           Person("孟宪福", "男", 74, building=1),
                                           Person("刘德明", "男", 71, ("重病患者",), building=2),
                                           Person("杨桂芳", "女", 58, building=3,
                                                  roles=(("volunteer", "情报站志愿者", False),)),
                                           Person("钱淑珍", "女", 61, building=4,
                                                  roles=(("volunteer", "热心居民", False),)),
                                       )),
                          )),
            ),
        ),),
    ),
    District(
        "雨城区", "511802", 29.981, 103.001,
        incomers=("511803", "511823", "511822", "510107", "511102"), incomer_share=0.12,
        streets=(
            Street(
                "东城街道", "511802001000",
                communities=(
                    Community("上坝路社区", "511802001004", grids=3, grid_names=("绿洲路网格",),
                              compounds=(
                                  Compound("绿洲路126号大院", 48, buildings=4, units=0, floors=4, doors=3, areas=_OLD + (75.0,),
                                           card=True, rented=0.2,
                                           property_company="雅安绿洲物业管理有限公司",  # INVENTED
                                           people=(Person("李长贵", "男", 79, building=0),)),  # the seed's 李大爷
                                  # INVENTED: the seed does not say which community 143号大院 is in.
                                  Compound("绿洲路143号大院", 24, buildings=2, units=0, floors=4, doors=3, areas=_OLD,
                                           people=(Person("杨宝琼", "女", 63, building=0,
                                                          roles=(("volunteer", "大院保洁志愿者", False),)),)),
                              )),
                ),
            ),
            # INVENTED: seed 001 names 石马社区 but not its street.
            Street(
                "西城街道", "511802002000", invented=True,
                communities=(
                    Community("石马社区", "511802002003", grids=3, grid_names=("汉都华府网格",),
                              compounds=(
                                  # 14 buildings × 3 entrances × 24 floors × 2 = 2,016 dwellings.
                                  Compound("汉都华府二期", 2016, buildings=14, units=3, floors=24, doors=2,
                                           areas=(96.8, 128.4), card=True, rented=0.2,
                                           property_company="雅安汉都物业服务有限公司"),  # company INVENTED
                              )),
                ),
            ),
        ),
    ),
    District(
        "温江区", "510115", 30.684, 103.836,
        incomers=("510107", "510108", "511381", "513723", "510921", "511621"), incomer_share=0.3,
        streets=(Street(
            "金马街道", "510115003000",
            communities=(
                # INVENTED community name (seed 002 names only the street); 7 grid party
                # organisations and 片区 staff are in the seed.
                Community("金穗社区", "510115003005", grids=7, areas=2, invented=True,
                          grid_names=("金穗苑网格",), grid_workers=((0, "向劲松", "微网格员"),),
                          compounds=(
                              Compound("金穗苑小区", 260, buildings=9, units=2, floors=7, doors=2, areas=(88.0, 104.0),
                                       card=True, rented=0.3,
                                       property_company="成都金穗苑物业服务有限公司",  # full name INVENTED
                                       people=(Person("吴国华", "男", 76, building=2),)),  # the seed's 吴大爷
                              Compound("东原西岸小区", 80, buildings=4, units=2, floors=11, doors=2, areas=(95.0, 120.0),
                                       grid=2, rented=0.25),
                              Compound("花样年五期", 80, buildings=4, units=2, floors=18, doors=2, areas=(89.0, 115.0),
                                       grid=4, rented=0.25),
                          )),
            ),
        ),),
    ),
    District(
        "金湖县", "320831", 33.019, 119.021,
        incomers=("320830", "320804", "320829", "321084"), incomer_share=0.08,
        streets=(Street(
            "黎城街道", "320831001000",
            communities=(
                Community("平安社区", "320831001006", grids=4, secretary="郑大海",
                          grid_names=("盛世豪庭网格",),
                          compounds=(
                              Compound("盛世豪庭", 300, buildings=12, units=2, floors=6, doors=2, areas=(92.0, 126.0),
                                       card=True, rented=0.12,
                                       property_company="金湖盛世物业管理有限公司",  # INVENTED
                                       people=(
                                           Person("马金祥", "男", 63, ("党员",), building=0,
                                                  roles=(("owners_committee", "业主委员会主任", True),)),
                                           Person("黄德朋", "男", 58, ("党员",), building=1,
                                                  roles=(("building_head", "党员楼栋长", False),
                                                         ("owners_committee", "业主委员会委员", False))),
                                           Person("万玉廷", "男", 66, building=2,
                                                  roles=(("building_head", "楼栋长", False),)),
                                           Person("王艳", "女", 41, building=3,
                                                  roles=(("grid_worker", "网格员", False),)),
                                       )),
                          )),
            ),
        ),),
    ),
)

# The town whose presence means the demo city is loaded (the first district).
MARKER = CITY[0].name
