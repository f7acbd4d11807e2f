from django.core.management.base import BaseCommand, CommandError

from linli.core.actors import SYSTEM
from linli.core.errors import DomainError
from linli.deliberation.roll_import import import_roll, read_roll


class Command(BaseCommand):
    help = ("导入一个小区的业主名册（.xlsx 或 .csv）；--check 只检查不写入。"
            "Import a compound's owners' roll (.xlsx or .csv); --check checks without writing.")

    def add_arguments(self, parser):
        parser.add_argument("compound_id", type=int)
        parser.add_argument("file")
        parser.add_argument("--check", action="store_true")

    def handle(self, *args, compound_id, file, check, **options):
        try:
            with open(file, "rb") as fh:
                rows = read_roll(fh, file)
            report = import_roll(actor=SYSTEM, compound_id=compound_id, rows=rows, dry_run=check,
                                 source=file)
        except (OSError, DomainError) as exc:
            raise CommandError(str(exc)) from exc
        for e in report.errors:
            self.stdout.write(f"第 {e['row']} 行 row {e['row']} [{e['column']}]: {e['message']}")
        if report.errors:
            raise CommandError(f"{len(report.errors)} 处错误，未写入 errors, nothing written")
        self.stdout.write(self.style.SUCCESS(
            f"{'检查通过 checked' if check else '已导入 imported'}: 房屋 dwellings {report.dwellings}, "
            f"有变化 changed {report.dwellings_changed}, 新业主 owners created {report.owners_created}, "
            f"产权 +{report.ownerships_added} -{report.ownerships_removed}, "
            f"产权信息 titles +{report.titles_created} ~{report.titles_updated}"))
