from django.db import migrations, models

from linli.core.migration_ops import binary_collation


def copy_case_paths(apps, schema_editor):
    CaseEvent = apps.get_model("cases", "CaseEvent")
    Case = apps.get_model("cases", "Case")
    CaseEvent.objects.update(path=models.Subquery(Case.objects.filter(pk=models.OuterRef("case_id")).values("path")[:1]))


class Migration(migrations.Migration):
    """The timeline stands on the shared history base: it carries its case's place path."""

    dependencies = [("cases", "0003_collation")]

    operations = [
        migrations.AddField("caseevent", "path", models.CharField(blank=True, db_index=True, max_length=255,
                                                                  verbose_name="位置路径")),
        migrations.AlterField("caseevent", "kind", models.CharField(max_length=64, verbose_name="事件", choices=[
            ("created", "提交"), ("classified", "分类"), ("routed", "分派"), ("accepted", "受理"),
            ("info_requested", "要求补充"), ("info_added", "补充材料"), ("escalated", "上报"), ("referred", "转部门"),
            ("task_opened", "发起协办"), ("task_done", "协办完成"), ("note", "备注"), ("contacted", "联系反映人"),
            ("answered", "答复"), ("verified", "核查"), ("closed", "办结"), ("rated", "评价"),
            ("reopened", "重新办理"), ("merged", "合并"), ("me_too", "我也遇到"), ("overdue", "超期"),
            ("card", "督办"), ("follow_up", "回访")])),
        migrations.AlterField("caseevent", "data", models.JSONField(blank=True, default=dict, verbose_name="内容")),
        migrations.RunPython(copy_case_paths, migrations.RunPython.noop),
        binary_collation("cases_caseevent", "path"),
    ]
