"""Finding duplicate cases on intake: the same problem at the same spot.

A duplicate is the same problem (its category, and the object it is about: a lamp, a manhole
cover, a pipe, a car …) at the same spot (the building, unit and door numbers and the
landmarks such as 东门, 车棚, 篮球场 the text mentions, with 3栋/三号楼/3号楼 read as one
building), still open. Shared wording alone says little: "3栋门口的路灯坏了" and the same
sentence with 5栋 are two lamps; "小区东门那盏灯晚上不亮" and "东门路灯坏了，晚上黑乎乎的" are
one. So `problem_of` extracts the category, the objects and the spot; `same_problem`
compares those and uses the text similarity (cosine of character bigrams) only within them:

- another spot named on both sides (5栋 against 3栋, 东门 against 西门, 3单元 against
  1单元, a lamp at the 车棚 against one at the 篮球场): not a duplicate;
- not the same problem (neither the category nor an object in common): not a duplicate;
- otherwise the score grows with the object in common, the spot in common and the wording.

The place (compound, 100 m) and the time (open, recent) are the selector's filter
(linli.cases.selectors.similar_open_cases)."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

_CJK = re.compile(r"[\u3400-\u9fff]+")
_WORD = re.compile(r"[a-z0-9]+")
# Words every report shares; they say nothing about which problem it is.
_STOP = frozenset("的了是在我们你他她它有和就都也还又很太这那个吗呢吧啊呀请帮一下".strip())
EARTH_RADIUS_M = 6_371_000

# The score from which a case is offered as a possible duplicate (see `same_problem`).
# Measured on pairs written for this purpose (`manage.py duplicates_evaluate`).
THRESHOLD = 0.55


def shingles(text: str) -> Counter:
    text = (text or "").lower()
    grams: Counter = Counter()
    for run in _CJK.findall(text):
        chars = [c for c in run if c not in _STOP]
        if len(chars) == 1:
            grams[chars[0]] += 1
        grams.update(a + b for a, b in zip(chars, chars[1:]))
    grams.update(_WORD.findall(text))
    return grams


def cosine(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(n * b.get(g, 0) for g, n in a.items())
    if not dot:
        return 0.0
    return dot / math.sqrt(sum(n * n for n in a.values()) * sum(n * n for n in b.values()))


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def degree_box(lat: float, metres: float) -> tuple[float, float]:
    """Half-sizes (Δlat, Δlng) in degrees of a square of `metres` around a latitude: a cheap
    index-friendly pre-filter before the exact distance."""
    dlat = metres / 111_320
    dlng = metres / (111_320 * max(0.01, math.cos(math.radians(lat))))
    return dlat, dlng


# ---------------------------------------------------------------- numbers

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"(\d{1,3}|[一二两三四五六七八九十]{1,3})"


def number(word: str) -> int | None:
    """'3' → 3, '三' → 3, '十二' → 12, '二十' → 20; None when it is not a number."""
    if word.isdigit():
        return int(word)
    if not word or any(c not in _DIGITS and c != "十" for c in word):
        return None
    if "十" in word:
        tens, _, ones = word.partition("十")
        return (_DIGITS.get(tens, 1) if tens else 1) * 10 + (_DIGITS.get(ones, 0) if ones else 0)
    if len(word) == 1:
        return _DIGITS[word]
    return None


# ---------------------------------------------------------------- what and where

# The objects a problem is about: the words that name them → one key. Longer words first.
OBJECTS: dict[str, tuple[str, ...]] = {
    "stair_light": ("楼道灯", "楼道的灯", "声控灯", "感应灯", "楼梯灯", "楼道里的灯", "楼道照明"),
    "lamp": ("路灯", "灯杆", "灯泡", "灯罩", "庭院灯", "草坪灯", "照明", "灯", "黑漆漆", "黑乎乎", "黑灯瞎火", "不亮"),
    "manhole": ("井盖", "窨井", "下水道口", "下水道盖", "雨水井", "篦子", "箅子", "井口", "井圈", "盖板", "检查井", "污水井",
                "铁盖", "盖子"),
    "water": ("水管", "自来水", "停水", "水压", "漏水", "爆管", "供水", "水龙头", "没水", "水表", "管子", "管道", "冒水",
              "水箱"),
    "heating": ("暖气", "供暖", "供热", "热力", "地暖", "冒白气", "暖气管"),
    "sewer": ("下水道", "化粪池", "排水沟", "阴沟", "污水", "堵了", "返臭", "反味"),
    "power": ("停电", "电压", "跳闸", "电表", "变压器", "电线", "电缆", "配电箱", "电箱"),
    "gas": ("煤气", "燃气", "天然气", "液化气"),
    "car": ("汽车", "轿车", "suv", "越野车", "皮卡", "出租车", "三轮车", "摩托车", "私家车", "面包车", "货车", "小车",
            "僵尸车", "车位", "停车", "挪车", "车牌", "占道", "堵路"),
    "ebike": ("电动车", "电瓶车", "电驴", "电动自行车", "充电桩", "飞线", "拉线", "充电"),
    "bicycle": ("自行车", "单车"),
    "garbage": ("垃圾", "清运", "垃圾桶", "垃圾箱", "垃圾房", "垃圾站", "废品", "建渣", "渣土"),
    "elevator": ("电梯",),
    "door": ("单元门", "门禁", "门锁", "防盗门", "闭门器", "对讲", "铁门", "大铁门", "道闸", "伸缩门"),
    "handrail": ("扶手", "栏杆", "护栏"),
    "stairs": ("楼梯", "台阶", "踏步"),
    "road": ("路面", "坑", "积水", "塌陷", "下陷", "沥青", "地砖", "人行道", "减速带"),
    "wall": ("围墙", "外墙", "墙皮", "墙面", "挡土墙", "墙体", "瓷砖", "墙砖"),
    "roof": ("漏雨", "屋顶", "楼顶", "天台", "防水"),
    "tree": ("树枝", "树木", "大树", "树", "枯枝", "树杈"),
    "fitness": ("健身器材", "健身器", "单杠", "双杠", "滑梯", "秋千", "跷跷板", "篮球架", "乒乓球台", "座椅", "椅子", "凳子",
                "长椅", "器材"),
    "fire": ("消防通道", "灭火器", "消防栓", "消火栓", "安全出口", "疏散", "应急灯"),
    "clutter": ("杂物", "纸箱", "堆放", "堆满", "旧家具"),
    "noise": ("噪音", "广场舞", "音响", "装修", "施工", "吵", "电钻", "打桩", "喇叭", "ktv", "狗叫"),
    "animals": ("养猪", "猪", "鸡", "鸭", "鹅", "鸽子", "养殖", "粪"),
    "shed": ("违建", "搭建", "棚子", "加盖", "扩建", "彩钢", "柴房", "柴棚", "铁皮房"),
    "theft": ("偷", "盗", "撬", "被盗", "丢了"),
    "fraud": ("诈骗", "骗", "冒充", "推销"),
    "dog": ("狗屎", "狗粪", "遛狗"),
    "ads": ("小广告", "涂鸦", "乱涂乱画"),
    "window": ("窗户", "玻璃", "窗框"),
    "smell": ("臭", "异味", "味道"),
}
_OBJECT_WORDS = sorted(((w, key) for key, words in OBJECTS.items() for w in words), key=lambda p: -len(p[0]))

# Landmarks: a spot inside a compound named by what stands there. Gates by their side.
_GATE = re.compile(r"(东|西|南|北|后|侧|正|前)\s*(大)?门|(\d{1,2}|[一二三四五六七八九十])\s*号\s*门(?!口?的?[0-9])")
LANDMARKS: dict[str, tuple[str, ...]] = {
    "bike_shed": ("车棚", "自行车棚", "电动车棚", "非机动车棚", "充电棚"),
    "garage": ("地下车库", "车库", "地库"),
    "car_park": ("停车场",),
    "garden": ("中心花园", "花园", "小花园", "绿地", "草坪", "绿化带"),
    "square": ("广场", "活动广场"),
    "court": ("篮球场", "球场", "羽毛球场"),
    "fitness_area": ("健身区", "健身广场", "健身路径"),
    "playground": ("儿童乐园", "游乐场", "滑梯那里"),
    "refuse_point": ("垃圾站", "垃圾房", "垃圾点", "垃圾中转站"),
    "kindergarten": ("幼儿园",),
    "school": ("学校", "小学", "中学"),
    "market": ("菜市场", "农贸市场"),
    "property_office": ("物业办公室", "物业中心", "物业那边"),
    "guard_post": ("岗亭", "门岗", "保安亭"),
    "pavilion": ("凉亭", "亭子", "长廊"),
    "pool": ("水池", "池塘", "喷泉"),
    "bridge": ("桥头", "桥上", "桥下", "小桥"),
    "back_lane": ("后巷", "小巷", "巷子", "小路", "背街"),
    "main_road": ("主干道", "主路", "大马路"),
    "bus_stop": ("公交站",),
    "activity_room": ("活动室", "党群服务", "服务站"),
    "basement": ("地下室", "负一楼"),
    "rooftop": ("天台", "楼顶", "屋顶平台"),
    "parcel_point": ("快递柜", "快递驿站", "驿站", "丰巢"),
    "shop": ("超市", "便利店", "小卖部", "药店", "饭馆", "餐馆", "商铺", "门面"),
    "toilet": ("公厕", "公共厕所"),
    "pump_room": ("水泵房", "配电房", "变电箱"),
    "riverside": ("河边", "河道", "沟边"),
    "entrance": ("小区入口", "入口", "出口", "路口"),
}
_LANDMARK_WORDS = sorted(((w, key) for key, words in LANDMARKS.items() for w in words), key=lambda p: -len(p[0]))
_GATE_SIDE = {"东": "east", "西": "west", "南": "south", "北": "north", "后": "back", "侧": "side", "正": "main",
              "前": "main"}

_BUILDING = re.compile(_NUM + r"\s*(?:栋|幢|号楼|座(?!椅))")
_UNIT = re.compile(_NUM + r"\s*单元")
# A floor (三楼, 5层), not a building (3号楼) nor the stairs (楼道, 楼梯) or 楼上/楼下.
# Numbered things (5号车位, 12号路灯杆, 第三盏) and the side of a building or compound (东侧, 北边).
_MARK = re.compile(r"(?<![\d一二两三四五六七八九十])" + _NUM + r"\s*号(?![楼门院])|第\s*" + _NUM + r"\s*[个盏根棵辆块]")
_SIDE = re.compile(r"(东|西|南|北)\s*(?:侧|边|面|头)")
_FLOOR = re.compile(r"(?<![\d号一二两三四五六七八九十])" + _NUM + r"\s*(?:楼|层)(?![道梯下上顶房栋])")
_ROOM = re.compile(r"(\d{3,4})\s*(?:室|号房)|单元\s*(\d{3,4})(?!\d)|(?:栋|幢|号楼)\s*(\d{3,4})(?![\d年])")


@dataclass(frozen=True)
class Spot:
    buildings: frozenset = frozenset()
    units: frozenset = frozenset()
    rooms: frozenset = frozenset()
    floors: frozenset = frozenset()
    marks: frozenset = frozenset()
    sides: frozenset = frozenset()
    gates: frozenset = frozenset()
    landmarks: frozenset = frozenset()

    def __bool__(self):
        return bool(self.buildings or self.units or self.rooms or self.floors or self.marks or self.sides
                    or self.gates or self.landmarks)


def spot_of(text: str) -> Spot:
    text = (text or "").lower()
    buildings = {n for w in _BUILDING.findall(text) if (n := number(w)) is not None}
    units = {n for w in _UNIT.findall(text) if (n := number(w)) is not None}
    rooms = {next(g for g in groups if g) for groups in _ROOM.findall(text)}
    floors = {n for w in _FLOOR.findall(text) if (n := number(w)) is not None}
    marks = {n for groups in _MARK.findall(text) if (n := number(next((g for g in groups if g), ""))) is not None}
    sides = set(_SIDE.findall(text))
    gates = set()
    for side, _big, numbered in _GATE.findall(text):
        if side:
            gates.add(_GATE_SIDE[side])
        elif numbered and (n := number(numbered)) is not None:
            gates.add(f"gate{n}")
    gates.discard("main")  # 正门/前门/大门: whichever gate the compound calls its main one
    landmarks = set()
    rest = text
    for word, key in _LANDMARK_WORDS:
        if word in rest:
            landmarks.add(key)
            rest = rest.replace(word, " ")
    return Spot(frozenset(buildings), frozenset(units), frozenset(rooms), frozenset(floors), frozenset(marks),
                frozenset(sides), frozenset(gates), frozenset(landmarks))


def objects_of(text: str) -> frozenset:
    """The objects named, landmarks left out (垃圾站旁边的路灯 is about a lamp)."""
    rest = (text or "").lower()
    for word, _key in _LANDMARK_WORDS:
        rest = rest.replace(word, " ")
    found = set()
    for word, key in _OBJECT_WORDS:
        if word in rest:
            found.add(key)
            rest = rest.replace(word, " ")
    return frozenset(found)


@dataclass(frozen=True)
class Problem:
    """What a text is about and where: `categories` best first (the case's category, or the
    suggester's first two for a new text), the objects, the spot and the text's bigrams."""

    categories: tuple = ()
    objects: frozenset = frozenset()
    spot: Spot = field(default_factory=Spot)
    grams: Counter = field(default_factory=Counter, compare=False)


def problem_of(text: str, categories=()) -> Problem:
    return Problem(tuple(c for c in categories if c), objects_of(text), spot_of(text), shingles(text))


def _clash(a: frozenset, b: frozenset) -> bool:
    return bool(a and b and a.isdisjoint(b))


def spots_clash(a: Spot, b: Spot) -> bool:
    """Both name a spot of the same kind, and not the same one."""
    if _clash(a.buildings, b.buildings) or _clash(a.rooms, b.rooms) or _clash(a.gates, b.gates) \
            or _clash(a.floors, b.floors) or _clash(a.marks, b.marks) or _clash(a.sides, b.sides):
        return True
    # Units are per building: 3单元 of another building is another spot anyway.
    if _clash(a.units, b.units):
        return True
    # Two landmarks with nothing in common, and no building, unit or gate shared to tie them.
    shared = (a.buildings & b.buildings) or (a.units & b.units) or (a.gates & b.gates)
    return _clash(a.landmarks, b.landmarks) and not shared


def spots_meet(a: Spot, b: Spot) -> bool:
    return bool((a.buildings & b.buildings) or (a.units & b.units) or (a.rooms & b.rooms) or (a.gates & b.gates)
                or (a.floors & b.floors) or (a.marks & b.marks) or (a.sides & b.sides) or (a.landmarks & b.landmarks))


def same_problem(a: Problem, b: Problem) -> float:
    """0..1: how surely `a` and `b` are the same problem at the same spot (both already known
    to be in the same compound or near each other). 0 when another spot is named on both
    sides or when neither the category nor an object is shared.

    What: the same first category and an object in common is surest; an object in common
    under categories that differ counts only when neither side names another object (a
    stolen e-bike and a charging e-bike share the e-bike, not the problem). Where: a spot in
    common beats a spot named on one side only. The wording is the smallest part."""
    return explain(a, b)[0]


def explain(a: Problem, b: Problem) -> tuple[float, str, str]:
    """(score, what, where): `same_problem`'s score and the grounds it stands on, for the
    evaluation's breakdown (what: object+category, object, category, near, none; where:
    clash, meet, one side, neither)."""
    if spots_clash(a.spot, b.spot):
        return 0.0, "-", "clash"
    where_reason = "meet" if spots_meet(a.spot, b.spot) else ("one side" if (a.spot or b.spot) else "neither")
    ca, cb = a.categories, b.categories
    cat_same = bool(ca and cb and ca[0] == cb[0])
    cat_near = bool(set(ca) & set(cb))
    shared = a.objects & b.objects
    one_sided = not a.objects or not b.objects
    if shared and cat_same:
        what, reason = 1.0, "object+category"
    elif shared:
        what, reason = (0.6 if (cat_near and a.objects == b.objects) else 0.3), "object"
    elif cat_same:
        # nothing named on one side, or two things of one kind
        what, reason = (0.85, "category") if one_sided else (0.35, "category, other objects")
    elif cat_near and one_sided:
        what, reason = 0.5, "near"
    else:
        return 0.0, "none", where_reason
    where = 1.0 if where_reason == "meet" else 0.5
    return round(0.55 * what + 0.25 * where + 0.2 * cosine(a.grams, b.grams), 3), reason, where_reason
