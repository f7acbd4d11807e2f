"""Bulk import of people from the spreadsheets communities already keep (.xlsx or .csv with
Chinese headers): residents, the households they form and the compounds, buildings, units
and dwellings they live in, under one chosen place (a grid, a community … or a compound).

The whole file is checked first and every bad row reported (row number, column, reason);
nothing is written unless the whole file is good, and then everything is written in one
transaction with bulk statements, so the number of queries does not grow with the rows.
Re-importing the same file changes nothing; an edited file updates the same people in place
(matched by the keyed hash of their ID number, or by dwelling and name when they have none).

A cell left blank leaves what is stored unchanged (an importer must not wipe data because a
spreadsheet lacks it); the one exception is 人员类别, which lists a person's care tags in full,
so a blank cell there (with the column present) clears them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from linli.accounts.roles import Verb
from linli.accounts.scope import require
from linli.core import pii
from linli.core.audit import record_audit
from linli.core.errors import Conflict, Invalid, NotFound
from linli.core.identity import make_id_number, parse_id_number, validate_mobile
from linli.core.paths import segment

from .models import CareTag, Dwelling, Household, Place, PlaceKind, Resident
from .services import allocate_child_paths, clean_area

# ---------------------------------------------------------------- columns

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"), None)


def _text(value) -> str:
    """A cell as text: whole numbers without '.0' (Excel stores 101 as 101.0), dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).translate(_INVISIBLE).strip()



ROW_KEY = "_row"  # read_table puts the spreadsheet row number here
MAX_ROWS = 200_000
# Caps checked while reading, before anything is kept (issue 10 §6: one cell in the last
# column padded every row to 16,384 columns, 2.5 GB for an 80 KB file). The template has 16
# columns; a title row or a few notes columns fit comfortably.
MAX_COLUMNS = 60
MAX_TITLE_ROWS = 20  # rows above the header
MAX_XLSX_UNCOMPRESSED = 300 * 1024 * 1024  # bytes of XML a zip bomb could unpack to
CHUNK = 1000  # ids/hashes per IN (…) and objects per bulk statement
# bulk_update is one UPDATE … CASE WHEN pk=… per batch: its cost grows with the square of
# the batch, so updates go in smaller batches than inserts.
UPDATE_BATCH = 200


@dataclass(frozen=True)
class Column:
    header: str  # the Chinese header as written in the spreadsheet
    key: str  # the English name (also accepted as a header)
    meaning: str
    example: str = ""
    aliases: tuple[str, ...] = ()
    required: bool = False


NAME, GENDER, ID_NUMBER, PHONE, BIRTH = "姓名", "性别", "身份证号", "联系电话", "出生日期"
COMPOUND, BUILDING, UNIT, ROOM, AREA = "小区", "楼栋", "单元", "房号", "面积"
TENURE, RELATION, LIVES_HERE, CARE_TAGS = "居住性质", "与户主关系", "是否在此居住", "人员类别"

COLUMNS: dict[str, Column] = {c.header: c for c in (
    Column(NAME, "name", _("必填，不超过50个字"), "张秀英", ("名字", "居民姓名"), required=True),
    Column(GENDER, "gender", _("男或女；填了身份证号时可不填，填了须与身份证号一致"), "女", ("sex",)),
    Column(ID_NUMBER, "id_number", _("18位居民身份证号（校验位须正确），用于再次导入时识别同一个人"),
           make_id_number("511802", dt.date(1980, 5, 17), 2), ("身份证号码", "公民身份号码", "身份证", "证件号码", "id")),
    Column(PHONE, "phone", _("11位手机号"), "13800001234", ("手机号", "手机号码", "电话", "联系方式", "mobile")),
    Column(BIRTH, "birth_date", _("可不填；格式 1980-05-17，填了须与身份证号一致"), "1980-05-17",
           ("出生年月日", "birth")),
    Column(COMPOUND, "compound", _("小区或院落名称；导入到网格、社区等小区以上地点时必填，没有的会新建"),
           "汉都华府二期", ("小区名称", "小区/院落", "院落", "小区院落")),
    Column(BUILDING, "building", _("可不填（平房、院落）；没有的会新建"), "1栋", ("楼栋号", "楼号", "栋")),
    Column(UNIT, "unit", _("可不填；填了单元须同时填楼栋"), "1单元", ("单元号",)),
    Column(ROOM, "room", _("必填，房号或门牌号；没有的房屋会新建"), "101", ("门牌号", "房间号", "户号", "dwelling"),
           required=True),
    Column(AREA, "floor_area", _("房屋建筑面积，平方米，可不填"), "89.50",
           ("建筑面积", "面积(㎡)", "面积(平方米)", "面积(m2)", "area")),
    Column(TENURE, "tenure", _("自有、租住或其他；同一房屋须一致"), "自有", ("房屋性质", "居住类型")),
    Column(RELATION, "relation", _("户主、配偶、子女、父母、孙子女、祖父母、兄弟姐妹、儿媳、女婿、租户或其他；每户一名户主"),
           "户主", ("关系", "与户主的关系")),
    Column(LIVES_HERE, "lives_here", _("是或否，不填为是"), "是", ("是否在住", "是否常住", "在此居住")),
    Column(CARE_TAGS, "care_tags", _("关爱标签名称，如 独居老人、低保、党员；多个用顿号或逗号分隔；留空则清除"),
           "党员", ("关爱标签", "特殊人群", "人员标签", "tags")),
)}


# What each column is called on the page and in the error report, in the page's language. The
# file's headers stay as they are (Chinese, or the English key): these are for display only.
COLUMN_LABELS = {
    NAME: pgettext_lazy("import column", "姓名"), GENDER: pgettext_lazy("import column", "性别"),
    ID_NUMBER: pgettext_lazy("import column", "身份证号"), PHONE: pgettext_lazy("import column", "联系电话"),
    BIRTH: pgettext_lazy("import column", "出生日期"), COMPOUND: pgettext_lazy("import column", "小区"),
    BUILDING: pgettext_lazy("import column", "楼栋"), UNIT: pgettext_lazy("import column", "单元"),
    ROOM: pgettext_lazy("import column", "房号"), AREA: pgettext_lazy("import column", "面积"),
    TENURE: pgettext_lazy("import column", "居住性质"), RELATION: pgettext_lazy("import column", "与户主关系"),
    LIVES_HERE: pgettext_lazy("import column", "是否在此居住"), CARE_TAGS: pgettext_lazy("import column", "人员类别"),
}


