"""Content-Security-Policy on every response: scripts only from this site (inline scripts carry
the request's nonce, `<script nonce="{{ request.csp_nonce }}">`), no plugins, no framing, forms
post only here. Styles allow inline `style=""` attributes, which the templates and Leaflet use."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from django.conf import settings


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        tiles = _origin(getattr(settings, "LINLI_CSP_IMG_EXTRA", "") or "")
        self.img_src = " ".join(filter(None, ["'self'", "data:", "blob:", tiles]))

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = (
                "default-src 'self'; "
                f"script-src 'self' 'nonce-{request.csp_nonce}'; "
                "style-src 'self' 'unsafe-inline'; "
                f"img-src {self.img_src}; "
                "connect-src 'self'; font-src 'self' data:; object-src 'none'; "
                "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
            )
        return response
