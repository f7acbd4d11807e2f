from django.db import migrations

from linli.core.migration_ops import binary_collation

# Path columns that scope filters read with LIKE 'prefix%': "C" collation on PostgreSQL.
TABLES = ["deliberation_vote", "deliberation_topic", "deliberation_meeting", "deliberation_elector",
          "deliberation_ballot", "deliberation_voteevent", "deliberation_topicevent", "deliberation_signin",
          "deliberation_paperentry"]


class Migration(migrations.Migration):
    dependencies = [("deliberation", "0001_initial")]

    operations = [binary_collation(t, "path") for t in TABLES]
