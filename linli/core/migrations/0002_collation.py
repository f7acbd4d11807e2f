from django.db import migrations

from linli.core.migration_ops import binary_collation


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [binary_collation("core_auditentry", "path")]
