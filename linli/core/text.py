"""The one rule for free text that people type (case text, notes, answers, reasons, names,
contact names, the Open311 description): no NUL, no other control characters except newline
and tab in multi-line text, no lone surrogates. PostgreSQL refuses NUL outright (a 500, where
SQLite stores it), and one \\x01 in a public case makes an XML feed invalid for everyone.

- `clean_text(value, field=…, max_length=…, multiline=…)` for services and forms: raises
  `Invalid` with the field at fault, returns the stripped text.
- `text(max_length, …)` (linli.core.schemas) for Ninja schemas: the same check as a pydantic
  type, so the API answers 422 with the field before a service runs.
- `printable(value)` for output that must stay well-formed whatever was stored (XML, CSV).
"""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext as _

from .errors import Invalid

_ALLOWED_MULTILINE = frozenset("\n\t")


def bad_character(value: str, *, multiline: bool = True) -> str | None:
    """The first character the rule refuses, or None. \\r is allowed as part of a line break
    (it is folded to \\n by clean_text)."""
    allowed = _ALLOWED_MULTILINE | {"\r"} if multiline else frozenset()
    for ch in value:
        if ch in allowed:
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs") or ch in "\u2028\u2029":
            return ch
    return None


def clean_text(value, *, field: str = "text", max_length: int | None = None, multiline: bool = True,
               required: bool = False, min_length: int = 0, required_message=None) -> str:
    text = "" if value is None else str(value)
    if bad_character(text, multiline=multiline) is not None:
        raise Invalid(_("不能包含控制字符") if multiline else _("不能包含换行或控制字符"),
                      code="text_control_chars", field=field)
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if required and len(text) < max(min_length, 1):
        raise Invalid(required_message or _("此项必填"), code="required", field=field)
    if max_length is not None and len(text) > max_length:
        raise Invalid(_("不能超过%(n)s个字符") % {"n": max_length}, code="too_long", field=field)
    return text


def printable(value) -> str:
    """`value` without the characters the rule refuses (for output of rows stored before it)."""
    text = "" if value is None else str(value)
    if bad_character(text) is None:
        return text
    return "".join(ch for ch in text if ch in _ALLOWED_MULTILINE or ch == "\r"
                   or (unicodedata.category(ch) not in ("Cc", "Cs") and ch not in "\u2028\u2029"))
