from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print the demo log-ins of every role."

    def handle(self, *args, **options):
        self.stdout.write("linli: http://127.0.0.1:8000/")
