"""Building blocks for API schemas: the error shape every 4xx uses, bounded ids and texts,
and limit/offset pages. Bounds live here so every endpoint refuses the same bad input with
a 4xx before it reaches a service or the database."""

from __future__ import annotations

from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from .text import bad_character

# Primary keys are 64-bit signed integers on both databases; a larger id can name nothing.
MAX_ID = 2**63 - 1
MAX_PAGE = 100
MAX_OFFSET = 10_000_000


class ErrorItem(Schema):
    field: str | None
    message: str
    code: str


class ErrorsOut(Schema):
    errors: list[ErrorItem]


# Every endpoint documents these, so the OpenAPI schema tells clients (and the fuzzer) the
# shape of each 4xx.
ERRORS = {400: ErrorsOut, 401: ErrorsOut, 403: ErrorsOut, 404: ErrorsOut, 409: ErrorsOut,
          413: ErrorsOut, 422: ErrorsOut, 429: ErrorsOut}

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _printable(value: str) -> str:
    # The one text rule (linli.core.text): no NUL, control characters or lone surrogates.
    if bad_character(value) is not None:
        raise PydanticCustomError("text_control_chars", "text contains control characters")
    return value


def _single_line(value: str) -> str:
    if bad_character(value, multiline=False) is not None:
        raise PydanticCustomError("text_control_chars", "text contains line breaks or control characters")
    return value


def text(max_length: int, *, min_length: int | None = None, multiline: bool = True, **field):
    """A string of at most `max_length` characters without control characters (single-line:
    without line breaks or tabs either)."""
    check = _printable if multiline else _single_line
    return Annotated[str, Field(max_length=max_length, min_length=min_length, **field), AfterValidator(check)]


class PageIn(Schema):
    limit: int = Field(20, ge=1, le=MAX_PAGE, description=f"每页条数（1–{MAX_PAGE}）")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过的条数")


def page(qs_or_list, params: PageIn, *, count: int | None = None) -> dict:
    """Slice a queryset (or list) into {items, count, limit, offset}."""
    if count is None:
        count = qs_or_list.count() if hasattr(qs_or_list, "count") and not isinstance(qs_or_list, list) \
            else len(qs_or_list)
    items = list(qs_or_list[params.offset:params.offset + params.limit]) if params.offset < count else []
    return {"items": items, "count": count, "limit": params.limit, "offset": params.offset}


_CHOICES: dict[tuple[type, str], dict] = {}


def choice_label(obj, field_name: str) -> str:
    """`obj.get_<field>_display()`, with the field's choices read into a dict once per process
    instead of on every call (Django rebuilds and hashes it each time, and hashing a lazy
    label translates it: ~0.05 ms a call, four calls in intake's answer; issue 9 part 5).
    The labels stay lazy, so the answer is in the request's language as before."""
    from django.utils.encoding import force_str
    from django.utils.hashable import make_hashable

    key = (type(obj), field_name)
    choices = _CHOICES.get(key)
    if choices is None:
        choices = _CHOICES[key] = dict(make_hashable(obj._meta.get_field(field_name).flatchoices))
    value = getattr(obj, field_name)
    return force_str(choices.get(make_hashable(value), value), strings_only=True)


def dump(schema: type[Schema], obj, *, context=None) -> dict:
    """`schema.from_orm(obj, context=context).model_dump(mode="json")` for an object whose
    attributes already have the schema's types (one the code just built, such as a case just
    created): the same reading (the schema's `resolve_*` functions, attributes, methods
    called, defaults) and the same JSON, without validating the answer's own values (intake
    spent ~0.5 ms of its request there; issue 9 part 5). Nested schemas (`list[X]`, `X`) are
    dumped the same way. Tests compare it with `from_orm` for the schemas it is used on."""
    from ninja.schema import DjangoGetter
    from pydantic_core import PydanticUndefined, to_jsonable_python

    return to_jsonable_python(_plain(schema, obj, context, DjangoGetter, PydanticUndefined))


def _plain(schema, obj, context, getter_cls, undefined) -> dict:
    getter = getter_cls(obj, schema, context)
    out = {}
    for name, field in schema.model_fields.items():
        try:
            value = getattr(getter, name)
        except AttributeError:
            if field.default is undefined:
                raise
            value = field.get_default(call_default_factory=True)
        nested = _nested(field.annotation)
        if nested is not None and value is not None:
            if isinstance(value, (list, tuple)):
                value = [_plain(nested, v, context, getter_cls, undefined) for v in value]
            else:
                value = _plain(nested, value, context, getter_cls, undefined)
        out[name] = value
    return out


def _nested(annotation):
    """The Schema inside `X`, `list[X]` or `X | None`, or None."""
    import typing

    if isinstance(annotation, type) and issubclass(annotation, Schema):
        return annotation
    for arg in typing.get_args(annotation):
        found = _nested(arg)
        if found is not None:
            return found
    return None
