"""A notice in the reader's language: notices are stored as written when they were sent (a case
number in brackets, then a message of the product's own), so the message part is looked up in
the translation catalogue when shown; free text that is not a catalogue message stays as it is."""

import re

from django import template
from django.utils.translation import gettext

register = template.Library()

_PREFIX = re.compile(r"^(\[[^\]]*\]\s*)?(.*)$", re.S)


@register.filter
def notice_text(text: str) -> str:
    prefix, rest = _PREFIX.match(text or "").groups()
    return (prefix or "") + gettext(rest)
