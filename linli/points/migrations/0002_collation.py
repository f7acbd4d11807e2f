from django.db import migrations

from linli.core.migration_ops import binary_collation


class Migration(migrations.Migration):
    dependencies = [("points", "0001_initial")]

    operations = [binary_collation(f"points_{table}", "path") for table in (
        "pointaccount", "pointtransfer", "earningrule", "award", "good", "redemption", "stockentry")]
