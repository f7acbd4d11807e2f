"""Import of the owners' roll (业主名册) of one compound from the spreadsheet communities keep
(.xlsx or .csv): building, unit, door, the registered / surveyed / contract areas, the owner's
name, ID number and phone, the co-owner named to vote, the developer's unsold dwellings.

The approach of the people importer (`linli.places.importing`, whose file readers it uses): the
whole file is checked first and every bad row reported with its row number, column and reason;
nothing is written unless the whole file is good, then everything in one transaction; importing
the same file again changes nothing; `dry_run` checks only and reports what would change.

One owner per row: co-owners of a dwelling are its rows; the same dwelling on two rows with two
different areas is an error. Buildings, units and dwellings must already exist under the
compound (the people import or the place pages create them): the roll is about who owns what,
and a typo in a door number must not invent a dwelling that then counts in a vote's
denominators. Owners are matched by the keyed hash of their ID number (else by name among the
dwelling's owners); an owner not yet on record is added as a resident who does not live there,
ID number and phone encrypted and masked like every resident's. The file is the roll: a
dwelling's owners become exactly the file's (an edited file updates them)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from linli.accounts.roles import Verb
from linli.accounts.scope import require
from linli.core import pii
from linli.core.audit import record_audit
from linli.core.errors import Invalid, NotFound
from linli.core.identity import make_id_number, parse_id_number, validate_mobile
from linli.places.importing import CHUNK, ROW_KEY, _csv_rows, _norm_header, _text, _xlsx_rows
from linli.places.models import Dwelling, Ownership, Place, Resident
from linli.places.services import clean_area

from .models import DwellingTitle

BUILDING, UNIT, ROOM = "楼栋", "单元", "房号"
REGISTERED, SURVEYED, CONTRACT = "登记面积", "实测面积", "合同面积"
OWNER, ID_NUMBER, PHONE, NAMED, DEVELOPER = "业主姓名", "身份证号", "联系电话", "指定投票人", "建设单位未售"
# Each column: its English header (also accepted in a file) and other headers met in the wild.
COLUMNS = {
    BUILDING: ("building", "楼栋号", "楼号", "栋"),
    UNIT: ("unit", "单元号"),
    ROOM: ("room", "门牌号", "房间号", "户号"),
    REGISTERED: ("registered_area", "产权面积", "不动产登记面积", "面积"),
    SURVEYED: ("surveyed_area", "实测建筑面积"),
    CONTRACT: ("contract_area", "合同建筑面积", "预售面积"),
    OWNER: ("owner", "业主", "产权人", "姓名"),
    ID_NUMBER: ("id_number", "身份证号码", "证件号码", "公民身份号码"),
    PHONE: ("phone", "手机号", "电话", "联系方式"),
    NAMED: ("named_voter", "投票人", "共有人指定投票人"),
    DEVELOPER: ("developer_unsold", "开发商未售", "未售"),
}
COLUMN_LABELS = {
    BUILDING: pgettext_lazy("import column", "楼栋"), UNIT: pgettext_lazy("import column", "单元"),
    ROOM: pgettext_lazy("import column", "房号"), REGISTERED: pgettext_lazy("import column", "登记面积"),
    SURVEYED: pgettext_lazy("import column", "实测面积"), CONTRACT: pgettext_lazy("import column", "合同面积"),
    OWNER: pgettext_lazy("import column", "业主姓名"), ID_NUMBER: pgettext_lazy("import column", "身份证号"),
    PHONE: pgettext_lazy("import column", "联系电话"), NAMED: pgettext_lazy("import column", "指定投票人"),
    DEVELOPER: pgettext_lazy("import column", "建设单位未售"),
}
MEANINGS = {
    BUILDING: gettext_lazy("楼栋名称，须与系统中的一致，如 1栋；平房、院落可不填"),
    UNIT: gettext_lazy("可不填；填了须是该楼栋已有的单元"),
    ROOM: gettext_lazy("必填，房号或门牌号；须是本小区已有的房屋"),
    REGISTERED: gettext_lazy("不动产登记的专有部分面积，平方米，大于0；表决按登记、实测、合同面积依次取用"),
    SURVEYED: gettext_lazy("实测面积，平方米，可不填"),
    CONTRACT: gettext_lazy("合同（预售）面积，平方米，可不填"),
    OWNER: gettext_lazy("必填（建设单位未售的房屋除外）；共有的房屋每位共有人一行"),
    ID_NUMBER: gettext_lazy("18位居民身份证号（校验位须正确），用于识别同一位业主；加密保存"),
    PHONE: gettext_lazy("11位手机号，可不填；加密保存"),
    NAMED: gettext_lazy("共有的房屋由共有人指定的投票人姓名，须是这套房屋的业主之一"),
    DEVELOPER: gettext_lazy("建设单位未售出的房屋填“是”，其余留空或填“否”"),
}
EXAMPLE = {BUILDING: "1栋", UNIT: "1单元", ROOM: "101", REGISTERED: "89.50", SURVEYED: "", CONTRACT: "",
           OWNER: "张秀英", ID_NUMBER: "", PHONE: "13800001234", NAMED: "", DEVELOPER: ""}
REQUIRED = (ROOM, OWNER)
YES = {"是", "y", "yes", "true", "1", "未售"}
NO = {"", "否", "n", "no", "false", "0"}
_LOOKUP = {_norm_header(a): h for h, aliases in COLUMNS.items() for a in (h, *aliases)}


def column_label(header: str) -> str:
    """A column's name in the page's language ("" stays "")."""
    return str(COLUMN_LABELS.get(header, header))


@dataclass
class RollReport:
    total_rows: int = 0
    dwellings: int = 0
    owners_created: int = 0
    ownerships_added: int = 0
    ownerships_removed: int = 0
    titles_created: int = 0
    titles_updated: int = 0
    dwellings_changed: int = 0  # dwellings whose owners or title facts change
    errors: list[dict] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def titles_changed(self) -> int:
        return self.titles_created + self.titles_updated

    @property
    def dwellings_unchanged(self) -> int:
        return self.dwellings - self.dwellings_changed

    @property
    def bad_rows(self) -> int:
        return len({e["row"] for e in self.errors})

    def counts(self) -> dict:
        return {k: getattr(self, k) for k in (
            "total_rows", "dwellings", "dwellings_changed", "owners_created", "ownerships_added",
            "ownerships_removed", "titles_created", "titles_updated")}


def read_roll(file_obj, filename: str) -> list[dict[str, str]]:
    """Rows of an .xlsx (first sheet) or .csv roll as {Chinese header: text} plus the row number
    under ROW_KEY; the header row (Chinese or English names) may sit below title rows."""
    name = (filename or "").strip().lower()
    data = file_obj.read() if hasattr(file_obj, "read") else file_obj
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data:
        raise Invalid(_("文件是空的"), code="empty_file", field="file")
    if name.endswith((".xlsx", ".xlsm")):
        table = _xlsx_rows(data)
    elif name.endswith((".csv", ".txt")):
        table = _csv_rows(data)
    elif name.endswith((".xls", ".et", ".wps")):
        raise Invalid(_("不支持旧版 Excel（.xls）文件，请在 Excel 或 WPS 中另存为 .xlsx 后再导入"),
                      code="xls_not_supported", field="file")
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


def import_roll(*, actor, compound_id: int, rows: list[dict[str, str]], dry_run: bool = False,
                source: str = "") -> RollReport:
    """Check the whole roll; unless `dry_run` or any row is bad, make the compound's owners and
    title facts exactly the file's, in one transaction. The report counts what was (or, in a
    dry run, would be) created, updated and removed."""
    compound = Place.objects.select_related("kind").filter(pk=compound_id).first()
    if compound is None:
        raise NotFound(_("未找到该地点"), code="not_found", field="compound_id")
    require(actor, Verb.PEOPLE_IMPORT, compound)
    if compound.kind.code != "compound":
        raise Invalid(_("业主名册须导入到一个小区"), code="not_a_compound", field="compound_id")
    report = RollReport(total_rows=len(rows), dry_run=dry_run)
    plan = _check(compound, rows, report)
    if report.errors:
        return report
    if dry_run:
        _changes(plan, report)
        return report
    with transaction.atomic():
        # Two imports of one compound at once: the second waits, then finds the first's rows.
        list(Dwelling.objects.select_for_update().filter(pk__in=sorted(plan)).order_by("pk")
             .values_list("pk", flat=True))
        changes = _changes(plan, report)
        _write(changes)
        record_audit(actor=actor, action="deliberation.import_roll", target=compound,
                     data={**report.counts(), **({"source": source[:200]} if source else {})})
    return report


def _check(compound: Place, rows: list[dict], report: RollReport) -> dict:
    places = {p.path: p for p in Place.objects.filter(path__startswith=compound.path).select_related("kind")}
    with_facts = set(Dwelling.objects.filter(place__path__startswith=compound.path).values_list("pk", flat=True))
    by_names: dict[tuple, Place] = {}
    for p in places.values():
        if p.path == compound.path:
            continue
        names = tuple(places[p.path[:n]].name for n in range(len(compound.path) + 4, len(p.path) + 1, 4))
        if p.kind.code != "dwelling" or p.pk in with_facts:
            by_names[names] = p

    def err(row, column, message):
        report.errors.append({"row": int(row[ROW_KEY]), "column": column, "message": str(message)})

    plan: dict = {}
    for row in rows:
        b, u, r = (_text(row.get(k, "")) for k in (BUILDING, UNIT, ROOM))
        if not r:
            err(row, ROOM, _("房号必填"))
            continue
        if u and not b:
            err(row, BUILDING, _("填了单元须同时填楼栋"))
            continue
        if b and not _is_place(by_names.get((b,)), "building"):
            err(row, BUILDING, _("本小区没有楼栋“%(name)s”") % {"name": b})
            continue
        if u and not _is_place(by_names.get((b, u)), "unit"):
            err(row, UNIT, _("楼栋“%(building)s”没有单元“%(name)s”") % {"building": b, "name": u})
            continue
        dwelling = by_names.get(tuple(x for x in (b, u, r) if x))
        if not _is_place(dwelling, "dwelling"):
            err(row, ROOM, _("本小区没有房屋“%(name)s”（请先导入人口或建立房屋）") % {
                "name": "".join(x for x in (b, u, r) if x)})
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
            err(row, next(c for c in (REGISTERED, SURVEYED, CONTRACT) if entry["areas"].get(c) != areas.get(c)),
                _("同一房屋出现两次，面积不一致（第 %(row)s 行）") % {"row": entry["row"]})
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
            entry["named"], entry["named_row"] = named, row[ROW_KEY]
    for entry in plan.values():
        if entry["named"] and entry["named"] not in [o["name"] for o in entry["owners"]]:
            err({ROW_KEY: entry["named_row"]}, NAMED, _("指定投票人须是这套房屋的业主之一"))
    report.errors.sort(key=lambda e: e["row"])
    report.dwellings = len(plan)
    return plan


def _is_place(place: Place | None, kind: str) -> bool:
    return place is not None and place.kind.code == kind


@dataclass
class _NewOwner:
    name: str
    path: str
    id_number: str | None
    phone: str
    resident: Resident | None = None  # set when written


def _changes(plan: dict, report: RollReport) -> list[dict]:
    """What the roll changes, dwelling by dwelling (reads only), counted into the report."""
    hashes = {pii.lookup_hash(o["id"]) for e in plan.values() for o in e["owners"] if o["id"]}
    hashes = list(hashes)
    known: dict[str, Resident | _NewOwner] = {}
    for i in range(0, len(hashes), CHUNK):
        known.update({r.id_number_hash: r for r in Resident.objects.filter(id_number_hash__in=hashes[i:i + CHUNK])})
    ids = list(plan)
    titles, current = {}, {}
    for i in range(0, len(ids), CHUNK):
        titles.update({t.pk: t for t in DwellingTitle.objects.filter(pk__in=ids[i:i + CHUNK])})
        for o in Ownership.objects.filter(dwelling_id__in=ids[i:i + CHUNK]).select_related("owner"):
            current.setdefault(o.dwelling_id, {})[o.owner_id] = o
    changes = []
    for pk, entry in plan.items():
        have = current.get(pk, {})
        owners: list[Resident | _NewOwner] = []
        named = None  # the owner the file names to vote, by the file's spelling of the name
        for o in entry["owners"]:
            key = pii.lookup_hash(o["id"]) if o["id"] else None
            if key:
                owner = known.get(key)
            else:  # no ID number: the same name among the dwelling's owners on record
                owner = next((x.owner for x in have.values() if x.owner.name == o["name"]), None)
            if owner is None:
                owner = _NewOwner(name=o["name"], path=entry["place"].path, id_number=o["id"], phone=o["phone"])
                report.owners_created += 1
                if key:
                    known[key] = owner
            if all(owner is not x for x in owners):
                owners.append(owner)
            if o["name"] == entry["named"] and named is None:
                named = owner
        keep = {x.pk for x in owners if isinstance(x, Resident)}
        add = [x for x in owners if not isinstance(x, Resident) or x.pk not in have]
        drop = [o.pk for owner_id, o in have.items() if owner_id not in keep]
        named = named if len(owners) > 1 else None
        want = {"registered_area": entry["areas"].get(REGISTERED), "surveyed_area": entry["areas"].get(SURVEYED),
                "contract_area": entry["areas"].get(CONTRACT), "developer_unsold": entry["developer"]}
        title = titles.get(pk)
        if title is None:
            title_change = "create"
        elif (any(_differs(getattr(title, k), v) for k, v in want.items())
              or (title.named_voter_id != (named.pk if isinstance(named, Resident) else None)
                  or isinstance(named, _NewOwner))):
            title_change = "update"
        else:
            title_change = None
        report.ownerships_added += len(add)
        report.ownerships_removed += len(drop)
        report.titles_created += title_change == "create"
        report.titles_updated += title_change == "update"
        if add or drop or title_change:
            report.dwellings_changed += 1
            changes.append({"pk": pk, "add": add, "drop": drop, "title": title, "title_change": title_change,
                            "want": want, "named": named})
    return changes


def _write(changes: list[dict]) -> None:
    """Apply the changes with bulk statements (a handful of queries whatever the file's size)."""
    new = list({id(x): x for c in changes for x in c["add"] if isinstance(x, _NewOwner)}.values())
    residents = []
    for x in new:
        x.resident = Resident(path=x.path, name=x.name, lives_here=False, relation="other")
        if x.id_number:
            _n, birth, gender = parse_id_number(x.id_number)
            x.resident.set_id_number(x.id_number)
            x.resident.birth_date, x.resident.gender = birth, gender
        if x.phone:
            x.resident.set_phone(x.phone)
        residents.append(x.resident)
    Resident.objects.bulk_create(residents, batch_size=CHUNK)

    def resident(x):
        return x.resident if isinstance(x, _NewOwner) else x

    drop = [pk for c in changes for pk in c["drop"]]
    for i in range(0, len(drop), CHUNK):
        Ownership.objects.filter(pk__in=drop[i:i + CHUNK]).delete()
    Ownership.objects.bulk_create([Ownership(dwelling_id=c["pk"], owner_id=resident(x).pk)
                                   for c in changes for x in c["add"]], batch_size=CHUNK)
    created, updated = [], []
    for c in changes:
        if not c["title_change"]:
            continue
        title = c["title"] or DwellingTitle(dwelling_id=c["pk"])
        for k, v in c["want"].items():
            setattr(title, k, v)
        title.named_voter = resident(c["named"]) if c["named"] is not None else None
        (created if c["title_change"] == "create" else updated).append(title)
    DwellingTitle.objects.bulk_create(created, batch_size=CHUNK)
    DwellingTitle.objects.bulk_update(updated, ["registered_area", "surveyed_area", "contract_area",
                                                "developer_unsold", "named_voter"], batch_size=200)


def _differs(stored, wanted) -> bool:
    if isinstance(stored, Decimal) or isinstance(wanted, Decimal):
        return (stored is None) != (wanted is None) or (stored is not None and Decimal(stored) != Decimal(wanted))
    return stored != wanted


def template_workbook() -> bytes:
    """An .xlsx with the roll's headers, one example row and a sheet explaining each column. The
    ID, phone and door columns are text, so Excel keeps all 18 digits and leading zeros."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = str(_("业主名册"))
    headers = list(COLUMNS)
    example = {**EXAMPLE, ID_NUMBER: make_id_number("511802", dt.date(1968, 5, 17), 2)}
    ws.append(headers)
    ws.append([example[h] for h in headers])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    for i, h in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = bold
        if h in REQUIRED:
            cell.fill = fill
        ws.column_dimensions[cell.column_letter].width = max(10, len(example[h]) + 4, len(h) * 2 + 4)
        if h in (ID_NUMBER, PHONE, ROOM, BUILDING, UNIT):
            ws.column_dimensions[cell.column_letter].number_format = "@"
            ws.cell(row=2, column=i).number_format = "@"
    ws.freeze_panes = "A2"
    notes = wb.create_sheet(str(_("填写说明")))
    notes.append([str(_("列名")), str(_("说明")), str(_("英文列名"))])
    for h in headers:
        notes.append([h + (" *" if h in REQUIRED else ""), str(MEANINGS[h]), COLUMNS[h][0]])
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 80
    notes.column_dimensions["C"].width = 18
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
