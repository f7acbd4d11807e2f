"""Page forms for cases. They only parse what a person typed; the services decide and raise
DomainError, which `add_domain_errors` puts next to the field at fault (service field names
such as `place_id`, `into_id` or `photos.2` are mapped onto the form's own fields)."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from linli.accounts import pages
from linli.core.errors import DomainError
from linli.core.widgets import FilePick

from .models import Case
from .photos import MAX_BYTES

MAX_PHOTO_BYTES = MAX_BYTES  # the one photo limit (linli.cases.photos)
# Service field → form field, where the two differ.
FIELD_ALIASES = {"place_id": "place", "into_id": "into", "Idempotency-Key": None, "event_id": "photos"}


def add_domain_errors(form: forms.Form, exc: DomainError) -> None:
    """The shared `linli.accounts.pages.add_domain_errors`, with the case forms' aliases."""
    pages.add_domain_errors(form, exc, aliases=FIELD_ALIASES)


class MultipleFileInput(FilePick):
    """Photos under a translated button (选择照片 / Choose photos), not the browser's own."""

    allow_multiple_selected = True

    def __init__(self, attrs=None):
        super().__init__(attrs, button=_("选择照片"), empty=_("未选择照片"))


class PhotosField(forms.FileField):
    """Zero or more images; their content is checked by linli.cases.photos in the service."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"accept": "image/jpeg,image/png,image/webp", "multiple": True})

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        for f in files:
            if f.size > MAX_PHOTO_BYTES:
                raise forms.ValidationError(_("图片不能超过10MB"), code="photo_too_large")
        return list(files)


def _text(label, *, rows=4, required=True, max_length=2000, placeholder=""):
    attrs = {"rows": rows, "maxlength": str(max_length)}
    if placeholder:
        attrs["placeholder"] = placeholder
    return forms.CharField(label=label, required=required, max_length=max_length, strip=True,
                           error_messages={"required": _("请填写此项"),
                                           "max_length": _("内容不能超过%(limit_value)d个字")},
                           widget=forms.Textarea(attrs=attrs))


# ---------------------------------------------------------------- intake


class DescriptionRule:
    """The service's rule for a description (at least two characters), checked in the form
    too, so that a wrong place and a missing description are reported together, not one
    after the other (the service still checks it: the API has no form)."""

    def clean_text(self):
        text = self.cleaned_data.get("text") or ""
        if len(text.strip()) < 2:
            raise forms.ValidationError(_("请描述问题（至少2个字）"), code="required")
        return text


class ReportForm(DescriptionRule, forms.Form):
    """A resident's report (反映问题). `place` choices are the places the view offers."""

    # Not required here: the service says what a description needs (at least two characters).
    text = _text(_("问题描述"), rows=5, required=False, placeholder=_("例如：3栋2单元楼道堆满杂物，扶手也坏了"))
    place = forms.ChoiceField(label=_("地点"), required=False,
                              error_messages={"invalid_choice": _("请从列表中选择地点")})
    lat = forms.CharField(label=_("纬度"), required=False, max_length=32,
                          widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "29.9800"}))
    lng = forms.CharField(label=_("经度"), required=False, max_length=32,
                          widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "103.0000"}))
    category = forms.ChoiceField(label=_("类别"), required=False,
                                 error_messages={"invalid_choice": _("类别无效")})
    photos = PhotosField(label=_("照片（可选，最多6张）"))
    is_public = forms.BooleanField(label=_("公开（其他居民可以看到并附议）"), required=False)
    nonce = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, places=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [("", _("—— 按定位位置 ——")), *places]
        self.fields["category"].choices = [("", _("按系统建议")), *categories]

    def place_id(self) -> int | None:
        value = self.cleaned_data.get("place")
        return int(value) if value else None


