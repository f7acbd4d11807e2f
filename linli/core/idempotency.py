"""Idempotent creates: a retried request with the same Idempotency-Key and body gets the
stored answer; the same key with another body is refused (422). The record is written in
the same transaction as the thing created."""

from __future__ import annotations

import hashlib
import json
from typing import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from .errors import Invalid, Unprocessable
from .models import IdempotencyRecord

HEADER = "Idempotency-Key"


def _request_hash(request, payload) -> str:
    body = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def run_idempotent(request, payload, create: Callable[[], dict], *, status: int = 201) -> tuple[int, dict]:
    """Run `create` (which returns the JSON answer) at most once per (user, key)."""
    key = request.headers.get(HEADER)
    if not key:
        with transaction.atomic():
            return status, create()
    key = key.strip()
    if not key or len(key) > 128:
        raise Invalid(_("Idempotency-Key 长度应为1到128个字符"), code="idempotency_key", field=HEADER)
    digest = _request_hash(request, payload)
    user = request.user
    for _attempt in range(2):
        stored = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if stored is not None:
            if stored.request_hash != digest:
                raise Unprocessable(_("此 Idempotency-Key 已用于另一个请求"), code="idempotency_mismatch",
                                    field=HEADER)
            return stored.status_code, stored.response
        try:
            with transaction.atomic():
                answer = create()
                IdempotencyRecord.objects.create(user=user, key=key, request_hash=digest,
                                                 status_code=status, response=answer)
                return status, answer
        except IntegrityError:
            # A concurrent retry with the same key won the race; its answer is now stored.
            if not IdempotencyRecord.objects.filter(user=user, key=key).exists():
                raise
    raise Unprocessable(_("请求冲突，请重试"), code="idempotency_race", field=HEADER)  # pragma: no cover
