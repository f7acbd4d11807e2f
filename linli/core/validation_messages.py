"""Pydantic's validation errors, turned into field-level messages in the user's language."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _


def _choices(ctx) -> str:
    # pydantic writes "'a', 'b' or 'c'"; list the values without the English "or".
    expected = str(ctx.get("expected", ""))
    return "、".join(re.findall(r"'([^']*)'", expected)) or expected


MESSAGES = {
    "missing": lambda ctx: _("此项必填"),
    "string_too_long": lambda ctx: _("不能超过%(n)s个字符") % {"n": ctx.get("max_length")},
    "string_too_short": lambda ctx: _("至少需要%(n)s个字符") % {"n": ctx.get("min_length")},
    "string_type": lambda ctx: _("应为文本"),
    "string_pattern_mismatch": lambda ctx: _("格式不正确"),
    "string_unicode": lambda ctx: _("应为文本"),
    "text_control_chars": lambda ctx: _("不能包含控制字符"),
    "int_parsing": lambda ctx: _("应为整数"),
    "int_parsing_size": lambda ctx: _("数值过大"),
    "int_type": lambda ctx: _("应为整数"),
    "int_from_float": lambda ctx: _("应为整数"),
    "float_parsing": lambda ctx: _("应为数字"),
    "float_type": lambda ctx: _("应为数字"),
    "finite_number": lambda ctx: _("应为有限的数字"),
    "decimal_parsing": lambda ctx: _("应为数字"),
    "decimal_type": lambda ctx: _("应为数字"),
    "decimal_max_digits": lambda ctx: _("数字位数不能超过%(n)s位") % {"n": ctx.get("max_digits")},
    "decimal_max_places": lambda ctx: _("小数位数不能超过%(n)s位") % {"n": ctx.get("decimal_places")},
    "decimal_whole_digits": lambda ctx: _("整数部分位数过多"),
    "bool_parsing": lambda ctx: _("应为是或否"),
    "bool_type": lambda ctx: _("应为是或否"),
    "date_from_datetime_parsing": lambda ctx: _("日期格式应为 YYYY-MM-DD"),
    "date_from_datetime_inexact": lambda ctx: _("日期格式应为 YYYY-MM-DD"),
    "date_parsing": lambda ctx: _("日期格式应为 YYYY-MM-DD"),
    "date_type": lambda ctx: _("日期格式应为 YYYY-MM-DD"),
    "datetime_parsing": lambda ctx: _("时间格式不正确"),
    "datetime_type": lambda ctx: _("时间格式不正确"),
    "datetime_from_date_parsing": lambda ctx: _("时间格式不正确"),
    "greater_than": lambda ctx: _("应大于%(n)s") % {"n": ctx.get("gt")},
    "greater_than_equal": lambda ctx: _("应不小于%(n)s") % {"n": ctx.get("ge")},
    "less_than": lambda ctx: _("应小于%(n)s") % {"n": ctx.get("lt")},
    "less_than_equal": lambda ctx: _("应不大于%(n)s") % {"n": ctx.get("le")},
    "literal_error": lambda ctx: _("取值无效，应为：%(choices)s") % {"choices": _choices(ctx)},
    "enum": lambda ctx: _("取值无效，应为：%(choices)s") % {"choices": _choices(ctx)},
    "union_tag_invalid": lambda ctx: _("类型无效，应为：%(choices)s") % {"choices": _choices(ctx)},
    "union_tag_not_found": lambda ctx: _("缺少类型字段"),
    "list_type": lambda ctx: _("应为列表"),
    "tuple_type": lambda ctx: _("应为列表"),
    "dict_type": lambda ctx: _("应为对象"),
    "model_type": lambda ctx: _("应为对象"),
    "model_attributes_type": lambda ctx: _("应为对象"),
    "dataclass_type": lambda ctx: _("应为对象"),
    "json_invalid": lambda ctx: _("请求内容不是有效的 JSON"),
    "json_type": lambda ctx: _("请求内容不是有效的 JSON"),
    "too_long": lambda ctx: _("最多%(n)s项") % {"n": ctx.get("max_length")},
    "too_short": lambda ctx: _("至少需要%(n)s项") % {"n": ctx.get("min_length")},
    "extra_forbidden": lambda ctx: _("不允许此字段"),
    "none_required": lambda ctx: _("应为空"),
    "value_error": lambda ctx: _("取值无效"),
}

_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file", "payload"}


def translate_validation_errors(errors: list[dict]) -> list[dict]:
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in _SOURCES]
        field = ".".join(loc) or None
        kind = err.get("type", "value_error")
        if kind == "missing" and field is None:
            out.append({"field": None, "message": _("缺少请求内容"), "code": "body_missing"})
            continue
        make = MESSAGES.get(kind)
        message = make(err.get("ctx") or {}) if make else _("取值无效")
        out.append({"field": field, "message": str(message), "code": kind})
    return out
