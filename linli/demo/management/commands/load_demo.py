import time

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count

from linli.accounts.models import Organisation, RoleAssignment, User
from linli.demo import points as demo_points
from linli.demo.activities import load_demo_activities
from linli.demo.awards import load_demo_awards
from linli.demo.cases import load_demo_cases, train_demo_triage
from linli.demo.city import MARKER, DemoBuilder
from linli.demo.deliberation import load_demo_deliberation
from linli.demo.lists import load_demo_lists
from linli.demo.shop_demo import load_shop_history
from linli.demo.showcases import give_showcase_phones
from linli.places.models import Household, Ownership, Place, Resident


def is_loaded() -> bool:
    return Place.objects.filter(depth=1, name=MARKER).exists()


class Command(BaseCommand):
    help = ("载入根据五篇种子报道构建的演示城市（幂等：已载入则不做任何改动）。"
            "Load the demo city built from the seed articles (idempotent: a second run changes nothing).")

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0,
                            help="住户数量比例，网格数不变（测试用，如 0.05）/ share of households to generate, "
                                 "grids unchanged (e.g. 0.05 for tests)")

    def handle(self, *args, scale, **options):
        if not 0 < scale <= 1:
            raise CommandError("--scale must be in (0, 1]")
        if is_loaded():
            self.stdout.write("演示城市已载入，未做改动。Demo city already loaded; nothing changed.")
            return
        started = time.monotonic()
        # One transaction: an interrupted load leaves nothing behind, so the next run starts clean.
        with transaction.atomic():
            if is_loaded():  # pragma: no cover - another loader committed meanwhile
                return
            DemoBuilder(scale=scale).build()
            n_cases = load_demo_cases(scale=scale)
            load_demo_deliberation()
            load_demo_lists()
            mine_started = time.monotonic()
            demo_points.load_rules()
            took_part = load_demo_activities(scale=scale)
            shop = demo_points.load_shop()
            load_shop_history()
            load_demo_awards()
            give_showcase_phones()
            mine_seconds = time.monotonic() - mine_started
            model = train_demo_triage()
        seconds = time.monotonic() - started
        kinds = dict(Place.objects.values_list("kind__code").annotate(n=Count("id")).values_list("kind__code", "n"))
        order = ("district", "street", "community", "area", "grid", "compound", "building", "unit", "dwelling")
        labels = dict(apps.get_model("places", "PlaceKind").objects.values_list("code", "name"))
        self.stdout.write(self.style.SUCCESS(f"演示城市已载入 Demo city loaded in {seconds:.1f} s"))
        self.stdout.write("  地点 places: " + "，".join(f"{labels.get(k, k)} {kinds[k]}" for k in order if k in kinds))
        self.stdout.write(
            f"  住户 households {Household.objects.count()}，居民 residents {Resident.objects.count()}，"
            f"产权 ownerships {Ownership.objects.count()}，用户 users {User.objects.count()}，"
            f"角色 roles {RoleAssignment.objects.count()}，组织 organisations {Organisation.objects.count()}，"
            f"诉求 cases {n_cases}")
        self.stdout.write(
            f"  活动 activities {took_part['activities']}（报名 sign-ups {took_part['participations']}），"
            f"共建单位 units {took_part['units']}，报到党员 members {took_part['members']}，"
            f"网格岗位 posts {took_part['posts']}，积分超市 goods {shop['goods']}（兑换 redemptions {shop['redemptions']}），"
            f"{mine_seconds:.1f} s")
        if model is not None:
            self.stdout.write(f"  分类模型 triage model v{model.version}: 留出准确率 held-out top-1 {model.accuracy:.3f}")
        self.stdout.write("  演示账号 demo log-ins: manage.py demo_logins")
