from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .history import AppendOnlyError, HistoryEntry  # noqa: F401  (AppendOnlyError: re-exported)


class AuditEntry(HistoryEntry):
    """Who did what to which record, when and why. Written by services in the same
    transaction as the change (`linli.core.audit.record_audit`); never updated or deleted.
    `kind` is the action ("case.submit"), `note` the reason given."""

    target_type = models.CharField(_("对象类型"), max_length=64)
    target_id = models.CharField(_("对象编号"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        indexes = [models.Index(fields=["target_type", "target_id"]),
                   models.Index(fields=["kind", "at"], name="audit_kind_at")]
        ordering = ["-id"]


class DomainEvent(HistoryEntry):
    """A fact one app tells the others ("cases.case_closed"), appended in the transaction
    that made it true. `key` names the source occurrence (e.g. the timeline entry), so
    publishing the same fact twice stores it once. Subscribers' effects are tracked in
    `EffectDone`, one row per (effect, event): an effect runs once per event, however often
    a job or a request is retried (linli.core.events)."""

    key = models.CharField(_("来源标识"), max_length=160, unique=True)

    class Meta:
        verbose_name = _("领域事件")
        verbose_name_plural = _("领域事件")
        ordering = ["id"]
        indexes = [models.Index(fields=["kind", "id"], name="domain_event_kind")]


class EffectDone(models.Model):
    """One subscriber's effect of one domain event has been applied (committed with it)."""

    event = models.ForeignKey(DomainEvent, on_delete=models.PROTECT, related_name="effects")
    effect = models.CharField(max_length=100)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["effect", "event"], name="effect_once_per_event")]


class IdempotencyRecord(models.Model):
    """The stored answer to an API create, so a retried request gets the same answer."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key")]
