"""Import of the owners' roll (业主名册) of one compound from the spreadsheet communities keep
(.xlsx or .csv): building, unit, door, the registered / surveyed / contract areas, the owner's
name, ID number and phone, the co-owner named to vote, the developer's unsold dwellings.

The approach of the people importer (`linli.places.importing`, whose file readers it uses): the
whole file is checked first and every bad row reported with its row number, column and reason;
nothing is written unless the whole file is good, then everything in one transaction; importing
the same file again changes nothing; `dry_run` checks only.

One owner per row: co-owners of a dwelling are its rows; the same dwelling on two rows with two
different areas is an error. Dwellings must already exist under the compound (the people import
or the place pages create them). Owners are matched by the keyed hash of their ID number; an
owner not yet on record is added as a resident who does not live there. The file is the roll:
a dwelling's owners become exactly the file's (an edited file updates them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from linli.accounts.scope import require
from linli.core import pii
from linli.core.audit import record_audit
from linli.core.errors import Invalid, NotFound
from linli.core.identity import parse_id_number, validate_mobile
from linli.places.importing import ROW_KEY, _csv_rows, _norm_header, _text, _xlsx_rows
from linli.places.models import Dwelling, Ownership, Place, Resident
from linli.places.services import clean_area

from .models import DwellingTitle

BUILDING, UNIT, ROOM = "楼栋", "单元", "房号"
REGISTERED, SURVEYED, CONTRACT = "登记面积", "实测面积", "合同面积"
OWNER, ID_NUMBER, PHONE, NAMED, DEVELOPER = "业主姓名", "身份证号", "联系电话", "指定投票人", "建设单位未售"
COLUMNS = {
    BUILDING: ("楼栋号", "楼号", "栋", "building"),
    UNIT: ("单元号", "unit"),
    ROOM: ("门牌号", "房间号", "户号", "room"),
    REGISTERED: ("产权面积", "不动产登记面积", "registered_area", "面积"),
    SURVEYED: ("实测建筑面积", "surveyed_area"),
    CONTRACT: ("合同建筑面积", "预售面积", "contract_area"),
    OWNER: ("业主", "产权人", "姓名", "owner"),
    ID_NUMBER: ("身份证号码", "证件号码", "公民身份号码", "id_number"),
    PHONE: ("手机号", "电话", "联系方式", "phone"),
    NAMED: ("投票人", "共有人指定投票人", "named_voter"),
    DEVELOPER: ("开发商未售", "未售", "developer_unsold"),
}
YES = {"是", "y", "yes", "true", "1", "未售"}
NO = {"", "否", "n", "no", "false", "0"}
_LOOKUP = {_norm_header(a): h for h, aliases in COLUMNS.items() for a in (h, *aliases)}


@dataclass
class RollReport:
    total_rows: int = 0
    dwellings: int = 0
    owners_created: int = 0
    ownerships_added: int = 0
    ownerships_removed: int = 0
    titles_changed: int = 0
    errors: list[dict] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def read_roll(file_obj, filename: str) -> list[dict[str, str]]:
    name = (filename or "").lower()
    data = file_obj.read() if hasattr(file_obj, "read") else file_obj
    if not data:
        raise Invalid(_("文件是空的"), code="empty_file", field="file")
    if name.endswith((".xlsx", ".xlsm")):
        table = _xlsx_rows(data)
    elif name.endswith((".csv", ".txt")):
        table = _csv_rows(data if isinstance(data, bytes) else data.encode("utf-8"))
    else:
        raise Invalid(_("只支持 .xlsx 或 .csv 文件"), code="file_type", field="file")
    for index, (_n, cells) in enumerate(table[:20]):
        mapping = {i: _LOOKUP[_norm_header(c)] for i, c in enumerate(cells) if _norm_header(c) in _LOOKUP}
        if ROOM in mapping.values() and len(mapping) >= 2:
            rows = []
            for number, cells in table[index + 1:]:
                row = {h: (cells[i] if i < len(cells) else "") for i, h in mapping.items()}
                if any(row.values()):
                    row[ROW_KEY] = str(number)
                    rows.append(row)
            if not rows:
                raise Invalid(_("文件中没有数据行"), code="empty_file", field="file")
            return rows
    raise Invalid(_("找不到表头：表格第一行应为列名，如 楼栋、房号、登记面积、业主姓名、身份证号"), code="no_header",
                  field="file")


def import_roll(*, actor, compound_id: int, rows: list[dict[str, str]], dry_run: bool = False) -> RollReport:
    compound = Place.objects.filter(pk=compound_id).first()
    if compound is None:
        raise NotFound(_("未找到该地点"), code="not_found", field="compound_id")
    require(actor, "people.import", compound)
    report = RollReport(total_rows=len(rows), dry_run=dry_run)
    plan = _check(compound, rows, report)
    if report.errors or dry_run:
        return report
    with transaction.atomic():
        _write(actor, compound, plan, report)
    return report


def _check(compound: Place, rows: list[dict], report: RollReport) -> dict:
    places = {p.path: p for p in Place.objects.filter(path__startswith=compound.path).select_related("kind")}
    by_names = {}
    for p in places.values():
        if p.kind.code != "dwelling":
            continue
        names, path = [], p.path
        for n in range(len(compound.path) + 4, len(path) + 1, 4):
            names.append(places[path[:n]].name)
        by_names[tuple(names)] = p

    def err(row, column, message):
        report.errors.append({"row": int(row[ROW_KEY]), "column": column, "message": str(message)})

    plan: dict = {}
    for row in rows:
        b, u, r = (_text(row.get(k, "")) for k in (BUILDING, UNIT, ROOM))
        if not r:
            err(row, ROOM, _("房号必填"))
            continue
        dwelling = by_names.get(tuple(x for x in (b, u, r) if x))
        if dwelling is None:
            err(row, ROOM, _("本小区没有这套房屋（请先导入人口或建立房屋）"))
            continue
        areas = {}
        for col in (REGISTERED, SURVEYED, CONTRACT):
            text = _text(row.get(col, ""))
            if text:
                try:
                    areas[col] = clean_area(text.replace("㎡", "").replace("平方米", ""), field=col)
                except Invalid:
                    err(row, col, _("面积须是大于0的数字"))
        developer = _text(row.get(DEVELOPER, "")).lower()
        if developer not in YES | NO:
            err(row, DEVELOPER, _("请填“是”或“否”"))
        entry = plan.setdefault(dwelling.pk, {"place": dwelling, "areas": areas, "owners": [], "named": "",
                                              "developer": False, "row": row[ROW_KEY]})
        if entry["row"] != row[ROW_KEY] and entry["areas"] and areas and entry["areas"] != areas:
            err(row, REGISTERED, _("同一房屋出现两次，面积不一致（第 %(row)s 行）") % {"row": entry["row"]})
        entry["areas"] = entry["areas"] or areas
        entry["developer"] = entry["developer"] or developer in YES
        name, id_text, phone = (_text(row.get(k, "")) for k in (OWNER, ID_NUMBER, PHONE))
        if entry["developer"] and not name:
            continue
        if not name:
            err(row, OWNER, _("业主姓名必填（建设单位未售的房屋除外）"))
            continue
        number = None
        if id_text:
            try:
                number, _birth, _gender = parse_id_number(id_text, field=ID_NUMBER)
            except Invalid as exc:
                err(row, ID_NUMBER, exc.message)
        if phone:
            try:
                validate_mobile(phone)
            except Invalid as exc:
                err(row, PHONE, exc.message)
        if any(o["id"] == number and number for o in entry["owners"]):
            err(row, ID_NUMBER, _("同一房屋的业主重复"))
        entry["owners"].append({"name": name[:50], "id": number, "phone": phone})
        named = _text(row.get(NAMED, ""))
        if named:
            entry["named"] = named
    for entry in plan.values():
        if entry["named"] and entry["named"] not in [o["name"] for o in entry["owners"]]:
            err({ROW_KEY: entry["row"]}, NAMED, _("指定投票人须是这套房屋的业主之一"))
    report.dwellings = len(plan)
    return plan


def _write(actor, compound: Place, plan: dict, report: RollReport) -> None:
    hashes = {pii.lookup_hash(o["id"]) for e in plan.values() for o in e["owners"] if o["id"]}
    known = {r.id_number_hash: r for r in Resident.objects.filter(id_number_hash__in=hashes)}
    dwellings = {d.pk: d for d in Dwelling.objects.filter(pk__in=plan).select_related("title", "place")}
    current = {}
    for o in Ownership.objects.filter(dwelling_id__in=plan).select_related("owner"):
        current.setdefault(o.dwelling_id, {})[o.owner_id] = o
    for pk, entry in plan.items():
        owner_ids = []
        for o in entry["owners"]:
            resident = None
            if o["id"]:
                resident = known.get(pii.lookup_hash(o["id"]))
            else:  # no ID number: the same name among the dwelling's owners on record
                resident = next((x.owner for x in current.get(pk, {}).values() if x.owner.name == o["name"]), None)
            if resident is None:
                resident = Resident(path=entry["place"].path, name=o["name"], lives_here=False, relation="other")
                if o["id"]:
                    _n, birth, gender = parse_id_number(o["id"])
                    resident.set_id_number(o["id"])
                    resident.birth_date, resident.gender = birth, gender
                if o["phone"]:
                    resident.set_phone(o["phone"])
                resident.save()
                report.owners_created += 1
                if o["id"]:
                    known[resident.id_number_hash] = resident
            owner_ids.append(resident.pk)
            o["resident"] = resident
        have = current.get(pk, {})
        add = [i for i in dict.fromkeys(owner_ids) if i not in have]
        drop = [i for i in have if i not in owner_ids]
        Ownership.objects.bulk_create([Ownership(dwelling_id=pk, owner_id=i) for i in add])
        if drop:
            Ownership.objects.filter(dwelling_id=pk, owner_id__in=drop).delete()
        report.ownerships_added += len(add)
        report.ownerships_removed += len(drop)
        named = next((o["resident"].pk for o in entry["owners"] if o["name"] == entry["named"]), None)
        want = {"registered_area": entry["areas"].get(REGISTERED), "surveyed_area": entry["areas"].get(SURVEYED),
                "contract_area": entry["areas"].get(CONTRACT), "developer_unsold": entry["developer"],
                "named_voter_id": named if len(set(owner_ids)) > 1 else None}
        title = getattr(dwellings[pk], "title", None)
        if title is None:
            DwellingTitle.objects.create(dwelling_id=pk, **want)
            report.titles_changed += 1
        elif any(_differs(getattr(title, k), v) for k, v in want.items()):
            for k, v in want.items():
                setattr(title, k, v)
            title.save()
            report.titles_changed += 1
    record_audit(actor=actor, action="deliberation.import_roll", target=compound,
                 data={"dwellings": report.dwellings, "owners_created": report.owners_created,
                       "ownerships_added": report.ownerships_added, "ownerships_removed": report.ownerships_removed,
                       "titles_changed": report.titles_changed})


def _differs(stored, wanted) -> bool:
    if isinstance(stored, Decimal) or isinstance(wanted, Decimal):
        return (stored is None) != (wanted is None) or (stored is not None and Decimal(stored) != Decimal(wanted))
    return stored != wanted
