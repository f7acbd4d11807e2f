"""Page forms for log-in. They only parse; the services decide (and raise DomainError,
which `add_domain_errors` puts next to the field at fault)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .pages import add_domain_errors  # noqa: F401  (the shared one)


class SmsLoginForm(forms.Form):
    phone = forms.CharField(
        label=_("手机号"), max_length=20,
        error_messages={"required": _("请填写手机号")},
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel",
                                      "placeholder": _("11位手机号"), "maxlength": "20"}),
    )
    code = forms.CharField(
        label=_("验证码"), max_length=6, required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code",
                                      "placeholder": _("6位数字"), "maxlength": "6"}),
    )

    def clean_phone(self):
        return "".join(self.cleaned_data["phone"].split())

    def clean_code(self):
        return self.cleaned_data["code"].strip()


class PasswordLoginForm(forms.Form):
    username = forms.CharField(
        label=_("用户名或手机号"), max_length=150,
        error_messages={"required": _("请填写用户名或手机号")},
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("密码"), max_length=128, strip=False,
        error_messages={"required": _("请填写密码")},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
