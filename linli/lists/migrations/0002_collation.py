from django.db import migrations

from linli.core.migration_ops import binary_collation


class Migration(migrations.Migration):
    dependencies = [("lists", "0001_initial")]

    operations = [binary_collation("lists_item", "path"), binary_collation("lists_itemevent", "path"),
                  binary_collation("lists_moneyentry", "path")]