def column_label(header: str) -> str:
    """A column's name in the page's language ("" stays "")."""
    return str(COLUMN_LABELS.get(header, header))


def column_named(header: str) -> str:
    """A column as a message names it: its Chinese header in Chinese; in English its English name
    with the headers a file may carry, e.g. 'Room (房号 or room)'."""
    if header not in COLUMNS or (get_language() or "zh").startswith("zh"):
        return header
    return f"{column_label(header)} ({header} or {COLUMNS[header].key})"


def _norm_header(value) -> str:
    text = _text(value).replace("（", "(").replace("）", ")").replace("＊", "*").replace("*", "")
    return "".join(text.split()).lower()


_HEADER_LOOKUP: dict[str, str] = {}
for _col in COLUMNS.values():
    for _alias in (_col.header, _col.key, *_col.aliases):
        _HEADER_LOOKUP[_norm_header(_alias)] = _col.header


def canonical_header(value) -> str | None:
    """The Chinese header a spreadsheet header (Chinese or English alias) stands for."""
    return _HEADER_LOOKUP.get(_norm_header(value))


# ---------------------------------------------------------------- report


@dataclass
class RowError:
    row: int  # spreadsheet row number (the header is row 1)
    column: str  # the Chinese header, or "" for the row as a whole
    message: str


@dataclass
class ImportReport:
    total_rows: int = 0
    created_residents: int = 0
    updated_residents: int = 0
    unchanged_residents: int = 0
    created_places: int = 0
    created_households: int = 0
    errors: list[RowError] = field(default_factory=list)
    # Beyond the residents: dwellings whose area changed, households whose head or tenure did.
    updated_places: int = 0
    updated_households: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict:
        return {k: getattr(self, k) for k in (
            "total_rows", "created_residents", "updated_residents", "unchanged_residents", "created_places",
            "created_households", "updated_places", "updated_households")}


# ---------------------------------------------------------------- reading files

def read_table(file_obj, filename: str) -> list[dict[str, str]]:
    """Rows of an .xlsx (first sheet) or .csv file as {Chinese header: text}, plus the
    spreadsheet row number under ROW_KEY. The header row may sit below a title row; columns
    that are not recognised are ignored; blank rows are skipped. Raises Invalid when the file
    cannot be read."""
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
    return _map_header(table)


def _xlsx_rows(data: bytes):
    from openpyxl import load_workbook

    try:
        unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise Invalid(_("无法读取该 Excel 文件，请确认它是 .xlsx 格式且未损坏"), code="unreadable_file",
                      field="file") from exc
    if unpacked > MAX_XLSX_UNCOMPRESSED:
        raise Invalid(_("文件内容过大，请分成几个文件导入"), code="file_too_large", field="file")
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, IndexError, AttributeError) as exc:
        raise Invalid(_("无法读取该 Excel 文件，请确认它是 .xlsx 格式且未损坏"), code="unreadable_file",
                      field="file") from exc
    except Exception as exc:  # openpyxl raises a variety of errors for broken files
        raise Invalid(_("无法读取该 Excel 文件，请确认它是 .xlsx 格式且未损坏"), code="unreadable_file",
                      field="file") from exc
    try:
        if not wb.worksheets:
            raise Invalid(_("文件中没有工作表"), code="empty_file", field="file")
        ws = wb.worksheets[0]
        # Exporters often write a wrong (or no) <dimension>: trusting it truncates rows, and
        # working it out reads the sheet twice.
        ws.reset_dimensions()
        rows = []
        try:
            # Read one column past the cap (to see that something is there), never further.
            for i, row in enumerate(ws.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1), start=1):
                if len(row) > MAX_COLUMNS and row[MAX_COLUMNS] not in (None, ""):
                    raise Invalid(_("表格列数过多：最多%(n)d列，请删除多余的列后再导入") % {"n": MAX_COLUMNS},
                                  code="too_many_columns", field="file")
                cells = [_text(v) for v in row[:MAX_COLUMNS]]
                if any(cells):
                    rows.append((i, cells))
                    if len(rows) > MAX_ROWS + MAX_TITLE_ROWS:
                        raise Invalid(_("一次最多导入%(n)d行，请分成几个文件") % {"n": MAX_ROWS},
                                      code="too_many_rows", field="file")
        except Invalid:
            raise
        except Exception as exc:
            raise Invalid(_("无法读取该 Excel 文件，请确认它是 .xlsx 格式且未损坏"), code="unreadable_file",
                          field="file") from exc
    finally:
        wb.close()
    return rows


def _csv_rows(data: bytes):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost anything
        raise Invalid(_("无法识别文件编码，请保存为 UTF-8 或 GBK 编码的 CSV"), code="unreadable_file", field="file")
    if "\x00" in text:
        raise Invalid(_("无法读取该 CSV 文件，请确认它是文本格式"), code="unreadable_file", field="file")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = []
    try:
        for i, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
            if len(row) > MAX_COLUMNS and any(v.strip() for v in row[MAX_COLUMNS:]):
                raise Invalid(_("表格列数过多：最多%(n)d列，请删除多余的列后再导入") % {"n": MAX_COLUMNS},
                              code="too_many_columns", field="file")
            cells = [_text(v) for v in row[:MAX_COLUMNS]]
            if any(cells):
                rows.append((i, cells))
                if len(rows) > MAX_ROWS + MAX_TITLE_ROWS:
                    raise Invalid(_("一次最多导入%(n)d行，请分成几个文件") % {"n": MAX_ROWS},
                                  code="too_many_rows", field="file")
        return rows
    except csv.Error as exc:
        raise Invalid(_("无法读取该 CSV 文件：%(err)s") % {"err": exc}, code="unreadable_file", field="file") from exc


