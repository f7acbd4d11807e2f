import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from linli.core.migration_ops import binary_collation


class Migration(migrations.Migration):
    """The audit log stands on the shared history base (action → kind, reason → note,
    plus the internal flag); domain events and their effects."""

    dependencies = [
        ("core", "0002_collation"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField("auditentry", "action", "kind"),
        migrations.RenameField("auditentry", "reason", "note"),
        migrations.AlterField("auditentry", "kind", models.CharField(max_length=64, verbose_name="事件")),
        migrations.AlterField("auditentry", "note", models.TextField(blank=True, verbose_name="说明")),
        migrations.AddField("auditentry", "is_internal",
                            models.BooleanField(default=False, verbose_name="仅内部可见")),
        migrations.AddIndex("auditentry", models.Index(fields=["kind", "at"], name="audit_kind_at")),
        migrations.CreateModel(
            name="DomainEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="时间")),
                ("kind", models.CharField(max_length=64, verbose_name="事件")),
                ("note", models.TextField(blank=True, verbose_name="说明")),
                ("is_internal", models.BooleanField(default=False, verbose_name="仅内部可见")),
                ("data", models.JSONField(blank=True, default=dict, verbose_name="内容")),
                ("path", models.CharField(blank=True, db_index=True, max_length=255, verbose_name="位置路径")),
                ("key", models.CharField(max_length=160, unique=True, verbose_name="来源标识")),
                ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="操作人")),
            ],
            options={"verbose_name": "领域事件", "verbose_name_plural": "领域事件", "ordering": ["id"],
                     "indexes": [models.Index(fields=["kind", "id"], name="domain_event_kind")]},
        ),
        migrations.CreateModel(
            name="EffectDone",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("effect", models.CharField(max_length=100)),
                ("at", models.DateTimeField(auto_now_add=True)),
                ("event", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="effects",
                                            to="core.domainevent")),
            ],
            options={"constraints": [models.UniqueConstraint(fields=("effect", "event"),
                                                             name="effect_once_per_event")]},
        ),
        binary_collation("core_domainevent", "path"),
    ]
