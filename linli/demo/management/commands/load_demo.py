from django.core.management.base import BaseCommand
from django.db import transaction

from linli.core.actors import SYSTEM
from linli.places import services
from linli.places.models import Place


class Command(BaseCommand):
    help = "Load the demo city built from the seed articles (idempotent)."

    def handle(self, *args, **options):
        if Place.objects.filter(depth=1, name="宕昌县").exists():
            self.stdout.write("demo city already loaded")
            return
        with transaction.atomic():
            county = services.create_place(actor=SYSTEM, parent_id=None, kind_code="district", name="宕昌县")
            town = services.create_place(actor=SYSTEM, parent_id=county.pk, kind_code="street", name="城关镇")
            for name in ("新城社区", "下坝社区", "人民社区", "东街社区"):
                services.create_place(actor=SYSTEM, parent_id=town.pk, kind_code="community", name=name)
        self.stdout.write("demo city loaded")