def _map_header(table) -> list[dict[str, str]]:
    header_at, mapping = None, None
    for index, (_number, cells) in enumerate(table[:20]):
        found = {i: canonical_header(c) for i, c in enumerate(cells) if canonical_header(c)}
        if NAME in found.values() and len(found) >= 2:
            header_at, mapping = index, found
            break
    if header_at is None:
        raise Invalid(_("找不到表头：表格第一行应为列名，如 姓名、身份证号、房号"), code="no_header", field="file")
    seen = set()
    for header in mapping.values():
        if header in seen:
            raise Invalid(_("列“%(col)s”重复出现") % {"col": column_named(header)}, code="duplicate_column", field="file")
        seen.add(header)
    missing = [c.header for c in COLUMNS.values() if c.required and c.header not in seen]
    if missing:
        raise Invalid(_("缺少必填列：%(cols)s") % {"cols": str(_("、")).join(column_named(m) for m in missing)}, code="missing_column", field="file")
    out = []
    for number, cells in table[header_at + 1:]:
        if not any(cells):
            continue
        row = {header: (cells[i] if i < len(cells) else "") for i, header in mapping.items()}
        if not any(row.values()):
            continue
        row[ROW_KEY] = str(number)
        out.append(row)
        if len(out) > MAX_ROWS:
            raise Invalid(_("一次最多导入%(n)d行，请分成几个文件") % {"n": MAX_ROWS}, code="too_many_rows", field="file")
    if not out:
        raise Invalid(_("文件中没有数据行"), code="empty_file", field="file")
    return out


# ---------------------------------------------------------------- values

