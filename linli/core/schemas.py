from __future__ import annotations

from ninja import Schema


class ErrorItem(Schema):
    field: str | None
    message: str
    code: str


class ErrorsOut(Schema):
    errors: list[ErrorItem]


# Every endpoint documents these, so the OpenAPI schema tells clients (and the fuzzer) the
# shape of each 4xx.
ERRORS = {400: ErrorsOut, 401: ErrorsOut, 403: ErrorsOut, 404: ErrorsOut, 409: ErrorsOut,
          422: ErrorsOut, 429: ErrorsOut}
