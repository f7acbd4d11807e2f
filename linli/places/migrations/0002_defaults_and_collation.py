from django.db import migrations

from linli.core.migration_ops import binary_collation

# The default levels of the seeds (003, 004): 区/县 → 街道/镇 → 社区 → 片区 → 网格 → 小区/院落 →
# 楼栋 → 单元 → 户. Ranks leave gaps so a deployment can insert levels.
KINDS = [
    ("district", "区/县", "District/County", 10, None, False),
    ("street", "街道/镇", "Street/Town", 20, None, False),
    ("community", "社区", "Community", 30, None, True),
    ("area", "片区", "Area", 40, "community", True),
    ("grid", "网格", "Grid", 50, "community", True),
    ("compound", "小区/院落", "Compound", 60, None, True),
    ("building", "楼栋", "Building", 70, None, False),
    ("unit", "单元", "Entrance", 80, None, False),
    ("dwelling", "户", "Dwelling", 90, None, False),
]

CARE_TAGS = [
    ("elderly_alone", "独居老人", "Elderly living alone"),
    ("empty_nest", "空巢老人", "Empty-nest elderly"),
    ("disabled", "残疾人", "Disabled"),
    ("low_income", "低保", "Minimum-income support"),
    ("veteran", "退役军人", "Veteran"),
    ("party_member", "党员", "Party member"),
    ("left_behind_child", "留守儿童", "Left-behind child"),
    ("serious_illness", "重病患者", "Serious illness"),
    ("special_hardship", "特困人员", "Extreme hardship"),
]


def load(apps, schema_editor):
    PlaceKind = apps.get_model("places", "PlaceKind")
    CareTag = apps.get_model("places", "CareTag")
    by_code = {}
    for code, name, name_en, rank, requires, has_boundary in KINDS:
        by_code[code] = PlaceKind.objects.create(code=code, name=name, name_en=name_en, rank=rank,
                                                 requires_ancestor=by_code.get(requires),
                                                 has_boundary=has_boundary)
    for i, (code, name, name_en) in enumerate(CARE_TAGS):
        CareTag.objects.create(code=code, name=name, name_en=name_en, sort=i)


class Migration(migrations.Migration):
    dependencies = [("places", "0001_initial")]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
        binary_collation("places_place", "path"),
        binary_collation("places_household", "path"),
        binary_collation("places_resident", "path"),
    ]
