"""The three lists of 金穗苑小区 (seed 002), made by the list services themselves: the garbage
room at gate 1 rebuilt with the residents' choices (permeable bricks, a sliding door in the
compound's colour), the stainless railing round the pond at gate 2, a charging shed paid for
by residents and a partner unit, and needs raised through the case loop. Money, milestones
and before/after photos (small pictures drawn with Pillow) included."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from PIL import Image, ImageDraw

from linli.accounts.models import Organisation, RoleAssignment, User
from linli.accounts.roles import Role
from linli.cases.models import Case
from linli.core.actors import SYSTEM
from linli.core.paths import ancestors_paths
from linli.lists import services
from linli.lists.models import Item
from linli.places.models import Place

COMPOUND = "金穗苑小区"


def _picture(kind: str) -> bytes:
    """A 320×240 sketch: a heap of rubbish in front of a grey wall (before), a brick wall with
    a sliding door (after), a shed frame, a railing."""
    img = Image.new("RGB", (320, 240), (186, 204, 220))
    d = ImageDraw.Draw(img)
    d.rectangle([0, 170, 320, 240], fill=(120, 120, 118))  # ground
    if kind == "garbage_before":
        d.rectangle([40, 70, 280, 170], fill=(150, 150, 150))
        for x, c in ((60, (90, 70, 40)), (120, (60, 90, 50)), (180, (110, 80, 50)), (220, (70, 60, 60))):
            d.ellipse([x, 130, x + 70, 200], fill=c)
        d.ellipse([90, 200, 230, 230], fill=(80, 90, 60))  # seeping water
    elif kind == "garbage_after":
        for row in range(70, 170, 14):
            for col in range(40, 280, 28):
                d.rectangle([col + (row // 14 % 2) * 14, row, col + 26 + (row // 14 % 2) * 14, row + 12],
                            fill=(176, 82, 60))
        d.rectangle([130, 95, 210, 170], fill=(46, 110, 84))  # the sliding door, the compound's green
        for col in range(0, 320, 20):
            d.rectangle([col, 172, col + 18, 184], fill=(150, 140, 130))  # permeable bricks
    elif kind == "voucher":
        d.rectangle([30, 20, 290, 220], fill=(250, 250, 245))
        for y in range(50, 200, 22):
            d.line([50, y, 270, y], fill=(120, 120, 120), width=2)
        d.ellipse([210, 150, 270, 210], outline=(200, 30, 30), width=4)  # the seal
    elif kind == "pond_before":
        d.ellipse([40, 150, 280, 230], fill=(70, 130, 170))
    elif kind == "pond_after":
        d.ellipse([40, 150, 280, 230], fill=(70, 130, 170))
        d.line([30, 150, 290, 150], fill=(210, 210, 215), width=4)
        for x in range(30, 300, 20):
            d.line([x, 120, x, 160], fill=(210, 210, 215), width=3)
    elif kind == "shed_before":
        for x in range(40, 280, 30):
            d.rectangle([x, 140, x + 12, 180], fill=(40, 40, 40))  # bikes in a row, cables hanging
        d.line([20, 60, 300, 150], fill=(20, 20, 20), width=2)
    else:  # shed progress
        d.polygon([(20, 80), (300, 80), (280, 60), (40, 60)], fill=(40, 90, 160))
        for x in (30, 150, 290):
            d.rectangle([x - 4, 80, x + 4, 170], fill=(90, 90, 90))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _holder(role: str, place: Place):
    ra = (RoleAssignment.objects.filter(role=role, is_active=True, place__path__in=[*ancestors_paths(place.path),
                                                                                   place.path])
          .select_related("user").order_by("-place__depth", "id").first())
    return ra.user if ra else SYSTEM


def load_demo_lists() -> int:
    """Build 金穗苑's lists; returns the number of items (0 when the compound is absent)."""
    compound = Place.objects.filter(kind__code="compound", name=COMPOUND).first()
    if compound is None:
        return 0
    grid = compound.parent
    community = Place.objects.get(path__in=ancestors_paths(compound.path), kind__code="community")
    worker = _holder(Role.GRID_WORKER, compound)
    secretary = _holder(Role.COMMUNITY_SECRETARY, community)
    staff = _holder(Role.COMMUNITY_WORKER, community)
    today = timezone.localdate()
    start = today - dt.timedelta(days=150)

    def day(n: int) -> dt.date:
        return start + dt.timedelta(days=n)

    partner, _ = Organisation.objects.get_or_create(name="四川交通职业技术学院",
                                                    defaults={"kind": Organisation.Kind.PARTNER_UNIT})
    residents = list(User.objects.filter(roles__role=Role.RESIDENT, roles__place__path__startswith=compound.path)
                     .distinct().order_by("id")[:6])
    names = [str(u) for u in residents] or ["吴大爷", "李阿姨", "张师傅"]
    mk = services.create_item

    # ---- problems found on patrol and visits, and the garbage room project that answers them
    garbage_problem = mk(actor=worker, kind="problem", title="1号门垃圾房垃圾成堆、雨天污水渗漏",
                         description="垃圾堆在大门口，蚊蝇多，下雨天污水渗出有臭味。", place_id=compound.pk,
                         source_kind="visit", source_note="微网格员入户走访", starts_on=day(0),
                         due_date=day(90), owner_person_id=getattr(worker, "pk", None))
    pond_problem = mk(actor=worker, kind="problem", title="2号门景观水池无护栏",
                      description="小朋友在旁边玩耍、老人乘凉，存在安全隐患。", place_id=compound.pk,
                      source_kind="visit", starts_on=day(0), due_date=day(90))
    garbage = mk(actor=secretary, kind="project", title="垃圾房升级改造（微改造）",
                 description="协商议事会决定：四周砖和水泥垒墙，外侧推拉门，颜色与小区整体风格一致；地面铺透水砖。",
                 place_id=compound.pk, source_kind="decision", source_id=1,
                 source_note="片区协商议事会：一块砖、一扇门的颜色都由居民协商决定", starts_on=day(5),
                 due_date=day(75), progress_mode="milestones", owner_organisation_id=partner.pk)
    services.change_status(actor=secretary, item_id=garbage.pk, to="accepted", reason="协商议事会表决通过")
    services.change_status(actor=staff, item_id=garbage.pk, to="in_progress")
    for name, fen in (("透水砖及铺装", 1_860_000), ("围墙砌筑", 2_400_000), ("推拉门", 980_000)):
        services.set_budget_line(actor=staff, item_id=garbage.pk, name=name, amount_fen=fen)
    services.record_money(actor=staff, item_id=garbage.pk, kind="receipt", amount_fen=5_000_000, on_date=day(10),
                          party="温江区民政局（社区保障资金）", source="public", voucher=_picture("voucher"))
    for i, fen in enumerate((50_000, 20_000, 100_000, 30_000)):
        services.record_money(actor=staff, item_id=garbage.pk, kind="receipt", amount_fen=fen, on_date=day(12 + i),
                              party=names[i % len(names)], source="residents", show_name=i == 2,
                              contributor_id=residents[i].pk if i < len(residents) else None)
    services.link_to_project(actor=worker, item_id=garbage_problem.pk, project_id=garbage.pk)
    services.add_photos(actor=worker, item_id=garbage.pk, phase="before", photos=[_picture("garbage_before")])
    lines = {ln.name: ln.pk for ln in garbage.budget_lines.all()}
    for n, (title, line, fen) in enumerate((("铺设透水砖", "透水砖及铺装", 1_800_000),
                                            ("围墙砌筑", "围墙砌筑", 2_350_000),
                                            ("安装推拉门", "推拉门", 950_000))):
        m = services.add_milestone(actor=staff, item_id=garbage.pk, title=title, planned_on=day(20 + 15 * n))
        services.record_money(actor=staff, item_id=garbage.pk, kind="disbursement", amount_fen=fen,
                              on_date=day(22 + 15 * n), party="温江区某建筑劳务队", budget_line_id=lines[line])
        services.complete_milestone(actor=worker, milestone_id=m.pk, done_on=day(22 + 15 * n),
                                    photos=[_picture("garbage_after")] if n == 2 else [])
    services.add_photos(actor=worker, item_id=garbage.pk, phase="after", photos=[_picture("garbage_after")])
    services.close_project(actor=staff, item_id=garbage.pk, reason="验收合格，居民满意",
                           outcomes={garbage_problem.pk: ("solved", "垃圾房已投入使用，污水不再渗出")})

    pond = mk(actor=secretary, kind="project", title="2号门景观水池不锈钢防护栏", place_id=compound.pk,
              source_kind="decision", source_id=2, source_note="协商选用不锈钢：美观又结实", starts_on=day(30),
              due_date=day(80))
    services.change_status(actor=secretary, item_id=pond.pk, to="accepted")
    services.change_status(actor=staff, item_id=pond.pk, to="in_progress")
    services.set_budget_line(actor=staff, item_id=pond.pk, name="不锈钢护栏", amount_fen=1_200_000)
    services.record_money(actor=staff, item_id=pond.pk, kind="receipt", amount_fen=1_200_000, on_date=day(32),
                          party="成都金穗苑物业服务有限公司（公共收益）", source="charity")
    services.record_money(actor=staff, item_id=pond.pk, kind="disbursement", amount_fen=1_150_000, on_date=day(50),
                          party="护栏安装公司", budget_line_id=pond.budget_lines.get().pk)
    services.link_to_project(actor=worker, item_id=pond_problem.pk, project_id=pond.pk)
    services.add_photos(actor=worker, item_id=pond.pk, phase="before", photos=[_picture("pond_before")])
    services.add_photos(actor=worker, item_id=pond.pk, phase="after", photos=[_picture("pond_after")])
    services.close_project(actor=staff, item_id=pond.pk, reason="护栏安装完成",
                           outcomes={pond_problem.pk: ("solved", "")})

    # ---- the charging shed: a need from residents, funded by residents and a partner unit
    shed_need = mk(actor=worker, kind="need", title="电动车集中充电棚", place_id=compound.pk, source_kind="visit",
                   description="楼道飞线充电多，居民希望建集中充电棚。", starts_on=day(60), due_date=day(200))
    shed = mk(actor=secretary, kind="project", title="电动车充电棚建设", place_id=compound.pk,
              source_kind="decision", source_id=3, source_note="业主协商：居民筹资与共建单位共同出资",
              starts_on=day(70), due_date=today + dt.timedelta(days=45), progress_mode="milestones",
              owner_organisation_id=partner.pk)
    services.change_status(actor=secretary, item_id=shed.pk, to="accepted", reason="居民筹资方案通过")
    services.change_status(actor=staff, item_id=shed.pk, to="in_progress")
    for name, fen in (("钢结构雨棚", 3_200_000), ("智能充电桩（20个）", 2_400_000), ("电缆与安装", 900_000)):
        services.set_budget_line(actor=staff, item_id=shed.pk, name=name, amount_fen=fen)
    services.record_money(actor=staff, item_id=shed.pk, kind="pledge", amount_fen=3_000_000, on_date=day(72),
                          party=partner.name, source="partner")
    services.record_money(actor=staff, item_id=shed.pk, kind="receipt", amount_fen=3_000_000, on_date=day(80),
                          party=partner.name, source="partner")
    for i in range(min(len(names), 6)):
        services.record_money(actor=staff, item_id=shed.pk, kind="receipt", amount_fen=20_000 * (i + 1),
                              on_date=day(81 + i), party=names[i], source="residents", show_name=i % 3 == 0,
                              contributor_id=residents[i].pk if i < len(residents) else None)
    wrong = services.record_money(actor=staff, item_id=shed.pk, kind="receipt", amount_fen=500_000, on_date=day(90),
                                  party=names[0], source="residents")
    services.reverse_money(actor=staff, entry_id=wrong.pk, reason="多录一个零，应为5000元")
    services.record_money(actor=staff, item_id=shed.pk, kind="receipt", amount_fen=50_000, on_date=day(90),
                          party=names[0], source="residents")
    services.link_to_project(actor=worker, item_id=shed_need.pk, project_id=shed.pk)
    services.add_photos(actor=worker, item_id=shed.pk, phase="before", photos=[_picture("shed_before")])
    shed_lines = {ln.name: ln.pk for ln in shed.budget_lines.all()}
    for n, (title, planned) in enumerate((("选址与方案协商", day(85)), ("钢结构雨棚施工", day(110)),
                                          ("充电桩安装调试", today + dt.timedelta(days=20)))):
        m = services.add_milestone(actor=staff, item_id=shed.pk, title=title, planned_on=planned, weight=(1, 3, 2)[n])
        if n < 2:
            services.complete_milestone(actor=worker, milestone_id=m.pk, done_on=planned + dt.timedelta(days=2),
                                        photos=[_picture("shed_progress")] if n == 1 else [])
    services.record_money(actor=staff, item_id=shed.pk, kind="disbursement", amount_fen=3_100_000,
                          on_date=day(115), party="钢结构施工单位", budget_line_id=shed_lines["钢结构雨棚"])

    # ---- needs from the case loop: open requests in the compound become list items
    for case in Case.objects.filter(path__startswith=compound.path, merged_into__isnull=True).order_by("id")[:3]:
        mk(actor=worker, kind="need" if case.status != "closed" else "problem", title=case.text[:40],
           place_id=compound.pk, source_kind="case", source_id=case.pk, starts_on=min(case.created_at.date(), today),
           due_date=today + dt.timedelta(days=30))
    canteen = mk(actor=worker, kind="need", title="爱心食堂扩大供应范围", place_id=compound.pk, source_kind="topic",
                 source_id=27, source_note="议题收集制度收集的27条意见建议之一", starts_on=day(40), due_date=day(100))
    services.change_status(actor=staff, item_id=canteen.pk, to="accepted")
    services.change_status(actor=staff, item_id=canteen.pk, to="in_progress", reason="对接小区物业")
    services.change_status(actor=staff, item_id=canteen.pk, to="done", reason="物业食堂向高龄老人送餐")
    mk(actor=staff, kind="need", title="“两场馆”休闲场地打造", place_id=grid.pk, source_kind="decision", source_id=4,
       source_note="网格党组织联席会", starts_on=day(100), due_date=today + dt.timedelta(days=60))
    return Item.objects.filter(path__startswith=community.path).count()
