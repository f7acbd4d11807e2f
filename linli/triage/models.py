"""The trained category suggesters: one row per training run, newest wins."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TriageModel(models.Model):
    """A jieba + scikit-learn pipeline trained on this deployment's handled cases. `pipeline`
    is the joblib dump of the fitted pipeline: it is only ever written by
    `linli.triage.services.train_model` and loaded from our own database, never from outside
    (unpickling runs code). The accuracy figures come from a stratified held-out split; the
    stored pipeline is then refitted on every case."""

    version = models.PositiveIntegerField(_("版本"), unique=True)
    trained_at = models.DateTimeField(_("训练时间"), auto_now_add=True, db_index=True)
    n_cases = models.PositiveIntegerField(_("训练诉求数"))
    n_test = models.PositiveIntegerField(_("留出测试数"))
    classes = models.JSONField(_("类别代码"), default=list)
    accuracy = models.FloatField(_("留出准确率"))
    top3_accuracy = models.FloatField(_("留出前三准确率"))
    keyword_accuracy = models.FloatField(_("关键词准确率（同一留出集）"))
    # Digest of (pipeline version, the cases and their final categories) trained on: a
    # retrain over unchanged data is skipped, so the nightly job is idempotent.
    data_digest = models.CharField(max_length=64, db_index=True)
    sklearn_version = models.CharField(max_length=32)
    pipeline = models.BinaryField()

    class Meta:
        ordering = ["-version"]
        verbose_name = _("分类模型")
        verbose_name_plural = _("分类模型")

    def __str__(self):
        return f"v{self.version}"
