"""GeoReport v2 documents in JSON and XML. Element names follow the specification: a
list of services is <services><service>…, requests <service_requests><request>…, errors
<errors><error><code/><description/></error></errors>."""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

from django.http import HttpResponse

from linli.core.text import printable

LIST_ITEM = {"services": "service", "service_requests": "request", "errors": "error",
             "attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format",
             "keywords": "keyword"}


def _xml(value, tag: str) -> str:
    if isinstance(value, dict):
        inner = "".join(_xml(v, k) for k, v in value.items())
        return f"<{tag}>{inner}</{tag}>"
    if isinstance(value, list):
        item = LIST_ITEM.get(tag, "item")
        return f"<{tag}>{''.join(_xml(v, item) for v in value)}</{tag}>"
    if value is None:
        return f"<{tag}/>"
    if isinstance(value, bool):
        value = "true" if value else "false"
    # Control characters are not allowed in XML 1.0 even escaped: one stored before input was
    # checked would make the whole feed unreadable, so they are left out.
    return f"<{tag}>{escape(printable(value))}</{tag}>"


def respond(data, fmt: str, *, root: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        body = '<?xml version="1.0" encoding="utf-8"?>' + _xml(data, root)
        return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    return HttpResponse(json.dumps(data, ensure_ascii=False), status=status,
                        content_type="application/json; charset=utf-8")


def errors(fmt: str, status: int, *items: tuple[int | str, str]) -> HttpResponse:
    return respond([{"code": code, "description": str(desc)} for code, desc in items], fmt, root="errors",
                   status=status)