GENDERS = {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M", "female": "F"}
TENURES = {"自有": Household.Tenure.OWNED, "自住": Household.Tenure.OWNED, "租住": Household.Tenure.RENTED,
           "租赁": Household.Tenure.RENTED, "其他": Household.Tenure.OTHER,
           "owned": Household.Tenure.OWNED, "rented": Household.Tenure.RENTED, "other": Household.Tenure.OTHER}
R = Resident.Relation
RELATIONS = {
    "户主": R.HEAD, "本人": R.HEAD, "配偶": R.SPOUSE, "妻子": R.SPOUSE, "丈夫": R.SPOUSE, "妻": R.SPOUSE, "夫": R.SPOUSE,
    "子女": R.CHILD, "儿子": R.CHILD, "女儿": R.CHILD, "子": R.CHILD, "女": R.CHILD,
    "父母": R.PARENT, "父亲": R.PARENT, "母亲": R.PARENT,
    "孙子女": R.GRANDCHILD, "孙子": R.GRANDCHILD, "孙女": R.GRANDCHILD, "外孙": R.GRANDCHILD, "外孙女": R.GRANDCHILD,
    "祖父母": R.GRANDPARENT, "祖父": R.GRANDPARENT, "祖母": R.GRANDPARENT, "外祖父": R.GRANDPARENT,
    "外祖母": R.GRANDPARENT,
    "兄弟姐妹": R.SIBLING, "兄弟": R.SIBLING, "姐妹": R.SIBLING, "哥哥": R.SIBLING, "弟弟": R.SIBLING, "姐姐": R.SIBLING,
    "妹妹": R.SIBLING,
    "儿媳": R.CHILD_IN_LAW, "女婿": R.CHILD_IN_LAW, "儿媳/女婿": R.CHILD_IN_LAW,
    "租户": R.TENANT, "租客": R.TENANT, "其他": R.OTHER,
    **{v: v for v in R.values},
}
YES_NO = {"是": True, "否": False, "y": True, "n": False, "yes": True, "no": False, "true": True, "false": False,
          "1": True, "0": False, "在住": True, "不在住": False}
TAG_SPLIT = re.compile(r"[、，,;；/\s]+")
NO_TAGS = {"无", "-", "—", "/", "none"}
DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
KIND_CODES = ("compound", "building", "unit", "dwelling")


def _parse_date(text: str) -> dt.date | None:
    text = text.strip()
    m = DATE_RE.match(text) or (re.match(r"^(\d{4})(\d{2})(\d{2})$", text))
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _clean_area_text(text: str) -> str:
    for unit in ("平方米", "㎡", "m²", "m2", "平米", "平"):
        if text.lower().endswith(unit.lower()):
            return text[: -len(unit)].strip()
    return text


# ---------------------------------------------------------------- the plan


class _Node:
    """A place the file refers to: one that exists, or one the import will create."""

    __slots__ = ("new", "kind", "name", "parent", "place_id", "path", "children", "existing_children", "new_count",
                 "area", "area_row", "old_area", "has_dwelling_row", "household_id", "old_head_id",
                 "old_tenure", "tenure", "tenure_row", "head_row")

    def __init__(self, kind: str, name: str, parent: "_Node | None", place_id: int | None = None, path: str = ""):
        self.kind, self.name, self.parent, self.place_id, self.path = kind, name, parent, place_id, path
        self.new = place_id is None
        self.children: dict[str, _Node] = {}
        self.existing_children: dict[str, tuple] | None = None  # name -> (id, kind code, path)
        self.new_count = 0
        self.area = self.area_row = self.old_area = None
        self.has_dwelling_row = False
        self.household_id = self.old_head_id = self.old_tenure = None
        self.tenure = self.tenure_row = self.head_row = None


class _Line:
    """One data row, cleaned."""

    __slots__ = ("row", "name", "gender", "birth", "id_number", "id_hash", "phone", "compound", "building", "unit",
                 "room", "area", "tenure", "relation", "lives_here", "tags", "bad", "dwelling", "match")

    def __init__(self, row: int):
        self.row = row
        self.name = self.gender = self.birth = self.id_number = self.id_hash = self.phone = None
        self.compound = self.building = self.unit = self.room = None
        self.area = self.tenure = self.relation = self.lives_here = self.tags = None
        self.bad = False
        self.dwelling: _Node | None = None
        self.match: dict | None = None  # the stored resident this row updates


RESIDENT_FIELDS = ("id", "path", "household_id", "name", "gender", "birth_date", "id_number_hash", "phone_hash",
                   "relation", "lives_here")


def _chunks(items, size=CHUNK):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _prefix_q(field_name: str, prefixes) -> Q:
    q = Q()
    for p in prefixes:
        q |= Q(**{f"{field_name}__startswith": p})
    return q


class _Import:
    def __init__(self, *, actor, rows, place: Place, kinds: dict, dry_run: bool):
        self.actor, self.raw, self.place, self.kinds, self.dry_run = actor, rows, place, kinds, dry_run
        self.errors: list[RowError] = []
        self.foreign_id_rows: list[int] = []
        self.report = ImportReport(total_rows=len(rows), dry_run=dry_run)
        self.lines: list[_Line] = []
        self.top = _Node(place.kind.code, place.name, None, place.pk, place.path)
        self.compounds: dict[str, _Node] = {}
        self.new_nodes: list[_Node] = []
        self.dwelling_area: dict[int, Decimal | None] = {}
        self.residents_at: dict[str, list[dict]] = defaultdict(list)  # dwelling path -> residents
        self.households: dict[int, dict] = {}  # dwelling id -> its first household
        self.tags_of: dict[int, set] = defaultdict(set)
        self.loaded_residents: dict[int, dict] = {}

    def check_stored_heads(self) -> None:
        """One head per household against the residents already stored, not only within the
        file (issue 11 §7). Decision: a 户主 row for a dwelling whose household already has
        another head is an error for that row, unless the same file gives the stored head
        another relation (or moves them out): replacing a head is then explicit, never a side
        effect, and the dry run shows it as a row error to fix."""
        restated = {ln.match["id"]: ln for ln in self.lines
                    if not ln.bad and ln.match is not None}
        for line in self.lines:
            if line.bad or line.relation != R.HEAD or line.dwelling is None or not line.dwelling.place_id:
                continue
            node = line.dwelling
            stored = [r for r in self.residents_at.get(node.path, ()) if r["relation"] == R.HEAD]
            hh = self.households.get(node.place_id)
            head_ids = {r["id"] for r in stored} | ({hh["head_id"]} if hh and hh["head_id"] else set())
            for head_id in head_ids:
                if line.match is not None and line.match["id"] == head_id:
                    continue
                again = restated.get(head_id)
                if again is not None and (again.relation not in (None, R.HEAD) or again.dwelling is not node):
                    continue  # the file changes the stored head too: an explicit hand-over
                name = next((r["name"] for r in stored if r["id"] == head_id), None) or \
                    self.loaded_residents.get(head_id, {}).get("name", "")
                self.error(line, RELATION, _("该户已有户主（%(name)s），每户只能有一名户主；如需更换，"
                                             "请在同一文件中把原户主的“与户主关系”改为其他关系") % {"name": name})
                break

    def error(self, line: _Line, column: str, message) -> None:
        line.bad = True
        self.errors.append(RowError(row=line.row, column=column, message=str(message)))

    # ------------------------------------------------------------ 1. each row on its own

    def clean_rows(self) -> None:
        tags_by_label = {}
        for tag in CareTag.objects.filter(is_active=True):
            for label in (tag.name, tag.code, tag.name_en):
                if label:
                    tags_by_label[label.lower()] = tag.pk
        key_cache: dict[str, str | None] = {}
        for index, raw in enumerate(self.raw):
            row = {}
            number = None
            for key, value in raw.items():
                if key == ROW_KEY:
                    number = value
                    continue
                header = key_cache.get(key, "?")
                if header == "?":
                    header = key_cache[key] = canonical_header(key)
                if header is not None:
                    row[header] = _text(value)
            try:
                number = int(number) if number not in (None, "") else index + 2
            except (TypeError, ValueError):
                number = index + 2
            line = _Line(number)
            self._clean_line(line, row, tags_by_label)
            self.lines.append(line)

    def _clean_line(self, line: _Line, row: dict, tags_by_label: dict) -> None:
        get = row.get
        name = get(NAME, "")
        if not name:
            self.error(line, NAME, _("请填写姓名"))
        elif len(name) > 50:
            self.error(line, NAME, _("姓名不能超过50个字"))
        line.name = name
        id_birth = id_gender = None
        if get(ID_NUMBER):
            try:
                line.id_number, id_birth, id_gender = parse_id_number(row[ID_NUMBER])
                line.id_hash = pii.lookup_hash(line.id_number)
            except Invalid as exc:
                self.error(line, ID_NUMBER, exc.message)
        gender_text = get(GENDER, "")
        if gender_text:
            gender = GENDERS.get(gender_text.lower())
            if gender is None:
                self.error(line, GENDER, _("性别应为“男”或“女”"))
            elif id_gender and gender != id_gender:
                self.error(line, GENDER, _("性别与身份证号不一致"))
            else:
                line.gender = gender
        elif id_gender:
            line.gender = id_gender
        elif not get(ID_NUMBER):
            self.error(line, GENDER, _("未填身份证号时须填写性别"))
        if get(BIRTH):
            birth = _parse_date(row[BIRTH])
            if birth is None:
                self.error(line, BIRTH, _("出生日期格式应为 1980-05-17"))
            elif id_birth and birth != id_birth:
                self.error(line, BIRTH, _("出生日期与身份证号不一致"))
            elif birth > dt.date.today() or birth.year < 1880:
                self.error(line, BIRTH, _("出生日期不合理"))
            else:
                line.birth = birth
        elif id_birth:
            line.birth = id_birth
        if get(PHONE):
            try:
                line.phone = validate_mobile(row[PHONE])
            except Invalid as exc:
                self.error(line, PHONE, exc.message)
        for header, attr in ((COMPOUND, "compound"), (BUILDING, "building"), (UNIT, "unit"), (ROOM, "room")):
            value = get(header, "")
            if len(value) > 100:
                self.error(line, header, _("名称不能超过100个字"))
            setattr(line, attr, value)
        if not line.room:
            self.error(line, ROOM, _("请填写房号"))
        if line.unit and not line.building:
            self.error(line, UNIT, _("填写了单元时须同时填写楼栋"))
        if self.place.kind.code == "compound":
            if line.compound and line.compound != self.place.name:
                self.error(line, COMPOUND, _("小区与所选小区“%(name)s”不一致") % {"name": self.place.name})
        elif not line.compound:
            self.error(line, COMPOUND, _("导入到小区以上的地点时须填写小区"))
        if get(AREA):
            try:
                line.area = clean_area(_clean_area_text(row[AREA]))
            except Invalid as exc:
                self.error(line, AREA, exc.message)
        if get(TENURE):
            line.tenure = TENURES.get(row[TENURE].lower())
            if line.tenure is None:
                self.error(line, TENURE, _("居住性质应为“自有”“租住”或“其他”"))
        if get(RELATION):
            line.relation = RELATIONS.get(row[RELATION].lower())
            if line.relation is None:
                self.error(line, RELATION, _("与户主关系“%(value)s”无法识别，应为户主、配偶、子女、父母、孙子女、祖父母、"
                                             "兄弟姐妹、儿媳、女婿、租户或其他") % {"value": row[RELATION]})
        if get(LIVES_HERE):
            line.lives_here = YES_NO.get(row[LIVES_HERE].lower())
            if line.lives_here is None:
                self.error(line, LIVES_HERE, _("是否在此居住应填“是”或“否”"))
        if CARE_TAGS in row:
            labels = [t for t in TAG_SPLIT.split(row[CARE_TAGS]) if t and t.lower() not in NO_TAGS]
            tags, unknown = set(), []
            for label in labels:
                tag_id = tags_by_label.get(label.lower())
                if tag_id is None:
                    unknown.append(label)
                else:
                    tags.add(tag_id)
            if unknown:
                self.error(line, CARE_TAGS, _("未知的人员类别：%(names)s") % {"names": "、".join(unknown)})
            line.tags = frozenset(tags)

    # ------------------------------------------------------------ 2. places

    def resolve_places(self) -> None:
        compound_kind = self.kinds["compound"]
        if self.place.kind.code == "compound":
            self.compounds[self.place.name] = self.top
        else:
            by_name = defaultdict(list)
            names = {ln.compound for ln in self.lines if ln.compound}
            for chunk in _chunks(names):
                for p in Place.objects.filter(path__startswith=self.place.path, kind=compound_kind,
                                              name__in=chunk).values("id", "path", "name"):
                    by_name[p["name"]].append(p)
            self._load_children([self.top])
            for name in names:
                found = by_name.get(name, [])
                if len(found) == 1:
                    self.compounds[name] = _Node("compound", name, None, found[0]["id"], found[0]["path"])
                elif len(found) > 1:
                    self.compounds[name] = None  # ambiguous: reported per row below
        existing = [n for n in self.compounds.values() if n is not None and n.place_id]
        self._load_subtrees(existing)
        for line in self.lines:
            name = self.place.name if self.place.kind.code == "compound" else line.compound
            if not name or not line.room or (line.unit and not line.building):
                continue
            if name in self.compounds and self.compounds[name] is None:
                self.error(line, COMPOUND, _("所选地点下有多个名为“%(name)s”的小区，请改为导入到其中一个小区")
                           % {"name": name})
                continue
            compound = self.compounds.get(name)
            if compound is None:
                compound = self._child(self.top, name, "compound", line, COMPOUND)
                if compound is None:
                    continue
                self.compounds[name] = compound
            parent = compound
            for header, value, kind in ((BUILDING, line.building, "building"), (UNIT, line.unit, "unit")):
                if value:
                    parent = self._child(parent, value, kind, line, header)
                    if parent is None:
                        break
            if parent is None:
                continue
            dwelling = self._child(parent, line.room, "dwelling", line, ROOM)
            if dwelling is not None:
                line.dwelling = dwelling

    def _child(self, parent: _Node, name: str, kind: str, line: _Line, column: str) -> _Node | None:
        node = parent.children.get(name)
        if node is None:
            found = (parent.existing_children or {}).get(name) if not parent.new else None
            if found is not None:
                node = _Node(found[1], name, parent, found[0], found[2])
            else:
                node = _Node(kind, name, parent)
                parent.new_count += 1
                self.new_nodes.append(node)
            parent.children[name] = node
        if node.kind != kind:
            self.error(line, column, _("“%(name)s”已是“%(kind)s”，不能再作为“%(want)s”")
                       % {"name": name, "kind": self._kind_label(node.kind), "want": self._kind_label(kind)})
            return None
        return node

    def _kind_label(self, code: str) -> str:
        kind = self.kinds.get(code)
        return kind.label if kind is not None else code

    def _load_children(self, nodes: list[_Node]) -> None:
        by_id = {n.place_id: n for n in nodes}
        for n in nodes:
            n.existing_children = {}
        for chunk in _chunks(by_id):
            for p in Place.objects.filter(parent_id__in=chunk).values("id", "parent_id", "name", "kind__code", "path"):
                by_id[p["parent_id"]].existing_children[p["name"]] = (p["id"], p["kind__code"], p["path"])

    def _load_subtrees(self, compounds: list[_Node]) -> None:
        """Every place, dwelling fact, household, resident and care tag below the compounds
        the file names, in a few queries per hundred compounds."""
        place_rows = []
        for chunk in _chunks([c.path for c in compounds], 100):
            q = _prefix_q("path", chunk)
            place_rows += list(Place.objects.filter(q).values("id", "parent_id", "name", "kind__code", "path"))
            for r in Resident.objects.filter(q).values(*RESIDENT_FIELDS):
                self.residents_at[r["path"]].append(r)
                self.loaded_residents[r["id"]] = r
            for h in Household.objects.filter(q).order_by("pk").values("id", "dwelling_id", "head_id", "tenure"):
                self.households.setdefault(h["dwelling_id"], h)
            for d in Dwelling.objects.filter(_prefix_q("place__path", chunk)).values("place_id", "floor_area"):
                self.dwelling_area[d["place_id"]] = d["floor_area"]
            for t in Resident.care_tags.through.objects.filter(_prefix_q("resident__path", chunk)).values(
                    "resident_id", "caretag_id"):
                self.tags_of[t["resident_id"]].add(t["caretag_id"])
        nodes = {c.place_id: c for c in compounds}
        for c in compounds:
            c.existing_children = {}
        # Parents come before children in path order.
        for p in sorted(place_rows, key=lambda r: r["path"]):
            parent = nodes.get(p["parent_id"])
            if parent is not None and p["id"] not in nodes:
                parent.existing_children[p["name"]] = (p["id"], p["kind__code"], p["path"])
                child = _Node(p["kind__code"], p["name"], parent, p["id"], p["path"])
                child.existing_children = {}
                nodes[p["id"]] = child
        # The resolved tree reuses these nodes, so later look-ups find their children.
        for node in nodes.values():
            if node.parent is not None:
                node.parent.children.setdefault(node.name, node)

    # ------------------------------------------------------------ 3. rows against each other

    def check_across_rows(self) -> None:
        first_with_id: dict[str, int] = {}
        nameless_id: dict[tuple, int] = {}
        for line in self.lines:
            if line.id_hash:
                earlier = first_with_id.setdefault(line.id_hash, line.row)
                if earlier != line.row:
                    self.error(line, ID_NUMBER, _("身份证号与第%(row)d行重复") % {"row": earlier})
            node = line.dwelling
            if node is None:
                continue
            if not line.id_hash and line.name and not line.bad:
                earlier = nameless_id.setdefault((id(node), line.name), line.row)
                if earlier != line.row:
                    self.error(line, NAME, _("同一房屋中已有同名且未填身份证号的人员（第%(row)d行），请填写身份证号以区分")
                               % {"row": earlier})
            if line.relation == R.HEAD:
                if node.head_row is None:
                    node.head_row = line.row
                else:
                    self.error(line, RELATION, _("同一房屋只能有一名户主（第%(row)d行已是户主）") % {"row": node.head_row})
            if line.area is not None:
                if node.area is None:
                    node.area, node.area_row = line.area, line.row
                elif node.area != line.area:
                    self.error(line, AREA, _("同一房屋的面积与第%(row)d行不一致") % {"row": node.area_row})
            if line.tenure is not None:
                if node.tenure is None:
                    node.tenure, node.tenure_row = line.tenure, line.row
                elif node.tenure != line.tenure:
                    self.error(line, TENURE, _("同一房屋的居住性质与第%(row)d行不一致") % {"row": node.tenure_row})

    # ------------------------------------------------------------ 4. rows against what is stored

    def match_residents(self) -> None:
        hashes = {ln.id_hash for ln in self.lines if ln.id_hash}
        by_hash: dict[str, dict] = {r["id_number_hash"]: r for r in self.loaded_residents.values()
                                    if r["id_number_hash"]}
        missing = [h for h in hashes if h not in by_hash]
        outside_ids = []
        for chunk in _chunks(missing):
            for r in Resident.objects.filter(id_number_hash__in=chunk).values(*RESIDENT_FIELDS):
                by_hash[r["id_number_hash"]] = r
                outside_ids.append(r["id"])
        for chunk in _chunks(outside_ids):
            for t in Resident.care_tags.through.objects.filter(resident_id__in=chunk).values("resident_id", "caretag_id"):
                self.tags_of[t["resident_id"]].add(t["caretag_id"])
        claimed: dict[int, int] = {}
        for line in self.lines:
            if line.bad or line.dwelling is None:
                continue
            match = None
            if line.id_hash:
                match = by_hash.get(line.id_hash)
                if match is not None and not match["path"].startswith(self.place.path):
                    # Say only that it cannot be imported here (not that it exists elsewhere:
                    # that would answer "is this number registered anywhere in the city?"), and
                    # leave a trace for the supervisor.
                    self.error(line, ID_NUMBER, _("该身份证号不能导入到所选地点，请联系上级核实"))
                    self.foreign_id_rows.append(line.row)
                    continue
            if match is None and line.dwelling.place_id:
                same_name = [r for r in self.residents_at.get(line.dwelling.path, ())
                             if r["name"] == line.name and (not line.id_hash or not r["id_number_hash"])]
                if len(same_name) > 1:
                    self.error(line, NAME, _("该房屋已登记多名叫“%(name)s”的居民，请填写身份证号以区分") % {"name": line.name})
                    continue
                match = same_name[0] if same_name else None
            if match is not None:
                earlier = claimed.setdefault(match["id"], line.row)
                if earlier != line.row:
                    self.error(line, NAME, _("与第%(row)d行是同一位已登记的居民") % {"row": earlier})
                    continue
            line.match = match

    # ------------------------------------------------------------ 5. what would change

    def plan(self) -> None:
        rep = self.report
        now = timezone.now()
        self.now = now
        rep.created_places = len(self.new_nodes)
        self.dwellings = list({id(ln.dwelling): ln.dwelling for ln in self.lines if ln.dwelling}.values())
        self.new_dwelling_rows, self.area_updates = [], []
        for node in self.dwellings:
            if node.place_id:
                node.has_dwelling_row = node.place_id in self.dwelling_area
                node.old_area = self.dwelling_area.get(node.place_id)
                hh = self.households.get(node.place_id)
                if hh is not None:
                    node.household_id, node.old_head_id, node.old_tenure = hh["id"], hh["head_id"], hh["tenure"]
            if not node.has_dwelling_row:
                self.new_dwelling_rows.append(node)
            elif node.area is not None and node.area != node.old_area:
                self.area_updates.append(node)
        rep.updated_places = len(self.area_updates)
        rep.created_households = sum(1 for n in self.dwellings if n.household_id is None)
        self.new_lines, self.updates = [], defaultdict(list)  # frozenset(fields) -> [(line, values)]
        self.tag_changes: list[_Line] = []
        for line in self.lines:
            if line.match is None:
                self.new_lines.append(line)
                continue
            r = line.match
            node = line.dwelling
            values = {}
            if node.household_id is None or r["household_id"] != node.household_id:
                values["household_id"] = node.household_id  # None: a new household, filled in when written
            if r["path"] != node.path or not node.path:
                values["path"] = node.path
            for attr, column in (("name", "name"), ("gender", "gender"), ("birth", "birth_date"),
                                 ("relation", "relation"), ("lives_here", "lives_here")):
                value = getattr(line, attr)
                if value is not None and value != r[column]:
                    values[column] = value
            if line.id_hash and line.id_hash != r["id_number_hash"]:
                values["id_number"] = line.id_number
            if line.phone and pii.lookup_hash(line.phone) != r["phone_hash"]:
                values["phone"] = line.phone
            tags_changed = line.tags is not None and set(line.tags) != self.tags_of.get(r["id"], set())
            if tags_changed:
                self.tag_changes.append(line)
            if values or tags_changed:
                rep.updated_residents += 1
                if values:
                    self.updates[frozenset(values)].append((line, values))
            else:
                rep.unchanged_residents += 1
        rep.created_residents = len(self.new_lines)
        # Households: tenure and head.
        self.household_changes = []
        head_line = {}
        for line in self.lines:
            if line.relation == R.HEAD and line.dwelling is not None:
                head_line[id(line.dwelling)] = line
        for node in self.dwellings:
            if node.household_id is None:
                continue
            changes = {}
            if node.tenure is not None and node.tenure != node.old_tenure:
                changes["tenure"] = node.tenure
            line = head_line.get(id(node))
            if line is not None and (line.match is None or line.match["id"] != node.old_head_id):
                changes["head"] = line
            if changes:
                self.household_changes.append((node, changes))
        rep.updated_households = len(self.household_changes)
        self.head_line = head_line
        # A head who moves to another household stops heading the old one.
        moved = {ln.match["id"]: ln.match["household_id"] for ln in self.lines
                 if ln.match is not None and ln.match["household_id"]
                 and ln.match["household_id"] != ln.dwelling.household_id}
        self.moved_heads = moved

    # ------------------------------------------------------------ 6. writing

    def write(self) -> None:
        now = self.now
        by_level = defaultdict(list)
        for node in self.new_nodes:
            by_level[KIND_CODES.index(node.kind)].append(node)
        # Paths: parents that exist are locked and bumped by allocate_child_paths, in primary
        # key order so concurrent imports cannot deadlock; parents created here are invisible
        # to others until commit, so their children's paths are numbered here directly.
        under_existing = defaultdict(list)
        for node in self.new_nodes:
            if not node.parent.new:
                under_existing[node.parent.place_id].append(node)
        for parent_id in sorted(under_existing):
            children = under_existing[parent_id]
            for node, path in zip(children, allocate_child_paths(Place(pk=parent_id), len(children))):
                node.path = path
        numbering: dict[int, int] = defaultdict(int)  # a new parent may get children on several levels
        for level in sorted(by_level):
            nodes = by_level[level]
            for node in nodes:
                if node.parent.new:
                    i = numbering[id(node.parent)]
                    numbering[id(node.parent)] += 1
                    node.path = node.parent.path + segment(i)
            objs = [Place(path=n.path, depth=len(n.path) // 4, parent_id=n.parent.place_id, kind=self.kinds[n.kind],
                          name=n.name, child_seq=n.new_count) for n in nodes]
            Place.objects.bulk_create(objs, batch_size=CHUNK)
            for node, obj in zip(nodes, objs):
                node.place_id = obj.pk
        # Dwelling facts.
        Dwelling.objects.bulk_create([Dwelling(place_id=n.place_id, floor_area=n.area) for n in self.new_dwelling_rows],
                                     batch_size=CHUNK)
        Dwelling.objects.bulk_update([Dwelling(place_id=n.place_id, floor_area=n.area) for n in self.area_updates],
                                     ["floor_area"], batch_size=CHUNK)
        # Households: one per dwelling that has none.
        new_households = [n for n in self.dwellings if n.household_id is None]
        objs = [Household(dwelling_id=n.place_id, path=n.path, tenure=n.tenure or Household.Tenure.OWNED)
                for n in new_households]
        Household.objects.bulk_create(objs, batch_size=CHUNK)
        for node, obj in zip(new_households, objs):
            node.household_id = obj.pk
        # New residents.
        objs = []
        for line in self.new_lines:
            r = Resident(household_id=line.dwelling.household_id, path=line.dwelling.path, name=line.name,
                         gender=line.gender or "", birth_date=line.birth,
                         relation=line.relation or R.OTHER,
                         lives_here=True if line.lives_here is None else line.lives_here)
            if line.id_number:
                r.set_id_number(line.id_number)
            if line.phone:
                r.set_phone(line.phone)
            objs.append(r)
        Resident.objects.bulk_create(objs, batch_size=CHUNK)
        resident_id = {}
        for line, obj in zip(self.new_lines, objs):
            resident_id[id(line)] = obj.pk
        # Residents that change, grouped by the fields that change (one UPDATE … CASE per batch).
        for fields, items in self.updates.items():
            objs = []
            for line, values in items:
                r = Resident(pk=line.match["id"], updated_at=now)
                for key, value in values.items():
                    if key == "id_number":
                        r.set_id_number(value)
                    elif key == "phone":
                        r.set_phone(value)
                    elif key == "household_id":
                        r.household_id = line.dwelling.household_id
                    elif key == "path":
                        r.path = line.dwelling.path
                    else:
                        setattr(r, key, value)
                objs.append(r)
            names = []
            for key in sorted(fields):
                names += {"id_number": ["id_number_enc", "id_number_hash", "id_number_masked"],
                          "phone": ["phone_enc", "phone_hash", "phone_masked"]}.get(key, [key])
            Resident.objects.bulk_update(objs, [*names, "updated_at"], batch_size=UPDATE_BATCH)
        # Care tags through the M2M table.
        Through = Resident.care_tags.through
        changed_ids = [ln.match["id"] for ln in self.tag_changes]
        for chunk in _chunks(changed_ids):
            Through.objects.filter(resident_id__in=chunk).delete()
        links = [Through(resident_id=ln.match["id"], caretag_id=t) for ln in self.tag_changes for t in sorted(ln.tags)]
        links += [Through(resident_id=resident_id[id(ln)], caretag_id=t) for ln in self.new_lines if ln.tags
                  for t in sorted(ln.tags)]
        Through.objects.bulk_create(links, batch_size=CHUNK)
        # Heads of the new households: one UPDATE per chunk (every member of a new household
        # comes from this file, which has at most one 户主 per dwelling).
        new_with_head = [n.household_id for n in new_households if id(n) in self.head_line]
        head = Subquery(Resident.objects.filter(household_id=OuterRef("pk"), relation=R.HEAD)
                        .order_by("pk").values("pk")[:1])
        for chunk in _chunks(new_with_head):
            Household.objects.filter(pk__in=chunk).update(head=head)
        # Existing households whose head or tenure changes.
        by_fields = defaultdict(list)
        for node, changes in self.household_changes:
            hh = Household(pk=node.household_id, updated_at=now)
            if "tenure" in changes:
                hh.tenure = changes["tenure"]
            if "head" in changes:
                line = changes["head"]
                hh.head_id = resident_id[id(line)] if line.match is None else line.match["id"]
            by_fields[tuple(sorted(changes))].append(hh)
        for fields, objs in by_fields.items():
            Household.objects.bulk_update(objs, [*fields, "updated_at"], batch_size=CHUNK)
        if self.moved_heads:
            for chunk in _chunks(self.moved_heads.items()):
                q = Q()
                for rid, hid in chunk:
                    q |= Q(pk=hid, head_id=rid)
                Household.objects.filter(q).update(head=None, updated_at=now)


def import_people(*, actor, rows: list[dict[str, str]], under_place_id: int, dry_run: bool = False,
                  source: str = "") -> ImportReport:
    """Import `rows` (from read_table, or dicts keyed by the Chinese headers or their English
    names) under the place `under_place_id`. Returns a report; when it has errors nothing was
    written. `dry_run` checks and counts without writing. `source` (a file name) goes into
    the audit entry."""
    place = Place.objects.select_related("kind").filter(pk=under_place_id).first()
    if place is None:
        raise NotFound(_("所选地点不存在"), code="not_found", field="under")
    require(actor, Verb.PEOPLE_IMPORT, place)
    kinds = {k.code: k for k in PlaceKind.objects.all()}
    if any(code not in kinds for code in KIND_CODES):  # pragma: no cover - the data migration loads them
        raise Invalid(_("地点层级缺失：需要小区、楼栋、单元、户"), code="kinds_missing", field="under")
    if place.kind.rank > kinds["compound"].rank:
        raise Invalid(_("只能导入到小区或其上级地点（如网格、社区）"), code="import_place_level", field="under")
    if not rows:
        raise Invalid(_("文件中没有数据行"), code="empty_file", field="file")
    if dry_run:
        return _run(actor, rows, place, kinds, dry_run=True, source=source)
    try:
        with transaction.atomic():
            # One import at a time under a place: the second waits, then sees the first's rows.
            Place.objects.select_for_update().filter(pk=place.pk).values_list("pk", flat=True).first()
            return _run(actor, rows, place, kinds, dry_run=False, source=source)
    except IntegrityError as exc:
        raise Conflict(_("导入时数据被他人同时修改，请重新导入"), code="import_conflict") from exc


def _run(actor, rows, place, kinds, *, dry_run: bool, source: str) -> ImportReport:
    job = _Import(actor=actor, rows=rows, place=place, kinds=kinds, dry_run=dry_run)
    job.clean_rows()
    job.resolve_places()
    job.check_across_rows()
    job.match_residents()
    job.check_stored_heads()
    report = job.report
    if job.foreign_id_rows:
        # Attempts to import a number registered outside the chosen place, for the supervisor
        # (in the audit log even when nothing is written; row numbers only, never the number).
        record_audit(actor=actor, action="people.import_foreign_id", target=place,
                     data={"rows": job.foreign_id_rows[:100], "count": len(job.foreign_id_rows),
                           "dry_run": dry_run, **({"source": source[:200]} if source else {})})
    if job.errors:
        report.errors = sorted(job.errors, key=lambda e: (e.row, list(COLUMNS).index(e.column)
                                                         if e.column in COLUMNS else -1))
        return report
    job.plan()
    if dry_run:
        return report
    job.write()
    record_audit(actor=actor, action="people.import", target=place,
                 data={**report.counts(), **({"source": source[:200]} if source else {})})
    return report


# ---------------------------------------------------------------- the template file


def template_workbook() -> bytes:
    """An .xlsx with the headers, one example row and a sheet explaining each column. The
    ID and phone columns are formatted as text, so Excel keeps all 18 digits."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = str(_("人口信息"))
    columns = list(COLUMNS.values())
    ws.append([c.header for c in columns])
    ws.append([c.example for c in columns])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF2CC")
    for i, c in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = bold
        if c.required:
            cell.fill = fill
        letter = cell.column_letter
        ws.column_dimensions[letter].width = max(10, len(c.example) + 4, len(c.header) * 2 + 4)
        if c.header in (ID_NUMBER, PHONE, ROOM, BUILDING, UNIT):
            # Text, so Excel keeps all 18 digits of an ID number and leading zeros of a room.
            ws.column_dimensions[letter].number_format = "@"
            ws.cell(row=2, column=i).number_format = "@"
    ws.freeze_panes = "A2"
    notes = wb.create_sheet(str(_("填写说明")))
    notes.append([str(_("列名")), str(_("说明")), str(_("英文列名"))])
    for c in columns:
        notes.append([c.header + (" *" if c.required else ""), str(c.meaning), c.key])
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 80
    notes.column_dimensions["C"].width = 14
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
