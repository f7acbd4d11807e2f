"""Domain errors: one vocabulary for every service, turned into 4xx by one handler each
for the API (linli.api) and for pages (form errors)."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    default_code = "invalid"

    def __init__(self, message, *, code: str | None = None, field: str | None = None,
                 errors: list[dict] | None = None):
        super().__init__(str(message))
        self.message = message
        self.code = code or self.default_code
        self.field = field
        # Several field errors at once (a form, an import): [{field, message, code}, …]
        self.errors = errors

    def as_list(self) -> list[dict]:
        if self.errors:
            return [{"field": e.get("field"), "message": str(e["message"]), "code": e.get("code", self.code)}
                    for e in self.errors]
        return [{"field": self.field, "message": str(self.message), "code": self.code}]


class Invalid(DomainError):
    status = 400
    default_code = "invalid"


class Forbidden(DomainError):
    status = 403
    default_code = "forbidden"


class NotFound(DomainError):
    status = 404
    default_code = "not_found"


class Conflict(DomainError):
    status = 409
    default_code = "conflict"


class Unprocessable(DomainError):
    status = 422
    default_code = "unprocessable"


class TooManyRequests(DomainError):
    status = 429
    default_code = "rate_limited"
