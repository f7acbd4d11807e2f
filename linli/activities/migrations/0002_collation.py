from django.db import migrations

from linli.core.migration_ops import binary_collation


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_initial")]

    operations = [binary_collation(f"activities_{table}", "path") for table in (
        "activity", "participation", "participationevent", "scan", "hourscorrection", "manualhours", "partnerunit",
        "pairing", "memberregistration", "post", "postclaim")]
