"""Stored ID-number masks keep the prefix and the check digit only (linli.core.pii.mask_id_number):
rewrite the masks stored with the last four digits. Plain SQL functions, no decryption."""

from django.db import migrations
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Repeat, Right, Substr


def shorten(apps, schema_editor):
    Resident = apps.get_model("places", "Resident")
    (Resident.objects.filter(id_number_masked__regex=r"^.{8,}$")
     .update(id_number_masked=Concat(Substr(F("id_number_masked"), 1, 3),
                                     Repeat(Value("*"), Length(F("id_number_masked")) - 4),
                                     Right(F("id_number_masked"), 1))))


class Migration(migrations.Migration):
    dependencies = [("places", "0002_defaults_and_collation")]
    operations = [migrations.RunPython(shorten, migrations.RunPython.noop, elidable=True)]
