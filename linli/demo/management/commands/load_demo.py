import time

from django.core.management.base import BaseCommand
from django.db import transaction

from linli.accounts.models import User
from linli.demo.city import MARKER, PASSWORD, DemoBuilder
from linli.places.models import Household, Place, Resident


class Command(BaseCommand):
    help = "载入根据五篇种子报道构建的演示城市（幂等：已载入则不做任何改动）。Load the demo city (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0,
                            help="住户数量比例（测试用小比例，如 0.05）/ household scale, e.g. 0.05 for tests")

    def handle(self, *args, scale, **options):
        if Place.objects.filter(depth=1, name=MARKER).exists():
            self.stdout.write("演示城市已载入，未做改动。demo city already loaded; nothing changed.")
            return
        started = time.monotonic()
        # One transaction: an interrupted load leaves nothing, so the next run starts clean.
        with transaction.atomic():
            DemoBuilder(scale=scale).build()
            if not User.objects.filter(username="admin").exists():
                User.objects.create_superuser("admin", password=PASSWORD, display_name="系统管理员")
        self.stdout.write(
            f"演示城市已载入 demo city loaded in {time.monotonic() - started:.1f}s: "
            f"{Place.objects.count()} places, {Household.objects.count()} households, "
            f"{Resident.objects.count()} residents, {User.objects.count()} users")
