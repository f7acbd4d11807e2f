"""Form widgets that speak the page's language, whatever the browser's own language is.

- `DateText`: a date typed as 2026-11-01 in a plain text field (the browser's date picker shows
  its own language's mm/dd/yyyy on a Chinese page); the field parses it and says what is wrong.
- `FilePick`: a file input hidden from sight under a translated button ("选择照片" / "Choose
  photos") and a line naming the chosen files (the browser's own button says "Choose Files")."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]


class DateText(forms.DateInput):
    input_type = "text"

    def __init__(self, attrs=None):
        base = {"inputmode": "numeric", "pattern": r"\d{4}-\d{1,2}-\d{1,2}", "placeholder": "YYYY-MM-DD",
                "autocomplete": "off", "maxlength": "10", "size": "10"}
        super().__init__(attrs={**base, **(attrs or {})}, format="%Y-%m-%d")


class FilePick(forms.ClearableFileInput):
    template_name = "core/widgets/file_pick.html"

    def __init__(self, attrs=None, *, button=None, empty=None):
        super().__init__(attrs)
        self.button = button or _("选择文件")
        self.empty = empty or _("未选择文件")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"].update(button=self.button, empty=self.empty)
        return context