class PatrolForm(DescriptionRule, forms.Form):
    """Staff entry: what a grid worker found on a patrol or a door-to-door visit (巡查、入户走访),
    or what reached the community by phone, in person, at a meeting or from the 12345 hotline,
    for a contact who may have no account."""

    CHANNELS = [(c, c.label) for c in (Case.Channel.PATROL, Case.Channel.VISIT, Case.Channel.PHONE,
                                       Case.Channel.WALK_IN, Case.Channel.MEETING, Case.Channel.HOTLINE)]

    place = forms.ChoiceField(label=_("地点"), error_messages={"required": _("请选择地点"),
                                                              "invalid_choice": _("请从列表中选择地点")})
    text = _text(_("发现的问题"), rows=4, required=False, placeholder=_("例如：5栋门口井盖松动"))
    channel = forms.ChoiceField(label=_("来源"), choices=CHANNELS, initial=Case.Channel.PATROL,
                                widget=forms.RadioSelect, error_messages={"required": _("请选择来源"),
                                                                          "invalid_choice": _("来源渠道无效")})
    category = forms.ChoiceField(label=_("类别"), required=False, error_messages={"invalid_choice": _("类别无效")})
    contact_name = forms.CharField(label=_("反映人姓名（可选）"), required=False, max_length=50,
                                   error_messages={"max_length": _("联系人不能超过50个字")})
    contact_phone = forms.CharField(label=_("反映人电话（可选，用于回访）"), required=False, max_length=20,
                                    widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    photos = PhotosField(label=_("照片（可选）"))
    # The phone's position ("使用我的位置" fills them), stored with the case.
    lat = forms.CharField(label=_("纬度"), required=False, max_length=32,
                          widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
    lng = forms.CharField(label=_("经度"), required=False, max_length=32,
                          widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
    nonce = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, places=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [("", _("请选择")), *places]
        self.fields["category"].choices = [("", _("按系统建议")), *categories]


    def place_id(self) -> int | None:
        value = self.cleaned_data.get("place")
        return int(value) if value else None


# ---------------------------------------------------------------- actions on a case
# Each form has the prefix of its action, so the many forms of the case page keep distinct
# ids and field names.


class AcceptForm(forms.Form):
    note = _text(_("受理说明（可选，反映人可见）"), rows=2, required=False)


class ContactForm(forms.Form):
    note = _text(_("联系情况（可选，仅内部可见）"), rows=2, required=False)


class RequestInfoForm(forms.Form):
    question = _text(_("需要反映人补充什么（反映人可见）"), rows=3, placeholder=_("例如：请告知具体楼层和门牌号"))


class AddInfoForm(forms.Form):
    text = _text(_("补充说明（办理人员可见）"), rows=3)


class ClassifyForm(forms.Form):
    category = forms.ChoiceField(label=_("类别"), error_messages={"required": _("类别无效"),
                                                                 "invalid_choice": _("类别无效")})
    note = _text(_("说明（可选，反映人可见）"), rows=2, required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = list(categories)


class EscalateForm(forms.Form):
    reason = _text(_("上报原因（仅工作人员可见）"), rows=3, placeholder=_("例如：涉及公共维修资金，需社区协调"))
    # Reasons often speak frankly of neighbours: staff-only unless the handler says otherwise.
    public = forms.BooleanField(label=_("让反映人也看到上报原因"), required=False)
    # The level the handler saw: if the case moved meanwhile, the service says so.
    from_level = forms.CharField(required=False, max_length=16, widget=forms.HiddenInput)


class ReferForm(forms.Form):
    organisation_id = forms.TypedChoiceField(label=_("职能部门"), coerce=int,
                                             error_messages={"required": _("请选择职能部门"),
                                                             "invalid_choice": _("请选择职能部门")})
    reason = _text(_("转办原因（反映人可见）"), rows=3)
    from_level = forms.CharField(required=False, max_length=16, widget=forms.HiddenInput)

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation_id"].choices = [("", _("请选择")), *organisations]


class CohandleForm(forms.Form):
    organisation_ids = forms.TypedMultipleChoiceField(
        label=_("协办部门（可多选）"), coerce=int, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请选择一个或多个职能部门"), "invalid_choice": _("请选择一个或多个职能部门")})
    instruction = _text(_("协办要求（可选，反映人可见）"), rows=2, required=False, max_length=500)
    days = forms.IntegerField(label=_("期限（天，可选）"), required=False, min_value=1, max_value=365,
                              error_messages={"invalid": _("期限应为1到365天"), "min_value": _("期限应为1到365天"),
                                              "max_value": _("期限应为1到365天")},
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}))

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation_ids"].choices = list(organisations)


class TaskForm(forms.Form):
    task_id = forms.IntegerField(widget=forms.HiddenInput, error_messages={"required": _("协办任务不存在"),
                                                                           "invalid": _("协办任务不存在")})
    answer = _text(_("办理情况（反映人可见）"), rows=3)


class NoteForm(forms.Form):
    text = _text(_("内部备注（仅工作人员可见）"), rows=2)


class AnswerForm(forms.Form):
    answer = _text(_("答复内容（反映人可见）"), rows=4, placeholder=_("例如：已联系物业清理楼道杂物并更换扶手"))
    photos = PhotosField(label=_("办理结果照片（可选）"))


class CloseForm(forms.Form):
    # An explicit choice: nothing is pre-selected (verification is not one tap).
    outcome = forms.ChoiceField(label=_("办理结果"), choices=Case.Outcome.choices, widget=forms.RadioSelect,
                                error_messages={"required": _("请选择办理结果"), "invalid_choice": _("请选择办理结果")})
    note = _text(_("结果说明（“非本级职责”“无法解决”时必填，反映人可见）"), rows=2, required=False)


class RateForm(forms.Form):
    SOLVED = [("yes", _("解决了")), ("no", _("没有解决"))]

    solved = forms.ChoiceField(label=_("问题解决了吗？"), choices=SOLVED, required=False, widget=forms.RadioSelect,
                               error_messages={"invalid_choice": _("请选择是否解决")})
    rating = forms.ChoiceField(label=_("满意度"), choices=Case.Rating.choices, widget=forms.RadioSelect,
                               error_messages={"required": _("请选择满意度"), "invalid_choice": _("请选择满意度")})
    comment = _text(_("评价（可选，办理人员可见）"), rows=2, required=False, max_length=500)


class MergeForm(forms.Form):
    into = forms.CharField(label=_("合并到（目标诉求编号）"), max_length=24,
                           error_messages={"required": _("请填写目标诉求编号")},
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    note = _text(_("说明（可选，反映人可见）"), rows=2, required=False)


class EmptyForm(forms.Form):
    """An action with nothing to type (我也遇到了)."""


class QuickSelect(forms.Select):
    """A select rendered in Python rather than through one template per option: the staff
    list offers up to 400 places, which Django's template widgets render in tens of ms."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join("", '<option value="{}"{}>{}</option>', (
            (str(v), mark_safe(" selected") if str(v) in chosen else "", label) for v, label in self.choices))
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options)


class CaseFilterForm(forms.Form):
    """The staff list's filters; anything unparseable is simply not applied."""

    PERIODS = [("", _("不限时间")), ("7", _("近7天")), ("30", _("近30天")), ("90", _("近90天")),
               ("365", _("近一年"))]

    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部状态")), *Case.Status.choices])
    category = forms.ChoiceField(label=_("类别"), required=False, widget=QuickSelect)
    under = forms.TypedChoiceField(label=_("地点（含下级）"), required=False, coerce=int, empty_value=None,
                                   widget=QuickSelect)
    period = forms.ChoiceField(label=_("提交时间"), required=False, choices=PERIODS)
    overdue = forms.BooleanField(label=_("只看超期"), required=False)
    carded = forms.BooleanField(label=_("只看督办（黄牌、红牌）"), required=False)
    # The "公开诉求" tab: public cases of any place, instead of the cases in the person's scope.
    public = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, places=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("全部类别")), *categories]
        self.fields["under"].choices = [("", _("全部地点")), *places]
