"""The case number is given by the INSERT (intake is the hottest write; no UPDATE after it):
on PostgreSQL a BEFORE INSERT trigger fills an empty number with the creation day (UTC) and
the zero-padded id, and Django reads it back through RETURNING (the column's db_default
makes it a returned column). Other databases keep setting it right after the INSERT."""

from django.db import migrations, models

CREATE = """
CREATE OR REPLACE FUNCTION cases_case_number() RETURNS trigger AS $$
BEGIN
    IF NEW.number = '' THEN
        NEW.number := to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYYMMDD')
                      || lpad(NEW.id::text, greatest(6, length(NEW.id::text)), '0');
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS cases_case_number ON cases_case;
CREATE TRIGGER cases_case_number BEFORE INSERT ON cases_case
    FOR EACH ROW EXECUTE FUNCTION cases_case_number();
"""
DROP = """
DROP TRIGGER IF EXISTS cases_case_number ON cases_case;
DROP FUNCTION IF EXISTS cases_case_number();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_caseevent_history_base")]

    operations = [
        migrations.AlterField(
            model_name="case", name="number",
            field=models.CharField(db_default="", max_length=24, unique=True, verbose_name="编号"),
        ),
        migrations.RunPython(create, drop),
    ]
