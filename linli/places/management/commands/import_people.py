"""manage.py import_people FILE.xlsx|.csv --under <place id | 城关镇/新城社区/第一网格> [--dry-run]

Imports people as the system actor (linli.places.importing). Prints the report; every bad
row as "第N行 [列] 原因"; exits non-zero when the file has errors (nothing is written then)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from linli.core.actors import SYSTEM
from linli.core.errors import DomainError
from linli.places.importing import import_people, read_table
from linli.places.models import Place


def find_place(under: str) -> Place:
    """A place by primary key, or by its names from any level down, separated by "/"."""
    under = (under or "").strip()
    if under.isdigit():
        place = Place.objects.filter(pk=int(under)).first()
        if place is None:
            raise CommandError(_("地点 %(id)s 不存在") % {"id": under})
        return place
    names = [n.strip() for n in under.strip("/").split("/") if n.strip()]
    if not names:
        raise CommandError(_("请用 --under 指定地点（编号或名称路径）"))
    candidates = list(Place.objects.filter(name=names[0]).values_list("pk", flat=True))
    for name in names[1:]:
        candidates = list(Place.objects.filter(parent_id__in=candidates, name=name).values_list("pk", flat=True))
    if not candidates:
        raise CommandError(_("找不到地点“%(path)s”") % {"path": under})
    if len(candidates) > 1:
        found = Place.objects.filter(pk__in=candidates).order_by("path")
        raise CommandError(_("“%(path)s”对应多个地点，请写出更上一级的名称或使用编号：%(ids)s")
                           % {"path": under, "ids": "、".join(f"{p.pk}" for p in found)})
    return Place.objects.get(pk=candidates[0])


class Command(BaseCommand):
    help = "导入人口数据（.xlsx 或 .csv，中文列名）/ Import people from a spreadsheet"

    def add_arguments(self, parser):
        parser.add_argument("file", help=".xlsx 或 .csv 文件")
        parser.add_argument("--under", required=True,
                            help="导入到哪个地点：编号，或名称路径如 城关镇/新城社区/第一网格")
        parser.add_argument("--dry-run", action="store_true", help="只检查并统计，不写入")

    def handle(self, *args, file, under, dry_run, **options):
        place = find_place(under)
        try:
            with open(file, "rb") as fh:
                rows = read_table(fh, file)
        except OSError as exc:
            raise CommandError(_("无法打开文件：%(err)s") % {"err": exc}) from exc
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        try:
            report = import_people(actor=SYSTEM, rows=rows, under_place_id=place.pk, dry_run=dry_run,
                                   source=str(file).rsplit("/", 1)[-1])
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        if not report.ok:
            for e in report.errors:
                column = f" [{e.column}]" if e.column else ""
                self.stderr.write(_("第%(row)d行%(column)s %(message)s") % {"row": e.row, "column": column,
                                                                            "message": e.message})
            raise CommandError(_("文件有 %(n)d 处错误，未导入任何数据（共 %(rows)d 行）")
                               % {"n": len(report.errors), "rows": report.total_rows}, returncode=2)
        head = _("试导入（未写入）") if dry_run else _("导入完成")
        self.stdout.write(
            _("%(head)s：%(place)s，共 %(rows)d 行；新增居民 %(cr)d，更新居民 %(ur)d，未变居民 %(nr)d；"
              "新建地点 %(cp)d，新建住户 %(ch)d，更新房屋 %(up)d，更新住户 %(uh)d")
            % {"head": head, "place": place.name, "rows": report.total_rows, "cr": report.created_residents,
               "ur": report.updated_residents, "nr": report.unchanged_residents, "cp": report.created_places,
               "ch": report.created_households, "up": report.updated_places, "uh": report.updated_households})
