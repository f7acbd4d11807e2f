"""Finding duplicate cases on intake: the same problem at the same spot.

A duplicate is the same problem (the object it is about: a lamp, a manhole cover, a pipe, a
car …, what is wrong with it, and its category) at the same spot (the building, unit, door
and floor numbers and the landmarks such as 东门, 车棚, 篮球场 the text mentions, with
3栋/三号楼/3号楼/三幢 read as one building and 东门/东大门/东边大门 as one gate), still open.
Shared wording alone says little: "3栋门口的路灯坏了" and the same sentence with 5栋 are two
lamps; "小区东门那盏灯晚上不亮" and "东门路灯坏了，晚上黑乎乎的" are one. So `problem_of`
extracts the category, the objects (by synonym group: 井盖/下水道盖子/窨井, 电梯/升降梯/直梯),
what is wrong (漏水/渗水/滴水 are one leak) and the spot; `same_problem` compares those and
uses the text similarity (cosine of character bigrams) only within them:

- another spot named on both sides (5栋 against 3栋, 东门 against 西门, 3单元 against
  1单元, 1502 against 1206, a lamp at the 车棚 against one at the 篮球场): not a duplicate;
- another object named on both sides and none in common (the lift against the stairwell's
  lamp of one unit): not a duplicate;
- the same object and what is wrong differs (a stuck lift, a lift covered in adverts): weak;
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

# The score from which a case is offered as a possible duplicate (see `same_problem`): the
# middle of the empty band between the look-alikes and the duplicates of both development
# files (`manage.py duplicates_evaluate`; look-alikes up to 0.55, duplicates from 0.65 but one).
THRESHOLD = 0.6


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

# Keys are paths: "light/street" is a kind of "light". Two keys are the same thing when one is
# the other or a kind of it ("灯" = light fits 路灯 = light/street), and two things when they part
# below a common kind (light/street against light/stair: the street lamp is not the stairwell's).


def _fits(a: str, b: str) -> bool:
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def _meet(a: frozenset, b: frozenset) -> bool:
    return any(_fits(x, y) for x in a for y in b)


def _lexicon(groups: dict[str, tuple[str, ...]]) -> dict[str, list[tuple[str, str]]]:
    """The words by their first character, longer words first, for `_scan`."""
    index: dict[str, list[tuple[str, str]]] = {}
    for key, words in groups.items():
        for word in words:
            index.setdefault(word[0], []).append((word, key))
    for words in index.values():
        words.sort(key=lambda p: -len(p[0]))
    return index


def _scan(text: str, index: dict[str, list[tuple[str, str]]]) -> set:
    """The keys of the words found, read left to right taking the longest word at each place (a
    word inside a longer one is not found again: 路灯杆 is one lamp post, not a lamp and a
    post). Key "" marks words that name nothing (楼道, 门口, 开灯) and only hide what they
    contain. One pass over the text: the cost grows with the text, not with the lexicon."""
    found = set()
    i, n = 0, len(text)
    while i < n:
        for word, key in index.get(text[i], ()):
            if text.startswith(word, i):
                if key:
                    found.add(key)
                i += len(word)
                break
        else:
            i += 1
    return found


# The objects a problem is about, by synonym group: every word a resident may use for one thing.
OBJECTS: dict[str, tuple[str, ...]] = {
    "": ("楼道", "楼梯间", "走廊", "门口", "门前", "单元门口", "楼门口", "开灯", "关灯", "灯光秀", "电话", "车位费",
         "井然", "天井", "车棚", "车库", "地库", "停车场", "电动车棚", "自行车棚", "垃圾站", "垃圾房", "快递柜"),
    "light": ("灯", "灯泡", "灯管", "灯罩", "照明", "黑灯瞎火", "黑漆漆", "黑乎乎", "漆黑", "黑咕隆咚", "亮灯"),
    "light/street": ("路灯", "路灯杆", "灯杆", "灯柱", "庭院灯", "草坪灯", "景观灯", "高杆灯", "太阳能灯"),
    "light/stair": ("楼道灯", "楼道的灯", "楼道里的灯", "声控灯", "感应灯", "楼梯灯", "楼道照明", "走廊灯", "应急灯"),
    "manhole": ("井盖", "窨井", "窨井盖", "下水道盖", "下水道盖子", "下水道口", "雨水井", "检查井", "污水井", "井口", "井圈",
                "铁盖", "井"),
    "drain": ("篦子", "箅子", "雨水篦子", "排水口", "雨水口", "排水沟", "水沟", "沟盖", "盖板", "明沟", "排水"),
    "sewer": ("下水道", "下水管", "下水", "化粪池", "粪池", "阴沟", "污水管", "排污管", "地漏", "马桶"),
    "water": ("水管", "自来水", "自来水管", "供水管", "管道", "管子", "水龙头", "水表", "水箱", "二次供水", "水泵", "停水", "没水", "水压", "不出水"),
    "gas": ("煤气", "燃气", "天然气", "液化气", "燃气管", "气表"),
    "heating": ("暖气", "供暖", "供热", "地暖", "暖气片", "暖气管"),
    "power": ("电线", "电缆", "电线杆", "电杆", "配电箱", "电箱", "电表", "变压器", "停电", "没电", "跳闸", "断电"),
    "elevator": ("电梯", "升降梯", "直梯", "轿厢", "扶梯", "梯子"),
    "door": ("单元门", "门禁", "门锁", "防盗门", "闭门器", "对讲", "楼门", "铁门", "门禁卡"),
    "barrier": ("道闸", "栏杆机", "抬杆", "伸缩门", "电动门", "自动门", "闸机"),
    "railing": ("扶手", "栏杆", "护栏", "围栏", "栅栏", "铁栏杆"),
    "stairs": ("楼梯", "台阶", "踏步", "阶梯", "坡道"),
    "road": ("路面", "坑", "坑坑洼洼", "塌陷", "沥青", "地砖", "人行道", "减速带", "水泥路", "路砖"),
    "wall": ("围墙", "外墙", "墙皮", "墙面", "墙体", "瓷砖", "墙砖", "墙", "砖"),
    "roof": ("屋顶", "楼顶", "天台", "天花板", "顶棚", "吊顶", "房顶", "顶楼", "防水"),
    "tree": ("树", "树枝", "树杈", "枯枝", "大树", "树木", "树叶", "落叶", "树根", "绿化"),
    "fitness": ("健身器材", "健身器", "单杠", "双杠", "杠子", "器材", "漫步机", "篮球架", "乒乓球台"),
    "play": ("滑梯", "秋千", "跷跷板", "沙池", "蹦床"),
    "seat": ("座椅", "椅子", "凳子", "长椅", "长凳"),
    "fire/hydrant": ("消防栓", "消火栓"),
    "fire/extinguisher": ("灭火器",),
    "fire/lane": ("消防通道", "安全出口", "疏散通道", "逃生通道"),
    "car": ("汽车", "轿车", "suv", "越野车", "私家车", "面包车", "货车", "小车", "僵尸车", "车辆", "车位",
            "出租车", "三轮车", "摩托车", "车牌"),
    "ebike": ("电动车", "电瓶车", "电驴", "电动自行车", "电摩", "充电桩", "电瓶"),
    "bicycle": ("自行车", "单车", "共享单车"),
    "garbage": ("垃圾", "垃圾桶", "垃圾箱", "建渣", "渣土", "废品", "厨余", "大件垃圾"),
    "clutter": ("杂物", "纸箱", "旧家具", "东西", "破烂", "鞋柜"),
    "music": ("音响", "喇叭", "广场舞", "跳舞", "跳广场舞", "唱歌", "音乐", "ktv", "卡拉ok"),
    "gambling": ("麻将", "打牌", "斗地主", "赌博", "棋牌室"),
    "renovation": ("装修", "电钻", "打钻", "冲击钻", "施工", "打桩", "切割机", "敲墙"),
    "dog": ("狗", "犬", "遛狗", "狗屎", "狗粪"),
    "animal": ("鸽子", "养鸡", "鸡", "鸭", "鹅", "猪", "养殖", "野猫", "猫"),
    "shed": ("违建", "违章", "搭建", "棚子", "加盖", "扩建", "彩钢", "彩钢棚", "铁皮房", "阳光房"),
    "window": ("窗户", "玻璃", "窗框", "窗"),
    "aircon": ("空调", "外机", "空调外机"),
    "screen": ("屏幕", "显示屏", "触摸屏", "黑屏"),
    "camera": ("监控", "摄像头", "探头"),
    "pipe_gutter": ("雨水管", "落水管", "排水管"),
}
_OBJECT_WORDS = _lexicon(OBJECTS)

# What is wrong with it: two problems of one object differ here (an elevator stuck, an elevator
# covered in adverts). "damage" takes every way of being broken, loose, fallen or missing.
FAULTS: dict[str, tuple[str, ...]] = {
    # words holding a fault's character and naming none (井盖's 盖 is no building, 倒垃圾 no fall)
    "": ("井盖", "盖子", "盖板", "铁盖", "沟盖", "倒垃圾", "不满", "叫物业", "叫人", "门禁卡", "高层", "高楼", "高峰"),
    "damage": ("坏", "破", "损", "不亮", "不量", "失灵", "故障", "不能用", "用不了", "没反应", "不灵", "不动", "停了", "卡",
               "困", "关不上", "打不开", "锁不上", "开不了", "关不了", "抬不起来", "起不来", "松", "晃", "歪", "倾斜", "塌",
               "陷", "翘", "断", "裂", "缝", "掉", "倒", "烂", "碎", "丢", "不见", "没了", "垂", "耷拉", "凹", "鼓包", "脱落"),
    "leak": ("漏", "渗", "滴", "冒水", "喷", "爆", "流了一地", "湿", "发霉", "霉"),
    "overflow": ("堵", "满", "溢", "漫", "返水", "冒污水", "冒脏水", "往外冒", "没人清", "没人收", "清运", "不通"),
    "smell": ("臭", "味", "熏"),
    "noise": ("吵", "噪", "响", "叫声", "狗叫", "乱叫", "一直叫", "鸡叫", "鸟叫", "吠", "嚎", "声音", "大声", "睡不着", "扰民"),
    "dirt": ("屎", "粪", "尿", "脏", "到处拉", "随地大小便", "苍蝇", "蚊子", "老鼠", "蟑螂"),
    "ads": ("广告", "涂鸦", "乱贴", "乱画", "牛皮癣"),
    "theft": ("偷", "盗", "撬", "划", "被砸"),
    "parking": ("乱停", "停放", "停在", "停着", "占道", "僵尸", "挪车", "没挪"),
    "block": ("占用", "占了", "占着", "挡住", "堵住", "过不去", "走不了"),
    "charging": ("充电", "飞线", "拉线", "插线板", "拉电线", "私拉"),
    "fee": ("收费", "费", "收钱", "多收", "价格"),
    "expired": ("过期", "失效", "年检"),
    "flood": ("积水", "淹", "水坑", "一滩水", "泡水"),
    "power_out": ("停电", "没电", "跳闸", "断电"),
    "supply": ("停水", "没水", "水压", "出水小", "水小", "水压不够", "不出水"),
    "cold": ("不热", "温度低", "冷", "冻"),
    "dark": ("黑", "看不见", "看不清", "不亮"),
    "pile": ("堆", "杂物", "占满"),
    "overgrown": ("太高", "很高", "还高", "长高", "高过", "那么高", "挡光", "挡住阳光", "遮", "修剪", "太密", "长得"),
    "keeping": ("养",),
    "building": ("搭", "建", "盖", "占地", "圈地"),
    "danger": ("漏气", "气味", "着火", "冒烟", "火"),
    "throwing": ("高空抛物", "抛物", "扔", "往下丢", "砸下来"),
    "smoke": ("烧", "烟", "抽烟", "吸烟", "烧烤", "烧纸"),
}
_FAULT_WORDS = _lexicon(FAULTS)
# States that go together (a burst pipe leaks and floods, a full bin smells): two of them are
# not two problems. The other faults are problems of their own (adverts, theft, a fee, noise).
CONDITIONS = frozenset({"damage", "leak", "overflow", "smell", "dirt", "flood", "dark", "pile", "danger", "cold",
                        "supply", "power_out", "block"})

# Landmarks: a spot inside a compound named by what stands there; keys are paths as above.
LANDMARKS: dict[str, tuple[str, ...]] = {
    "bike_shed": ("车棚", "自行车棚", "电动车棚", "非机动车棚", "充电棚"),
    "garage": ("地下车库", "车库", "地库", "地下停车场"),
    "car_park": ("停车场",),
    "garden": ("中心花园", "花园", "小花园", "绿地", "草坪", "草地", "绿化带", "花坛"),
    "square": ("广场", "活动广场", "中心广场"),
    "court": ("球场",),
    "court/basketball": ("篮球场",),
    "court/badminton": ("羽毛球场",),
    "court/football": ("足球场",),
    "fitness_area": ("健身区", "健身广场", "健身路径"),
    "playground": ("儿童乐园", "游乐场", "儿童游乐区"),
    "refuse_point": ("垃圾站", "垃圾房", "垃圾点", "垃圾中转站", "垃圾池"),
    "kindergarten": ("幼儿园",),
    "school": ("学校", "小学", "中学"),
    "market": ("菜市场", "农贸市场", "菜场"),
    "property_office": ("物业办公室", "物业中心", "物业那边"),
    "guard_post": ("岗亭", "门岗", "保安亭", "门卫室"),
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
    "riverside": ("河边", "河道", "沟边", "河堤"),
    "entrance": ("小区入口", "入口", "出口", "路口"),
}
_LANDMARK_WORDS = _lexicon(LANDMARKS)

_CN = "一二两三四五六七八九十"
# Gates by their side: 东门, 东大门, 东边大门, 东侧的门; or by number: 2号门. 正门/大门/前门 is
# whichever gate the compound calls its main one: it meets any gate and parts from none.
_GATE = re.compile(r"(东|西|南|北|后|侧)\s*(?:边|侧|面)?\s*的?\s*(大)?门(?![禁锁])"
                   r"|(\d{1,2}|[一二三四五六七八九十])\s*号\s*门(?!口?的?[0-9])")
_GATE_SIDE = {"东": "east", "西": "west", "南": "south", "北": "north", "后": "back", "侧": "side"}
_BUILDING = re.compile(_NUM + r"\s*(?:栋|幢|号楼|座(?!椅)|号院)")
_UNIT = re.compile(_NUM + r"\s*单元")
# Numbered things (5号车位, 12号路灯杆, 第三盏, 第三根) and the side of a building or compound (东侧, 北边).
_MARK = re.compile(r"(?<![\d" + _CN + r"])" + _NUM + r"\s*号(?![楼门院])|第\s*" + _NUM + r"\s*[个盏根棵辆块排]")
_SIDE = re.compile(r"(东|西|南|北)\s*(?:侧|边|面|头)|(东北|西北|东南|西南|东|西|南|北)\s*角")
# Parts of a compound: A区, 二区, 一期, and the garage's levels (负一层, b2).
_ZONE = re.compile(r"(?<![a-z])([a-z])\s*区|" + _NUM + r"\s*(?:区|期)(?!间)|(?:负|地下)\s*" + _NUM + r"\s*(?:层|楼)"
                   r"|(?<![a-z])b\s*([1-3])(?![0-9])")
# A floor (三楼, 5层), not a building (3号楼) nor the stairs (楼道, 楼梯) or 楼上/楼下.
_FLOOR = re.compile(r"(?<![\d号负b" + _CN + r"])" + _NUM + r"\s*(?:楼|层)(?![道梯下上顶房栋])")
# A door number: 502室, 3栋502, 2单元1203, or a bare three- or four-digit number that is not a
# year, an amount or a measure (1502往下滴水). Its floor is read from it (1203 is on the 12th).
_ROOM = re.compile(r"(?<![\d.:：-])(\d{3,4})(?![\d.:：%]|\s*(?:年|元|块|米|平|天|个|次|分|斤|度|号|万|千|毫|公|人|户|辆|w|k))")
_ANY_NUMBER = re.compile(r"[\d" + _CN + r"]")
_ANY_SIDE = re.compile(r"[东西南北后侧]")
_MAIN_GATE = re.compile(r"(?<![单元楼栋幢])(?:大门|正门|前门)")


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
    main_gate: bool = False
    zones: frozenset = frozenset()

    def __bool__(self):
        return bool(self.buildings or self.units or self.rooms or self.floors or self.marks or self.sides
                    or self.gates or self.landmarks or self.main_gate or self.zones)


def spot_of(text: str) -> Spot:
    text = (text or "").lower()
    # Cheap guards first: most texts name no number, or no side; their patterns are not run.
    numbered = _ANY_NUMBER.search(text) is not None
    sided = _ANY_SIDE.search(text) is not None
    buildings = units = floors = marks = rooms = zones = gates = sides = ()
    if numbered:
        buildings = {n for w in _BUILDING.findall(text) if (n := number(w)) is not None}
        units = {n for w in _UNIT.findall(text) if (n := number(w)) is not None}
        floors = {n for w in _FLOOR.findall(text) if (n := number(w)) is not None}
        marks = {n for groups in _MARK.findall(text) if (n := number(next((g for g in groups if g), ""))) is not None}
        rooms = set(_ROOM.findall(text))
        floors |= {int(r) // 100 for r in rooms}
        zones = set()
        for letter, part, below, level in _ZONE.findall(text):
            if letter:
                zones.add(letter)
            elif part and (n := number(part)) is not None:
                zones.add(f"part{n}")
            elif (n := number(below or level)) is not None:
                zones.add(f"b{n}")
    elif "区" in text:
        zones = {letter for letter, *_ in _ZONE.findall(text) if letter}
    if numbered or sided:
        gates = set()
        for side, _big, number_word in _GATE.findall(text):
            if side:
                gates.add(_GATE_SIDE[side])
            elif number_word and (n := number(number_word)) is not None:
                gates.add(f"gate{n}")
        sides = {a or b for a, b in _SIDE.findall(text)} - {s for s, key in _GATE_SIDE.items() if key in gates}
    return Spot(frozenset(buildings), frozenset(units), frozenset(rooms), frozenset(floors), frozenset(marks),
                frozenset(sides), frozenset(gates), frozenset(_scan(text, _LANDMARK_WORDS)),
                "门" in text and _MAIN_GATE.search(text) is not None, frozenset(zones))


def objects_of(text: str) -> frozenset:
    """The objects named, by synonym group ("light/street", "manhole" …); landmarks and words
    that name no object (楼道, 门口) left out: 垃圾站旁边的路灯 is about a lamp. A kind named
    with one of its sorts is the sort (灯 and 路灯: a street lamp)."""
    found = _scan((text or "").lower(), _OBJECT_WORDS)
    return frozenset(k for k in found if not any(o.startswith(k + "/") for o in found))


def faults_of(text: str) -> frozenset:
    """What is wrong, by group ("damage", "leak", "noise", "ads" …)."""
    return frozenset(_scan((text or "").lower(), _FAULT_WORDS))


@dataclass(frozen=True)
class Problem:
    """What a text is about and where: `categories` best first (the case's category, or the
    suggester's first two for a new text), the objects, what is wrong with them, the spot and
    the text's bigrams."""

    categories: tuple = ()
    objects: frozenset = frozenset()
    spot: Spot = field(default_factory=Spot)
    grams: Counter = field(default_factory=Counter, compare=False)
    faults: frozenset = frozenset()


def problem_of(text: str, categories=()) -> Problem:
    return Problem(tuple(c for c in categories if c), objects_of(text), spot_of(text), shingles(text),
                   faults_of(text))


def _clash(a: frozenset, b: frozenset) -> bool:
    return bool(a and b and a.isdisjoint(b))


def spots_clash(a: Spot, b: Spot) -> bool:
    """Both name a spot of the same kind, and not the same one."""
    if _clash(a.buildings, b.buildings) or _clash(a.rooms, b.rooms) or _clash(a.gates, b.gates) \
            or _clash(a.floors, b.floors) or _clash(a.marks, b.marks) or _clash(a.sides, b.sides) \
            or _clash(a.zones, b.zones):
        return True
    # Units are per building: 3单元 of another building is another spot anyway.
    if _clash(a.units, b.units):
        return True
    # Two landmarks with nothing in common, and no building, unit or gate shared to tie them.
    shared = (a.buildings & b.buildings) or (a.units & b.units) or (a.gates & b.gates)
    return bool(a.landmarks and b.landmarks and not _meet(a.landmarks, b.landmarks) and not shared)


def spots_meet(a: Spot, b: Spot) -> bool:
    return bool((a.buildings & b.buildings) or (a.units & b.units) or (a.rooms & b.rooms) or (a.gates & b.gates)
                or (a.floors & b.floors) or (a.marks & b.marks) or (a.sides & b.sides)
                or _meet(a.landmarks, b.landmarks) or (a.main_gate and b.main_gate)
                or (a.main_gate and b.gates) or (b.main_gate and a.gates) or (a.zones & b.zones))


def same_problem(a: Problem, b: Problem) -> float:
    """0..1: how surely `a` and `b` are the same problem at the same spot (both already known
    to be in the same compound or near each other). 0 when another spot is named on both
    sides, when each side names an object the other does not and none in common (the lift
    and the stairwell's lamp of one building), or when neither an object, the category nor
    what is wrong is shared.

    What: an object in common is surest, the category in common counts when one side names
    no object; either is weakened when both say what is wrong and not the same thing (a
    stuck lift is not a lift covered in adverts). Where: a spot in common beats a spot named
    on one side only. The wording is the smallest part."""
    return explain(a, b)[0]


def explain(a: Problem, b: Problem) -> tuple[float, str, str]:
    """(score, what, where): `same_problem`'s score and the grounds it stands on, for the
    evaluation's breakdown (what: object, category, near, faults, other objects, none, each
    with "other fault" when what is wrong differs; where: clash, meet, one side, neither)."""
    if spots_clash(a.spot, b.spot):
        return 0.0, "-", "clash"
    where_reason = "meet" if spots_meet(a.spot, b.spot) else ("one side" if (a.spot or b.spot) else "neither")
    ca, cb = a.categories, b.categories
    cat_same = bool(ca and cb and ca[0] == cb[0])
    cat_near = bool(set(ca) & set(cb))
    fault_same = bool(a.faults & b.faults)
    fault_other = bool(a.faults and b.faults and not fault_same
                       and not (a.faults <= CONDITIONS and b.faults <= CONDITIONS))
    if a.objects and b.objects:
        if _meet(a.objects, b.objects):
            what, reason = (1.0 if cat_near else 0.9), "object"
        elif cat_same and fault_same:
            what, reason = 0.6, "other objects, same category"  # an object in passing (车过不去)
        else:
            return 0.0, "other objects", where_reason
    elif cat_same:
        what, reason = 0.85, "category"
    elif cat_near:
        what, reason = (0.75 if fault_same else 0.6), "near"
    elif fault_same and (a.objects or b.objects):
        what, reason = 0.6, "faults"
    else:
        return 0.0, "none", where_reason
    if fault_other:
        what, reason = what * 0.45, reason + ", other fault"
    where = {"meet": 1.0, "one side": 0.55, "neither": 0.45}[where_reason]
    return round(what * (0.5 + 0.35 * where + 0.15 * cosine(a.grams, b.grams)), 3), reason, where_reason
