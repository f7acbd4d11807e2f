from django.core.management.base import BaseCommand, CommandError

from linli.points.recompute import differences


class Command(BaseCommand):
    help = "Recompute every balance, lot and stock level from the entries and report any difference."

    def handle(self, *args, **options):
        found = differences()
        for line in found:
            self.stdout.write(line)
        if found:
            raise CommandError(f"{len(found)} differences")
        self.stdout.write("no differences")
