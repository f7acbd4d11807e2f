"""A labelled corpus of residents' requests, for evaluating and demonstrating the category
suggester (linli.triage) before a deployment has handled cases of its own.

The situations are those of the seed articles — cars parked anywhere, rubbish not collected,
broken manhole covers and dark street lights, the pig farm next to 华宇小区, the heating pipe
laid under 旧电信局家属楼, e-bikes charged by a wire hung from a window, sheds built on shared
ground, lonely old people and health checks — written the way people write them: polite,
angry, colloquial, as a hotline or patrol record, short or long, sometimes mentioning a second
problem on the way, and often with the keywords of another category in them (a stolen
e-bike is 治安, not 电动车充电; a dispute about a leaking ceiling is 邻里纠纷, not 供水).

Each text is one category's core situation (many per category, with slots for places,
spots, times and objects) wrapped in an opener, details, an impact and a closing line, so a
random 80/20 split does not just find the same sentences on both sides; `generate` also
returns which core situation a text came from, for a split that holds whole situations out.

    labelled_texts(3000, seed=7) -> [(text, category_code), ...]
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

# ---------------------------------------------------------------- shared slots

COMPOUNDS = [
    "汉都华府二期", "绿洲路126号大院", "利台生活小区", "金穗苑", "盛世豪庭", "银河小区", "华宇小区",
    "邮政小区", "通工小区", "金桥花苑", "旧电信局家属楼", "绿洲路143号大院", "东原西岸", "花样年五期",
    "新城小区", "荷花小区", "芙蓉街老院子", "平安路小区", "毛纺厂宿舍", "人民路56号院",
]

SLOTS: dict[str, list[str]] = {
    "place": COMPOUNDS,
    "b": [str(i) for i in range(1, 19)],
    "u": ["1", "2", "3", "4"],
    "floor": ["一楼", "二楼", "三楼", "四楼", "五楼", "六楼", "七楼", "顶楼", "18楼", "11楼"],
    "spot": [
        "{b}栋{u}单元门口", "{b}号楼下", "{b}栋后面", "小区1号门", "2号门外", "东门", "西门口", "后门那里",
        "小区大门口", "中心花园", "篮球场边上", "车库入口", "地下车库", "北边那条小路", "背街小巷", "菜市场旁边",
        "幼儿园门口", "物业办公室门口", "垃圾站旁边", "停车场那边", "老年活动室门口", "主干道上", "围墙外面",
        "健身器材那里", "{place}门口", "{place}里面", "我家楼下", "我们单元门口", "进小区那个路口", "小区花坛边",
        "党群服务站对面", "公交站旁边", "学校后门", "{b}栋和{b}栋中间", "凉亭附近", "议事长廊那边",
    ],
    "when": [
        "最近", "这几天", "这段时间", "从上周开始", "每天晚上", "昨天夜里", "今天早上", "周末", "好长时间了",
        "一到下雨天", "天天", "这个月", "入冬以来", "开春以后", "前天", "这两天",
    ],
    "dur": ["三天", "一个星期", "半个月", "一个多月", "好几个月", "两个礼拜", "十来天", "大半年", "快一年"],
    "tod": ["晚上十点以后", "凌晨两三点", "中午", "一大早六点", "半夜", "傍晚", "晚上十一二点", "凌晨"],
    "person": ["我家老人", "我妈", "隔壁的王大爷", "楼上的李奶奶", "一位老人", "我父亲", "邻居孟大爷", "一个老太太"],
    "n": ["三", "五", "七", "十几", "好几", "两"],
}

OPENERS = {
    "resident": ["", "", "您好，", "你好，", "网格员您好，", "社区领导好，", "麻烦一下，", "打扰了，",
                 "我是{place}{b}栋的住户，", "我住{place}，", "本人{place}业主，", "我是{b}栋{u}单元的，",
                 "反映个问题：", "想反映一个情况，"],
    "hotline": ["市民来电反映：", "12345转办：来电人反映", "居民来电称，", "群众反映，", "来电人称其住{place}，",
                "热线工单：{place}居民反映"],
    "patrol": ["网格员巡查发现：", "入户走访时居民反映：", "院坝会上居民提出：", "楼栋长报告：", "周末议事厅收集：",
               "巡查记录：{place}"],
    "angry": ["又来反映了！", "实在受不了了，", "说了多少次了，", "你们到底管不管？", "气死人了，", "第三次反映了，"],
    "elder": ["说个事哈，", "我老头子想问问，", "哎，", "我们老年人不会打字，让孙子帮着写：", "我想说一下，"],
}

CLOSERS = {
    "resident": ["", "希望尽快处理。", "麻烦派人来看看。", "谢谢！", "请社区协调解决。", "盼回复。",
                 "请尽快安排。", "拜托了", "这个问题什么时候能解决？", "辛苦了。", "谢谢网格员"],
    "hotline": ["请核实处理。", "望尽快解决。", "来电人要求回复。", "请相关部门处理。", ""],
    "patrol": ["已拍照留存，请处置。", "需协调处理。", "已告知居民会上报。", ""],
    "angry": ["都反映好几次了，还是没人管！", "太不像话了！！", "再不管我就打12345了", "到底有没有人管",
              "能不能干点实事！"],
    "elder": ["麻烦你们了", "谢谢你们啊", "你们有空来看看嘛", "我们老年人真的没办法"],
}


@dataclass(frozen=True)
class Situations:
    core: list[str]          # the category's situations, one per phrasing
    short: list[str]         # terse forms (a title, a patrol note)
    details: list[str]       # what makes it worse
    slots: dict[str, list[str]] | None = None


CATEGORY_TEXTS: dict[str, Situations] = {
    "env_sanitation": Situations(
        core=[
            "{spot}的绿化带里全是塑料袋和烟头，{dur}没人打扫",
            "{spot}污水横流，味道特别难闻",
            "小区里到处贴着小广告，{spot}的墙上、电线杆上贴满了，很难看",
            "{spot}那块空地脏乱差，蚊子苍蝇特别多",
            "楼下饭馆把泔水直接倒在{spot}，臭得要命",
            "{spot}有只死老鼠{dur}了也没人清理",
            "下水道反味，{spot}一股臭味，夏天更严重",
            "公共区域{dur}没人管了，落叶和杂物都堆在{spot}",
            "{spot}的排水沟里全是淤泥，发黑发臭",
            "有人遛狗不清理狗屎，{spot}一地的狗粪，环境太差",
            "{spot}的景观水池好久没换水了，水都绿了还发臭，虫子很多",
            "保洁阿姨好像不来了，{spot}地上脏兮兮的",
            "小区卫生死角太多，{spot}尤其脏，建议组织大扫除",
            "墙上被人乱涂乱画，{spot}那一片乱七八糟的",
            "有人在{spot}晒咸菜、摊了一地的东西，招苍蝇",
            "河沟里漂满了白色垃圾，水也臭了",
        ],
        short=["{spot}脏乱差", "{spot}很臭，蚊蝇多", "环境卫生差", "{spot}小广告太多"],
        details=["天一热味道更大", "路过都得捂着鼻子", "家里窗户都不敢开", "孩子在旁边玩很不卫生",
                 "创文明城市检查也过不了"],
    ),
    "garbage": Situations(
        core=[
            "{spot}的垃圾桶{dur}没人清运了，都满出来了",
            "垃圾房里的垃圾堆成山，{when}都没拉走",
            "垃圾车{dur}没来了，{spot}的垃圾越堆越多",
            "{spot}有人倒了一堆建筑垃圾，碎砖头和水泥袋子一直没人拉",
            "小区垃圾桶太少了，{spot}那边每天都装满，大家只能扔地上",
            "旧沙发、旧床垫这些大件扔在{spot}，{dur}了也没人收",
            "垃圾站清运不及时，下雨天渗出来的水都流到路上了",
            "收垃圾的一天只来一次根本不够，{spot}的桶早上就满了",
            "{spot}的垃圾箱没盖子，被野猫翻得满地都是",
            "垃圾分类的桶摆在{spot}，可是从来没人来收",
            "{spot}堆的垃圾已经{dur}了，谁来管管",
            "清运车拉垃圾时撒了一路，{spot}到处都是",
            "1号门口的垃圾房又满了，一进大门就看到垃圾成堆",
            "过年期间垃圾没人收，{spot}堆得跟小山一样",
        ],
        short=["{spot}垃圾没人收", "垃圾{dur}没清运", "垃圾满了", "{spot}堆放垃圾"],
        details=["臭气熏人", "野狗野猫天天来翻", "老人扔垃圾都没地方下脚", "蚊蝇横飞"],
    ),
    "parking": Situations(
        core=[
            "{spot}天天有{vehicle}乱停，把路都堵死了",
            "{vehicle}停在{spot}的人行道上，老人推轮椅都过不去",
            "有辆{vehicle}在{spot}停了{dur}没动过，像是僵尸车",
            "外来车辆随便开进小区，停得到处都是，{spot}根本走不了",
            "我家的车位被别人的{vehicle}占了，打挪车电话也不接",
            "{tod}回来{spot}全是车，横七竖八的，出个门都难",
            "{vehicle}停在{spot}，挡着单元门口，早上出门要侧着身子挤",
            "{spot}那一段两边都停满了车，两辆车根本会不了车",
            "送货的车每天堵在{spot}卸货，后面的车出不去",
            "摩托车、三轮车到处乱放，{spot}都成停车场了",
            "{spot}被车挡死了，救护车要是来了都进不去",
            "有人在{spot}用地锁和石墩子占位子，自己的车不在也不让别人停",
            "小区车太多车位太少，{tod}回来只能停在路边",
            "大院里车辆乱停乱放，{spot}天天堵",
        ],
        short=["{spot}乱停车", "{vehicle}挡路", "车辆乱停乱放", "{spot}车堵了"],
        details=["按喇叭按半天也没人来挪", "小孩从车缝里跑出来很危险", "跟门卫说了也不管",
                 "刮了好几次别人的车"],
        slots={"vehicle": ["私家车", "小轿车", "面包车", "货车", "摩托车", "三轮车", "外地牌照的车", "出租车",
                           "一辆白色轿车", "一辆黑色SUV", "一辆皮卡"]},
    ),
    "ebike_charging": Situations(
        core=[
            "{floor}有人从窗户拉线下来给电动车充电，电线吊在半空中",
            "楼道里停满了电瓶车，还有人插着线充电，万一起火怎么办",
            "{spot}飞线充电的太多了，电线像蜘蛛网一样",
            "小区没有充电桩，大家只能把电动车推回家充电",
            "有人把电动车推进电梯带回家里充电",
            "{spot}的充电桩{dur}用不了，扫码也充不上电",
            "能不能在{spot}装几个充电桩？现在给电瓶车充电太难了",
            "{tod}有人把电瓶车停在楼梯间充电，电池发烫还有焦味",
            "邻居用插线板从{floor}窗户吊下来给电瓶车充电，线就挂在过道上",
            "{spot}的充电插座只有两个，根本不够用，天天抢",
            "车棚里有人私接电线，给好几辆电瓶车一起充",
            "对门把电动车电池拿回家里，在客厅充了一整夜",
            "私自拉线给电动车充电的越来越多了，{spot}一排插线板",
        ],
        short=["{spot}飞线充电", "电动车在楼道充电", "私拉电线充电", "缺充电桩"],
        details=["电线都老化了", "下雨天插头泡在水里", "新闻上电瓶车起火烧死人的事太吓人了",
                 "线从二楼一直拉到地上"],
    ),
    "illegal_building": Situations(
        core=[
            "{floor}住户把阳台往外扩建了一大块，占用公共空间",
            "有人在{spot}搭了个柴棚，堆满了木头和杂物",
            "顶楼有户人家在楼顶加盖了一间房，{dur}在施工",
            "{spot}有人私自圈地搭棚子，还用铁皮围起来",
            "一楼住户把院子围起来盖了个小房子，挡住了大家走的路",
            "{spot}那几间柴房{dur}了也没拆，特别碍眼",
            "有人在{spot}的公共绿地上搭彩钢瓦棚子",
            "楼下商铺私自往外扩建，把人行道占了一半",
            "{spot}新冒出来一个违建，晚上偷偷在砌墙",
            "有住户把楼道尽头砌墙封起来，当成自家的储物间",
            "对面楼有人在露台上搭了个阳光房，铁架子伸出来一大截",
            "大院里私搭乱建的小房子越来越多，公共空间都被占了",
            "有人在{spot}挖地基，说要盖车库",
        ],
        short=["{spot}私搭乱建", "{spot}有违建", "违章搭建", "乱搭棚子"],
        details=["消防车都进不来", "说了也不拆", "大家都学他，越搭越多", "挡住了我家采光"],
    ),
    "facilities": Situations(
        core=[
            "{spot}的健身器材坏了，{item}断了，小孩玩很危险",
            "小区的休闲凳{dur}前就烂了，老人没地方坐",
            "{spot}的围墙裂了一条大缝，感觉随时要倒",
            "景观水池边上的护栏破损了，小朋友在旁边玩很危险",
            "{spot}的排水渠盖板坏了好几块，走路容易踩空",
            "{spot}的信报箱锈坏了，小门都掉下来了",
            "小区大门的道闸坏了，{dur}一直开着",
            "{spot}的儿童滑梯裂开了，边上很锋利",
            "凉亭的顶棚破了个大洞，一下雨就漏",
            "公共厕所的水龙头和门锁都坏了，没人维修",
            "{spot}的宣传栏玻璃碎了，碎片还在地上",
            "小区的监控摄像头{dur}没修，一直是黑屏",
            "晾衣架倒了，砸坏了旁边的花台",
            "{spot}的铁栏杆锈断了，一碰就晃",
        ],
        short=["{spot}设施坏了", "健身器材损坏", "护栏破损", "{item}坏了"],
        details=["修了好几次又坏", "螺丝都掉了", "万一砸到人怎么办", "不知道该找谁修"],
        slots={"item": ["单杠", "扶手", "转轮", "座椅", "踏板", "秋千的链子"]},
    ),
    "manhole": Situations(
        core=[
            "{spot}的井盖不见了，只剩一个黑洞",
            "{spot}路中间的井盖碎了一半，晚上看不见很危险",
            "井盖松了，车一压就哐当哐当响，{tod}吵得睡不着",
            "{spot}的下水道口盖子翘起来了，已经有人崴了脚",
            "雨水井的盖子被压坏了，{spot}陷下去一个洞",
            "{spot}有个窨井没盖，就用几块砖头挡着",
            "污水井的盖子破了，{spot}一直往外冒脏水",
            "井盖被人偷了，只在旁边放了个塑料桶",
            "{spot}那个窨井盖比路面高出一截，骑电动车差点摔了",
            "麻烦看看{spot}的井盖，踩上去晃得厉害",
            "检查井的盖子下沉了，周围的路面也跟着裂",
            "{spot}的井盖裂成几块了，上面就盖了块木板",
        ],
        short=["{spot}井盖坏了", "井盖丢了", "井盖破损", "窨井没盖"],
        details=["小孩掉下去怎么办", "晚上看不清", "已经有人踩空了", "车轮都卡进去过"],
    ),
    "streetlight": Situations(
        core=[
            "{spot}的路灯{dur}不亮了，晚上黑漆漆的",
            "背街小巷没有路灯，{tod}回家要打手电筒",
            "{spot}的路灯一闪一闪的，一会亮一会灭",
            "路灯白天一直亮着，晚上反而不亮",
            "{spot}那几盏灯坏了，晚上走路心里发慌",
            "小区里{n}盏路灯只有一两盏是亮的",
            "路灯杆被车撞歪了，灯罩也掉了",
            "{spot}晚上黑灯瞎火的，老人摔了一跤，能不能把灯修一修",
            "路灯的电线露在外面，下雨天怕漏电",
            "{tod}那条路上一点光都没有，灯一直没人修",
            "新装的太阳能灯没几天就不亮了",
            "{spot}的灯泡烧了，{dur}没换",
        ],
        short=["{spot}路灯不亮", "路灯坏了", "没有路灯", "灯不亮"],
        details=["女孩子晚上下班都不敢走", "前几天还有人在那里摔倒", "心里不踏实", "只能开手机电筒"],
    ),
    "road": Situations(
        core=[
            "{spot}的路面坑坑洼洼的，一下雨全是积水",
            "小区主干道塌陷了一块，{dur}了还没修",
            "{spot}的人行道砖松了，一踩溅一身泥水",
            "路面破得厉害，骑车经过颠得人难受",
            "{spot}一到下雨天就积水，水能没过脚脖子",
            "施工挖开的路{dur}了还没恢复，就用铁板盖着",
            "进小区的那段路全是大坑，车底盘都刮了",
            "{spot}的水泥路开裂了，裂缝越来越宽",
            "下雨天{spot}变成一片泥塘，路一直没硬化",
            "{spot}的台阶和路面之间塌了个坑，轮椅过不去",
            "小区道路年久失修，{spot}那段全是碎石子",
            "路中间鼓起来一块，晚上骑车容易摔",
        ],
        short=["{spot}路面坑洼", "{spot}积水严重", "道路破损", "路面塌陷"],
        details=["老人走路摔了好几个", "雨天根本没法走", "鞋子都湿透了", "电瓶车差点翻了"],
    ),
    "stairwell": Situations(
        core=[
            "{b}栋{u}单元楼道的声控灯坏了，晚上上楼只能摸黑",
            "楼梯扶手松了，老人扶着上楼晃得厉害",
            "单元门的门禁坏了，{dur}都关不上",
            "楼道里被人堆满了旧家具和纸箱子，走路都要侧身",
            "楼梯台阶缺了一角，{tod}上楼差点绊倒",
            "楼道墙皮大块大块往下掉，地上全是灰",
            "{floor}到{floor}的楼道灯不亮，跺脚也没反应",
            "楼道的窗户玻璃碎了，风呼呼往里灌",
            "单元门口的台阶坏了，推婴儿车上不去",
            "我们单元的楼梯{dur}没人打扫，扶手上全是灰",
            "楼道里有人放了辆旧自行车和一堆花盆，挡着路",
            "{b}栋的单元门一直关不严，门锁也是坏的",
            "楼道的墙被小广告和涂鸦弄得很脏，想粉刷一下",
        ],
        short=["{b}栋楼道灯坏了", "单元门坏了", "楼道堆满杂物", "楼梯扶手松动"],
        details=["老人上下楼很吃力", "孩子上学要摸黑下楼", "跟楼栋长说过了", "快递员都抱怨"],
    ),
    "property": Situations(
        core=[
            "物业{dur}不管事，{spot}的草长得比人高也没人修剪",
            "门卫形同虚设，什么人都能随便进小区",
            "电梯{dur}坏了三次，{floor}的老人上下楼太难了",
            "物业费年年收，服务越来越差",
            "保安晚上在岗亭里睡觉，叫都叫不醒",
            "物业经理的电话一直打不通，有事找不到人",
            "电梯里困过人，物业说在等配件，{dur}了还没修好",
            "小区没有物业，{dur}都是没人管的状态",
            "物业换了新公司，交接没弄好，现在报修都没人来",
            "物业私自把小区公共区域租出去收钱，收益也不公开",
            "业委会和物业互相推，问题一直拖着",
            "物业上门维修乱收费，也没有个标准",
            "物业的保洁和保安都撤了，说是业主欠费",
            "电梯按钮坏了一半，物业说没钱修",
        ],
        short=["物业不作为", "电梯又坏了", "物业不管事", "门卫不在岗"],
        details=["交了钱却享受不到服务", "大家都不愿意交物业费了", "投诉了好几次", "态度还很差"],
    ),
    "utilities": Situations(
        core=[
            "家里暖气一点都不热，{dur}了，屋里才十几度",
            "{when}突然停水，也没提前通知",
            "{spot}的水管爆了，水哗哗往外流",
            "水压太低，{floor}以上根本上不去水",
            "自来水发黄，有股铁锈味，不敢喝",
            "小区在铺供热管道，挖到{spot}楼底下了，担心影响楼房安全",
            "暖气片漏水，把木地板都泡了",
            "热力公司说我们楼的管道老化，要等明年才换",
            "冬天暖气时冷时热，交了取暖费却不热",
            "{spot}的总水阀坏了，一直在滴水",
            "楼里的主下水管堵了，脏水往一楼家里倒灌",
            "供暖都开始{dur}了，我们这栋还是冰凉的",
            "热水器没问题，就是水龙头一开全是气泡，水时有时无",
        ],
        short=["暖气不热", "又停水了", "水管漏水", "水压低"],
        details=["家里有老人孩子", "做饭洗澡都成问题", "打电话问也没人说清楚", "每年都这样"],
    ),
    "neighbour_dispute": Situations(
        core=[
            "楼上邻居家漏水渗到我家天花板，找他好几次都不理",
            "隔壁把鞋柜和杂物放到我家门口，说了还跟我吵",
            "和对门因为{topic}的事闹矛盾，{dur}了，想请社区调解一下",
            "邻居养的狗天天在我家门口拉屎，说他他还骂人",
            "楼下把空调外机装在我家窗户下面，热风直吹，商量不通",
            "两家为了{spot}那块空地谁来用吵起来了，差点动手",
            "邻居在公共过道装了一扇门，把两家共用的过道占了",
            "楼上往下扔烟头、泼水，跟他们讲道理不听",
            "隔壁装修把我家墙打裂了，不肯赔偿",
            "{person}和邻居因为{topic}起了纠纷，希望社区出面",
            "邻居家的树长到我家院子里，挡光，沟通没结果",
            "楼上晾衣服一直往我家阳台滴水，说了好几次还是这样",
            "两口子和楼下老两口为一点小事吵了好几回，想找个人评评理",
        ],
        short=["邻里纠纷，请调解", "和邻居闹矛盾", "邻居不讲理", "请帮忙调解"],
        details=["我们年纪大了吵不过", "再这样下去要打起来了", "物业说他们管不了", "想找个中间人说和说和"],
        slots={"topic": ["漏水", "占用过道", "养狗", "装修", "晾衣服滴水", "停车位", "空调外机", "堆杂物"]},
    ),
    "noise": Situations(
        core=[
            "{spot}的广场舞音响开得太大声，{tod}还在跳",
            "楼上{tod}还在装修，电钻声吵得人头疼",
            "{floor}那家每天半夜拖椅子、蹦蹦跳跳，楼下根本睡不着",
            "小区门口的烧烤摊{tod}还在喝酒划拳，一直闹到凌晨",
            "旁边KTV的声音一直传过来，关着窗户都能听见",
            "工地{tod}还在施工，打桩机震得整栋楼都在响",
            "有人在{spot}遛狗，狗一直叫，{dur}了",
            "停车场里有辆车的防盗器半夜老是响",
            "垃圾车每天凌晨四点来收垃圾，哐哐的声音把人吵醒",
            "楼下的店铺用喇叭循环放广告，整天吵",
            "{spot}的空调外机嗡嗡响一整晚",
            "周末一大早就有人在{spot}吹唢呐练乐器",
            "{tod}楼上还在打麻将，洗牌的声音特别响",
            "旁边学校的大喇叭天天早上六点就开始放",
        ],
        short=["{tod}噪音扰民", "广场舞太吵", "装修太吵了", "噪音太大"],
        details=["家里有高考生要复习", "老人心脏不好受不了", "孩子被吓哭好几次", "已经一个星期没睡好觉了"],
    ),
    "livestock": Situations(
        core=[
            "{spot}附近有人在家里养了几十头猪，粪便随便排",
            "小区后面有个养猪场，{when}臭味飘过来，窗户都不能开",
            "隔壁院子里养了一群鸡鸭，满地鸡屎，味道很大",
            "有户人家在{spot}搭了鸡舍养鸡，天不亮就打鸣",
            "养殖户把猪粪直接冲进沟里，{spot}的沟里全是粪水",
            "附近村里猪场的污水排到河里，河水都发黑了",
            "有人在楼顶养鸽子，鸽子粪掉得到处都是",
            "小区旁边的养牛场，苍蝇特别多，{dur}了",
            "{place}旁边有户人家养了四十多头猪仔，臭气熏天",
            "有人在自家院坝里养羊，羊粪堆在{spot}",
            "城中村有人养狗卖狗，几十条关在一起，又臭又脏",
        ],
        short=["附近养猪很臭", "养殖污染", "有人养鸡鸭", "猪场臭味"],
        details=["夏天苍蝇成群", "怕传染病", "跟他说了他说是祖传的手艺", "熏得人头晕"],
    ),
    "public_security": Situations(
        core=[
            "我的电动车昨晚在{spot}被偷了",
            "{spot}最近有陌生人晚上转悠，看着很可疑",
            "家里门锁被撬了，好在没丢东西，希望加强巡逻",
            "{tod}有人在{spot}打架，还拿着棍子",
            "{person}接到诈骗电话，差点把钱转出去了",
            "小区里好几辆车的车窗被砸，东西被偷",
            "有人在{spot}聚众赌博，好多陌生人进进出出",
            "楼下来了推销保健品的，专门骗老人的钱",
            "{spot}的自行车隔三差五就丢一辆",
            "有醉汉在{spot}闹事，摔酒瓶子",
            "放在门口的快递被人偷走好几次了",
            "有人冒充燃气公司上门收费，{person}差点被骗",
            "{tod}有人在挨家挨户敲门，问是谁也不说",
        ],
        short=["{spot}有小偷", "遇到诈骗", "有可疑人员", "东西被偷了"],
        details=["已经报了110", "监控也没拍清楚", "大家晚上都不敢出门", "丢了好几次了"],
    ),
    "fire_safety": Situations(
        core=[
            "{spot}的消防通道被车堵死了，消防车根本进不来",
            "楼道里的灭火器都过期了，压力表指在红区",
            "{floor}闻到很浓的燃气味，怀疑哪里漏气了",
            "消火栓里没水，箱子也被人撬开了",
            "有人在{spot}堆了很多纸箱和泡沫，一个烟头就能点着",
            "饭店后厨的煤气罐就摆在过道上，太危险了",
            "安全出口的门被锁住了，真着火了跑不出去",
            "{spot}的电线老化，经常冒火花",
            "楼道里的应急灯和疏散指示牌都不亮了",
            "有人在{spot}烧纸烧杂物，火苗窜得很高",
            "地下车库的喷淋头被人拆了",
            "消防通道上画的黄线被摆摊的占满了",
            "{b}栋的防火门一直用木头顶着开着",
        ],
        short=["消防通道堵了", "有火灾隐患", "燃气泄漏", "灭火器过期"],
        details=["真出事就晚了", "楼里住的都是老人", "上次就差点着起来", "一烧起来整栋楼都完了"],
    ),
    "hardship": Situations(
        core=[
            "{person}独居，行动不便，想申请有人上门照顾",
            "{person}一个人住，生病了没人照顾，能不能帮帮忙",
            "家里困难，孩子上学的钱凑不齐，想问问有没有救助",
            "社区什么时候组织老年人免费体检？我爸腿脚不好去不了医院",
            "{place}的独居老人{dur}没见下楼了，有点担心",
            "残疾人出门不方便，想请志愿者帮忙买菜",
            "老伴住院了，家里就我一个，看病的钱也紧张",
            "失业好几个月了，家里快揭不开锅了",
            "希望社区能组织义诊，给楼里的老人量量血压",
            "{person}家里的灯坏了自己不会修，能不能派人帮一下",
            "高龄老人需要有人定期上门看看",
            "孩子父母都在外地打工，奶奶带着两个孙子，生活很吃力",
            "{person}瘫痪在床，家里人照顾不过来",
            "大病之后欠了很多钱，想申请临时救助",
        ],
        short=["独居老人需要帮扶", "家庭困难求助", "老人需要照顾", "申请救助"],
        details=["子女都在外地", "每个月就几百块钱退休金", "腿脚不好下不了楼", "实在没办法了才来找社区"],
    ),
    "policy": Situations(
        core=[
            "想咨询一下{item}怎么办理，需要带什么材料",
            "开{cert}要去哪里开？社区能开吗？",
            "{item}是在网上交还是去窗口交？",
            "外地户口在这边能不能办居住证？",
            "请问高龄补贴多大年龄可以领？",
            "孩子上学要居住证明，找谁办",
            "老旧小区改造的政策是怎么样的，我们小区能不能申请",
            "退休了，医保关系怎么转过来？",
            "电动车上牌现在是什么规定",
            "生育补贴现在还有吗？怎么申请",
            "残疾证年审在哪里办",
            "我想问问低保的申请条件是什么",
            "{item}断缴了几个月，还能补吗",
            "新出生的孩子户口在哪里上",
        ],
        short=["咨询{item}", "开{cert}", "问个政策", "办证咨询"],
        details=["网上看了半天没看懂", "跑了好几趟了", "窗口说要社区盖章", "时间有点急"],
        slots={"item": ["社保", "医保", "养老保险", "灵活就业社保", "城乡居民医保", "老年证", "公积金"],
               "cert": ["居住证明", "无犯罪记录证明", "独生子女证明", "收入证明", "亲属关系证明", "死亡证明"]},
    ),
    "suggestion": Situations(
        core=[
            "建议在{spot}多放几张休闲椅，老人散步累了可以坐",
            "希望社区多组织些文化活动，比如合唱班、舞蹈班",
            "能不能在{spot}划一些停车位，现在停车太乱了",
            "建议小区设个共享书屋，孩子放学有地方看书",
            "希望在水池边上装个护栏，小孩在旁边玩太危险",
            "小区能不能开个爱心食堂，方便老人吃饭",
            "建议多宣传垃圾分类，好多人还不会分",
            "提个建议：{spot}种点花草，现在光秃秃的",
            "希望周末议事厅能多开几次，大家有话当面说",
            "能否在{spot}增设一些儿童游乐设施",
            "建议办个电动车安全充电的讲座",
            "对小区改造有个想法，{spot}的空地可以改成小广场",
            "建议在小区设个爱心理发点，老人理发不用跑远",
            "希望能建个老年活动室，下雨天大家也有地方待",
        ],
        short=["建议增设休闲凳", "提个意见", "一点建议", "希望多搞活动"],
        details=["很多邻居都有这个想法", "别的小区都有了", "我们可以出力", "花不了多少钱"],
    ),
    "other": Situations(
        core=[
            "快递总是被放在门口，快递柜太少",
            "小区里手机信号很差，打电话断断续续",
            "我家的狗走丢了，{tod}在{spot}附近不见的，看到的请联系我",
            "在{spot}捡到一个钱包，要交给谁？",
            "公交站牌换了位置，好多老人不知道",
            "{spot}的树上有个马蜂窝，挺大一个",
            "请问党群服务中心周末几点开门？",
            "想报名参加社区的合唱团",
            "想给网格员送面锦旗，表扬一下他们",
            "家里的猫爬到树上下不来了",
            "网上买的东西寄到社区了，去哪里取",
            "想借用一下社区的活动室办生日会",
            "社区的公众号怎么关注",
            "我家孩子想来社区做志愿者，怎么报名",
        ],
        short=["问个事", "咨询一下", "其他事情", "有个小事"],
        details=["谢谢", "麻烦告诉我一下", "不急", "顺便问问"],
    ),
}


# Groups of subjects × predicates where every pairing makes sense ("{spot}的路灯" +
# "一闪一闪的"), combined freely: most of what a held-out text says is then a combination the
# training side has not seen verbatim.
G = tuple[list[str], list[str]]
COMBINATIONS: dict[str, list[G]] = {
    "env_sanitation": [
        (["{spot}", "小区的公共区域", "房前屋后", "{spot}那个角落", "楼下的绿化带"],
         ["脏得不像样子", "全是烟头纸屑，没人扫", "污水到处流，臭烘烘的", "苍蝇蚊子一大堆", "一股馊味，夏天没法走",
          "又脏又乱", "到处是狗屎"]),
        (["{spot}的墙上", "电线杆上", "单元门口的墙"], ["贴满了牛皮癣小广告", "被人乱涂乱画", "小广告撕了又贴"]),
    ],
    "garbage": [
        (["{spot}的垃圾桶", "垃圾房", "门口的垃圾箱", "{spot}的分类桶"],
         ["满得溢出来了", "{dur}没人清运", "一直没人来收", "收的次数太少了，天天爆满", "清运车好久没来了"]),
        (["{spot}那堆垃圾", "装修垃圾", "扔在{spot}的旧家具", "小区的生活垃圾"],
         ["{dur}没人拉走", "越堆越高", "堆了{dur}都臭了", "一直没清运", "扔得满地都是，没人收拾"]),
    ],
    "parking": [
        (["{vehicle}", "外面来的车", "好几辆车", "一辆{vehicle}", "业主的车", "送货的车"],
         ["停在{spot}把路堵了", "横在路中间不走", "占着人行道", "堵在{spot}，别人出不去",
          "把单元门口都挡住了", "乱停乱放没人管", "天天停在我家车位上", "停了{dur}不挪"]),
    ],
    "ebike_charging": [
        (["有人", "{floor}的住户", "好几户人家", "楼上那家", "租房的小年轻", "送外卖的"],
         ["从窗户吊电线下来给电瓶车充电", "在楼道里给电动车充电", "把电动车推到家里充电",
          "私拉电线给电动车充电，线挂在{spot}", "用插线板接到车棚里充电", "把电瓶拎回家充一整夜",
          "拉飞线充电，拉得到处都是"]),
        (["{spot}的充电桩", "小区的充电插座", "车棚的充电口"],
         ["不够用，天天抢", "坏了充不上电", "太少了，大家只好飞线", "扫码没反应"]),
    ],
    "illegal_building": [
        (["{floor}那户", "有人", "一楼的邻居", "楼下开店的", "{b}栋的一户人家", "顶楼住户"],
         ["在{spot}私自搭了个棚子", "占了公共绿地盖房子", "把阳台往外扩了一米多",
          "用砖把{spot}围起来当自家院子", "搭了个柴房堆杂物", "偷偷砌墙圈地", "搭彩钢棚占了过道"]),
    ],
    "facilities": [
        (["{spot}的健身器材", "小区的休闲凳", "{spot}的护栏", "儿童滑梯", "凉亭的椅子", "宣传栏"],
         ["坏了{dur}没人修", "破了好几处", "断了一根，很危险", "摇摇晃晃的快散架了", "锈烂了", "被人弄坏了"]),
        (["小区的围墙", "{spot}的花台", "水池边的栏杆"], ["裂了缝", "塌了一角", "一碰就掉渣", "歪了快倒了"]),
    ],
    "manhole": [
        (["{spot}的井盖", "路中间那个窨井盖", "雨水井盖", "下水道的盖子", "污水井盖", "{spot}那块井盖"],
         ["不见了", "碎了一半", "松了，一压就响", "翘起来一个角", "陷下去了", "被偷了", "和路面不平",
          "裂成几块了"]),
    ],
    "streetlight": [
        (["{spot}的路灯", "楼下那盏路灯", "小区路边的灯", "门口的照明灯", "那一排路灯", "巷子里的路灯"],
         ["不亮了", "坏了{dur}了", "白天亮晚上反而不亮", "一闪一闪的", "灯泡烧了没人换", "只亮一半",
          "一到晚上就灭"]),
    ],
    "road": [
        (["{spot}的路面", "进小区那段路", "主干道", "{spot}的人行道", "小区里的水泥路", "门口那条路"],
         ["坑坑洼洼的", "塌下去一大块", "一下雨就积水", "裂开了好几道口子", "全是碎石子和坑",
          "挖开了一直没填", "坑里的积水好几天不退"]),
    ],
    "stairwell": [
        (["楼道里的声控灯", "{b}栋的楼道灯", "{floor}楼梯间的灯"], ["坏了{dur}了", "不亮，上下楼摸黑", "跺脚也不亮"]),
        (["{b}栋的单元门", "单元门的门禁", "{b}栋{u}单元的大门"], ["关不上", "锁坏了", "坏了{dur}没人修"]),
        (["楼道", "{floor}的楼梯", "我们单元的楼梯间"],
         ["堆满了杂物", "扶手松了，一扶就晃", "台阶破了一块", "墙皮掉了一地", "{dur}没人打扫"]),
    ],
    "property": [
        (["物业", "物业公司", "物业经理"],
         ["收了钱不办事", "电话永远没人接", "说了几次都不理", "服务太差了", "上班时间找不到人", "报修了{dur}还没来"]),
        (["小区的保安", "门卫"], ["形同虚设", "老是不在岗", "外人随便进也不问"]),
        (["电梯", "{b}栋的电梯"], ["{dur}坏了好几回", "又停了，物业也不修", "经常困人"]),
    ],
    "utilities": [
        (["家里的暖气", "我们这栋楼的供暖", "暖气片"], ["一点都不热", "时冷时热", "漏水了", "热力公司一直没来修"]),
        (["{b}栋的自来水", "楼里的水压", "家里的自来水"], ["{when}停了也没通知", "太低了，洗澡都不行", "发黄有味道"]),
        (["楼下的水管", "{spot}的供水管"], ["爆了在漏水", "漏了一地水", "冻裂了"]),
    ],
    "neighbour_dispute": [
        (["楼上邻居", "隔壁那家", "对门", "楼下的住户", "{person}和邻居", "我们两家"],
         ["因为{topic}吵了好几次", "为{topic}闹得很僵", "因为{topic}的事一直有矛盾，想请人调解",
          "说不通道理，还骂人"]),
    ],
    "noise": [
        (["楼上", "{floor}那家", "隔壁"], ["{tod}还在蹦跳拖家具", "{tod}还在装修", "天天打麻将到半夜", "音响开得震天响"]),
        (["{spot}的广场舞", "楼下烧烤店的客人", "旁边的KTV"], ["{tod}还在吵", "声音太大了", "吵得孩子没法睡觉"]),
        (["旁边工地", "对面的装修队"], ["{tod}还在施工", "电钻响一整天", "打桩震得窗户都响"]),
    ],
    "livestock": [
        (["附近有人", "小区后面的养殖户", "{spot}那户人家", "隔壁院子", "一户人家"],
         ["养了几十头猪，臭得不行", "养鸡养鸭，粪便满地", "把猪粪水排进沟里", "养了一群羊，粪堆在路边",
          "养猪的味道飘过来，窗都不敢开", "搞养殖，苍蝇成群"]),
    ],
    "public_security": [
        (["{spot}", "我们楼", "小区里", "停车棚"],
         ["有小偷", "有可疑的人晚上转悠", "有人打架斗殴", "晚上有人聚众赌博", "电瓶车连着丢了好几辆",
          "有人冒充工作人员上门骗钱"]),
    ],
    "fire_safety": [
        (["{spot}的消防通道", "楼里的安全出口", "地下车库的疏散通道"], ["被堵死了", "被锁起来了", "堆满了东西"]),
        (["楼道里的灭火器", "消火栓", "车库的喷淋"], ["全部过期了", "没水了", "坏了没人管"]),
        (["{floor}", "{b}栋楼道里", "饭店后厨"], ["有很大的燃气味", "堆满了易燃的纸箱", "电线老化冒火花"]),
    ],
    "hardship": [
        (["{person}", "我们楼的独居老人", "一户困难家庭", "残疾的邻居", "楼上的孤寡老人"],
         ["行动不便，没人照顾", "生病了看不起病", "生活很困难，想申请帮扶", "想参加社区的免费体检",
          "想申请低保救助", "需要人上门帮忙", "一个人住，想请网格员常去看看"]),
    ],
    "policy": [
        (["请问{item}", "想了解一下{item}", "{cert}", "居住证", "高龄补贴", "孩子上户口"],
         ["怎么办理", "要带什么材料", "去哪里办", "有什么条件", "在网上能办吗", "政策有没有变"]),
    ],
    "suggestion": [
        (["建议", "希望", "能不能", "提个建议，", "我觉得可以", "大家商量了一下，想"],
         ["在{spot}加几张休闲椅", "多办些文化活动", "开个爱心食堂", "设个共享书屋", "建个老年活动室",
          "在{spot}多种点花草", "定期开议事会听听大家的意见", "组织义务理发"]),
    ],
    "other": [
        (["请问", "想问一下", "麻烦问问", "打听一下", "有个事想问"],
         ["社区办公室几点上班", "快递放哪里取", "丢的狗有没有人看到", "捡到的东西交给谁", "合唱团还招人吗",
          "志愿者怎么报名", "活动室能不能借用"]),
    ],
}

# Everyday paraphrases, each applied or not at random to a finished text.
SYNONYMS: list[tuple[str, list[str]]] = [
    ("特别", ["非常", "很", "太", "特"]),
    ("很危险", ["太危险了", "危险得很", "很不安全", "有安全隐患"]),
    ("晚上", ["夜里", "天黑以后"]),
    ("老人", ["老年人", "老人家"]),
    ("小孩", ["小朋友", "孩子", "娃娃"]),
    ("根本", ["完全", "压根"]),
    ("好几次", ["好多次", "几次三番"]),
    ("怎么办", ["咋办", "怎么弄"]),
    ("什么", ["啥"]),
    ("我家", ["我们家", "俺家"]),
    ("没人", ["没有人"]),
    ("现在", ["目前", "眼下"]),
    ("麻烦", ["劳驾"]),
    ("一直", ["老是", "始终"]),
]

# How often each category arrives: common complaints first, as in the seeds' lists.
WEIGHTS = {
    "env_sanitation": 7, "garbage": 8, "parking": 9, "ebike_charging": 6, "illegal_building": 4,
    "facilities": 5, "manhole": 4, "streetlight": 5, "road": 5, "stairwell": 5, "property": 6,
    "utilities": 5, "neighbour_dispute": 5, "noise": 6, "livestock": 3, "public_security": 4,
    "fire_safety": 4, "hardship": 4, "policy": 4, "suggestion": 4, "other": 3,
}

STYLES = ["resident", "hotline", "patrol", "angry", "elder", "short"]
STYLE_WEIGHTS = [42, 14, 10, 12, 8, 14]
# Questions and ideas are not written in anger, nor found on a patrol.
QUIET = {"policy", "suggestion", "other"}
# Categories that report something seen (an opener like "最近发现，" fits them).
OBSERVED = set(CATEGORY_TEXTS) - QUIET - {"hardship", "neighbour_dispute"}
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class LabelledText:
    text: str
    code: str
    situation: str  # "<code>:core:<i>" or "<code>:short:<i>": which phrasing it came from


def _fill(template: str, slots: dict[str, list[str]], rng: random.Random) -> str:
    for _ in range(3):  # slot values may hold slots ({spot} → "{b}栋{u}单元门口")
        if "{" not in template:
            break
        template = _SLOT.sub(lambda m: rng.choice(slots[m.group(1)]), template)
    return template


def _join(rng: random.Random, parts: list[str]) -> str:
    text = ""
    for part in parts:
        if not part:
            continue
        if text and text[-1] not in "，。！？：,!?:":
            text += rng.choice(["，", "，", "，", "。", ",", " "])
        text += part
    return text


def _compose(rng: random.Random, code: str) -> LabelledText:
    kind = CATEGORY_TEXTS[code]
    # One compound per text: the opener and the spot name the same place.
    slots = {**SLOTS, **(kind.slots or {}), "place": [rng.choice(COMPOUNDS)]}
    style = rng.choices(STYLES, STYLE_WEIGHTS)[0]
    if code in QUIET and style in ("angry", "patrol"):
        style = "resident"
    if style == "short":
        i = rng.randrange(len(kind.short))
        parts = [_fill(kind.short[i], slots, rng)]
        if rng.random() < 0.3:
            parts.insert(0, rng.choice(["{place}", "{place}", "巡查：", ""]))
            parts[0] = _fill(parts[0], slots, rng)
        if rng.random() < 0.3:
            parts.append(_fill(rng.choice(kind.details), slots, rng))
        text = _join(rng, parts) if len(parts) > 1 and parts[0] not in ("巡查：",) else "".join(parts)
        return LabelledText(text + rng.choice(["", "", "。", "！"]), code, f"{code}:short:{i}")
    if rng.random() < 0.45:
        g = rng.randrange(len(COMBINATIONS[code]))
        subjects, predicates = COMBINATIONS[code][g]
        i = rng.randrange(len(predicates))
        core = _fill(rng.choice(subjects) + predicates[i], slots, rng)
        situation = f"{code}:combo:{g}:{i}"
    else:
        i = rng.randrange(len(kind.core))
        core = _fill(kind.core[i], slots, rng)
        situation = f"{code}:core:{i}"
    if style == "elder" and rng.random() < 0.5:
        core = core.replace("，", rng.choice(["，那个", "，就是", "啊，"]), 1)
    parts = [_fill(rng.choice(OPENERS[style]), slots, rng)]
    if style == "resident" and code in OBSERVED and rng.random() < 0.3:
        parts.append(_fill(rng.choice(["{when}", "{when}发现", "不知道你们知不知道，"]), slots, rng))
    parts.append(core)
    if rng.random() < 0.45:
        parts.append(_fill(rng.choice(kind.details), slots, rng))
    if rng.random() < 0.12:
        # A second, smaller problem mentioned on the way: its words belong to another category.
        other = rng.choice([c for c in CATEGORY_TEXTS if c not in (code, "other")])
        aside = _fill(rng.choice(CATEGORY_TEXTS[other].short), {**slots, **(CATEGORY_TEXTS[other].slots or {})}, rng)
        parts.append(rng.choice(["另外", "顺便说一下，", "还有就是", "对了，"]) + aside + "，不过那个不急")
    parts.append(_fill(rng.choice(CLOSERS[style if style != "short" else "resident"]), slots, rng))
    text = _join(rng, parts)
    if style == "angry" and rng.random() < 0.5:
        text = text.rstrip("。") + "！"
    return LabelledText(_paraphrase(rng, text), code, situation)


def _paraphrase(rng: random.Random, text: str) -> str:
    for word, alternatives in SYNONYMS:
        if word in text and rng.random() < 0.4:
            text = text.replace(word, rng.choice(alternatives))
    return text


def _allocate(n: int) -> dict[str, int]:
    """Texts per category in proportion to WEIGHTS (largest remainder), at least two each so
    a stratified split can put one on each side."""
    total = sum(WEIGHTS.values())
    floor = 2 if n >= 2 * len(WEIGHTS) else 0
    shares = {code: max(floor, n * w / total) for code, w in WEIGHTS.items()}
    counts = {code: int(share) for code, share in shares.items()}
    by_remainder = sorted(shares, key=lambda c: shares[c] - counts[c], reverse=True)
    for code in by_remainder[: max(0, n - sum(counts.values()))]:
        counts[code] += 1
    return counts


def generate(n: int, *, seed: int = 0) -> list[LabelledText]:
    """n distinct labelled texts (no text appears twice, so no text is on both sides of a
    split), shuffled, the same for the same seed."""
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[LabelledText] = []
    for code, count in _allocate(n).items():
        made, attempts = 0, 0
        while made < count and attempts < count * 50:
            attempts += 1
            item = _compose(rng, code)
            if item.text in seen:
                continue
            seen.add(item.text)
            out.append(item)
            made += 1
    rng.shuffle(out)
    return out


def labelled_texts(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """n (text, category code) pairs covering every default category."""
    return [(item.text, item.code) for item in generate(n, seed=seed)]
