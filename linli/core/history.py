"""The one shape of history in linli: append-only rows that say who did what, when, with a
note, a visibility flag, structured data and the place path they belong to.

Case timelines (`cases.CaseEvent`), the audit log (`core.AuditEntry`), and later ballots,
ledger entries, check-ins, list-item status changes and roll-call answers all stand on
`HistoryEntry`. `record` is the one public way to append an entry together with its outbox
notices and its audit entry, in the caller's transaction; `timeline` is the one read of an
object's history with the one visibility rule (internal entries for handlers only)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """A history row was about to be changed or deleted."""


class HistoryEntry(models.Model):
    """Abstract base of every append-only history table.

    `path` is the materialised path of the place the entry belongs to (rows that grow with
    the population carry the path: scope and partitioning need no join). Subclasses that
    should follow their object when a place moves declare `scope_path_field = "path"`
    (a case's timeline does); the audit log keeps the path it was written with."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("操作人"))
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("事件"), max_length=64)
    note = models.TextField(_("说明"), blank=True)
    is_internal = models.BooleanField(_("仅内部可见"), default=False)
    data = models.JSONField(_("内容"), default=dict, blank=True)
    path = models.CharField(_("位置路径"), max_length=255, blank=True, db_index=True)

    class Meta:
        abstract = True
        ordering = ["id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only")


def person_or_none(actor):
    """The user to store as the actor: None for the system actor and anonymous users."""
    return actor if actor is not None and getattr(actor, "pk", None) is not None else None


def record(model: type[HistoryEntry], *, actor, kind: str, path: str = "", note: str = "",
           internal: bool = False, data: dict | None = None, notify: Iterable = (),
           notice_text: str = "", notice_kind: str = "", url: str = "", sms: bool = False,
           audit_action: str = "", audit_target=None, **fields) -> HistoryEntry:
    """Append one history entry of `model` (with its own fields, e.g. `case=case`), the
    outbox notices to `notify` (when given) and an audit entry (when `audit_action` is
    given), all in the caller's transaction: a notice exists exactly when its event does."""
    entry = model.objects.create(actor=person_or_none(actor), kind=kind, path=path, note=note or "",
                                 is_internal=internal, data=data or {}, **fields)
    recipients = list(notify)
    if recipients:
        from linli.notify.services import enqueue

        enqueue(recipients, kind=notice_kind or kind, text=notice_text, url=url, sms=sms)
    if audit_action:
        from .audit import record_audit

        record_audit(actor=actor, action=audit_action, target=audit_target, path=path, reason=note[:500]
                     if note else "", data=data)
    return entry


def timeline(entries, *, show_internal: bool) -> list:
    """An object's history in order, with the one visibility rule: internal entries only
    for those who handle the object (`show_internal`, decided by the owning app's rule)."""
    qs = entries if show_internal else entries.filter(is_internal=False)
    return list(qs.select_related("actor").order_by("at", "id"))
