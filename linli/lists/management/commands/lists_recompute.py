from django.core.management.base import BaseCommand

from linli.core.actors import SYSTEM
from linli.lists import services
from linli.lists.models import Item


class Command(BaseCommand):
    help = ("按资金记录、预算科目和里程碑重算每个清单事项的汇总数（预算、认捐、到账、支出、进度），报告差异；"
            "--fix 写回重算结果。Recompute every item's figures from its records and report differences.")

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="写回重算结果 / write the recomputed figures")

    def handle(self, *args, fix, **options):
        checked = differing = 0
        for item_id in Item.objects.order_by("pk").values_list("pk", flat=True).iterator():
            checked += 1
            diff = services.recompute_item(actor=SYSTEM, item_id=item_id, fix=fix)
            if diff:
                differing += 1
                parts = "，".join(f"{k}: {a} → {b}" for k, (a, b) in diff.items())
                self.stdout.write(f"#{item_id} {parts}")
        verdict = "已修正 fixed" if fix and differing else "有差异 differ" if differing else "一致 all match"
        self.stdout.write(f"核对 {checked} 项 checked, {differing} 项不一致 differing: {verdict}")
        if differing and not fix:
            self.stderr.write("运行 --fix 写回重算结果 / run with --fix to write them")
