from django.db import migrations

from linli.core.migration_ops import binary_collation


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_default_taxonomy")]

    operations = [binary_collation("cases_case", "path")]
