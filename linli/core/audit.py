from __future__ import annotations

from .models import AuditEntry


def record_audit(*, actor, action: str, target=None, target_type: str = "", target_id="",
                 path: str = "", reason: str = "", data: dict | None = None) -> AuditEntry:
    """Append one audit entry (`kind` = action, `note` = reason). Call inside the transaction
    of the change it records."""
    entry = audit_entry(actor=actor, action=action, target=target, target_type=target_type, target_id=target_id,
                        path=path, reason=reason, data=data)
    entry.save(force_insert=True)
    return entry


def audit_entry(*, actor, action: str, target=None, target_type: str = "", target_id="",
                path: str = "", reason: str = "", data: dict | None = None) -> AuditEntry:
    """The entry `record_audit` appends, unsaved (for a caller that writes it in one statement
    with the change it records: `linli.core.together`)."""
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
        path = path or getattr(target, "path", "") or ""
    is_person = actor is not None and actor.is_authenticated and actor.pk is not None
    if not is_person:
        data = {**(data or {}), "actor": str(actor or "anonymous")}
    return AuditEntry(
        actor=actor if is_person else None,
        kind=action, target_type=target_type, target_id=str(target_id or ""),
        path=path, note=str(reason or ""), is_internal=True, data=data or {},
    )
