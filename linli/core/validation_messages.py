"""Pydantic's validation errors, turned into field-level messages in the user's language."""

from __future__ import annotations

from django.utils.translation import gettext as _

MESSAGES = {
    "missing": lambda ctx: _("此项必填"),
    "string_too_long": lambda ctx: _("不能超过%(n)s个字符") % {"n": ctx.get("max_length")},
    "string_too_short": lambda ctx: _("至少需要%(n)s个字符") % {"n": ctx.get("min_length")},
    "string_type": lambda ctx: _("应为文本"),
    "string_pattern_mismatch": lambda ctx: _("格式不正确"),
    "int_parsing": lambda ctx: _("应为整数"),
    "int_type": lambda ctx: _("应为整数"),
    "int_from_float": lambda ctx: _("应为整数"),
    "float_parsing": lambda ctx: _("应为数字"),
    "float_type": lambda ctx: _("应为数字"),
    "decimal_parsing": lambda ctx: _("应为数字"),
    "decimal_type": lambda ctx: _("应为数字"),
    "bool_parsing": lambda ctx: _("应为是或否"),
    "bool_type": lambda ctx: _("应为是或否"),
    "date_from_datetime_parsing": lambda ctx: _("日期格式应为 YYYY-MM-DD"),
    "date_parsing": lambda ctx: _("日期格式应为 YYYY-MM-DD"),
    "date_type": lambda ctx: _("日期格式应为 YYYY-MM-DD"),
    "datetime_parsing": lambda ctx: _("时间格式不正确"),
    "datetime_type": lambda ctx: _("时间格式不正确"),
    "greater_than": lambda ctx: _("应大于%(n)s") % {"n": ctx.get("gt")},
    "greater_than_equal": lambda ctx: _("应不小于%(n)s") % {"n": ctx.get("ge")},
    "less_than": lambda ctx: _("应小于%(n)s") % {"n": ctx.get("lt")},
    "less_than_equal": lambda ctx: _("应不大于%(n)s") % {"n": ctx.get("le")},
    "literal_error": lambda ctx: _("取值无效"),
    "enum": lambda ctx: _("取值无效"),
    "list_type": lambda ctx: _("应为列表"),
    "dict_type": lambda ctx: _("应为对象"),
    "model_attributes_type": lambda ctx: _("应为对象"),
    "json_invalid": lambda ctx: _("请求内容不是有效的 JSON"),
    "too_long": lambda ctx: _("项目过多"),
    "value_error": lambda ctx: _("取值无效"),
}


def translate_validation_errors(errors: list[dict]) -> list[dict]:
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header", "payload", "form")]
        field = ".".join(loc) or None
        kind = err.get("type", "value_error")
        make = MESSAGES.get(kind)
        message = make(err.get("ctx") or {}) if make else _("取值无效")
        out.append({"field": field, "message": message, "code": kind})
    return out
