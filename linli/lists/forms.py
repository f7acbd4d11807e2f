"""Forms of the list pages. They only parse; the services check and decide, and their
domain errors come back next to the fields (add_domain_errors)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from linli.core.errors import DomainError, Invalid

from .models import FundingSource, ItemLink, ItemPhoto, Kind, MoneyEntry, ProgressMode, SourceKind, Status
from .services import MAX_PHOTOS, parse_yuan

REQUIRED = {"required": _("请填写此项")}
DATE = {"required": _("请填写日期"), "invalid": _("日期格式应为 2026-09-01")}
# Service field names → form field names where they differ.
FIELD_ALIASES = {"amount_fen": "amount", "budget_line_id": "budget_line", "voucher": "voucher",
                 "photos_before": None, "photos_after": None, "place_id": "place"}


def add_domain_errors(form: forms.Form, exc: DomainError) -> None:
    """Each error of the service next to its field when the form has one, above it otherwise."""
    for error in exc.as_list():
        field = error.get("field")
        field = FIELD_ALIASES.get(field, field)
        form.add_error(field if field in form.fields else None, error["message"])


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kw):
        super().__init__(format="%Y-%m-%d", **kw)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"accept": "image/jpeg,image/png,image/webp"})

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("最多上传9张照片"))
        if self.required and not files:
            raise forms.ValidationError(_("请选择图片"))
        return [f.read() for f in files if f]


def _amount(form, name="amount") -> int | None:
    try:
        return parse_yuan(form.data.get(name), field=name)
    except Invalid as exc:
        form.add_error(name, exc.message)
        return None


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("清单"), choices=Kind.choices, widget=forms.RadioSelect,
                             error_messages={"required": _("请选择需求、问题或项目")})
    title = forms.CharField(label=_("名称"), max_length=100, error_messages=REQUIRED)
    description = forms.CharField(label=_("内容"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    place = forms.ChoiceField(label=_("地点"), error_messages=REQUIRED)
    source_kind = forms.ChoiceField(label=_("来源"), choices=SourceKind.choices, initial=SourceKind.OTHER)
    source_id = forms.IntegerField(label=_("来源编号"), required=False, min_value=1, max_value=2**63 - 1,
                                   help_text=_("诉求、议题或会议决定的编号"))
    source_note = forms.CharField(label=_("来源说明"), required=False, max_length=200)
    owner_organisation = forms.ChoiceField(label=_("责任单位"), required=False)
    due_date = forms.DateField(label=_("完成时限"), required=False, widget=DateInput(), error_messages=DATE)
    progress_mode = forms.ChoiceField(label=_("进度计算方式"), choices=ProgressMode.choices,
                                      initial=ProgressMode.STATUS, help_text=_("仅项目适用"))
    allows_advance = forms.BooleanField(label=_("允许垫付"), required=False)

    def __init__(self, *args, places=(), organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [(p.pk, f"{p.kind.name} · {p.name}") for p in places]
        self.fields["owner_organisation"].choices = [("", "—")] + [(o.pk, o.name) for o in organisations]


class StatusForm(forms.Form):
    to = forms.ChoiceField(label=_("改为"), choices=Status.choices)
    reason = forms.CharField(label=_("理由"), required=False, max_length=2000)


class LinkForm(forms.Form):
    project = forms.ChoiceField(label=_("关联到项目"), error_messages=REQUIRED)

    def __init__(self, *args, projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.pk, p.title) for p in projects]


class BudgetForm(forms.Form):
    name = forms.CharField(label=_("预算科目"), max_length=60, error_messages=REQUIRED)
    amount = forms.CharField(label=_("金额（元）"), max_length=20, error_messages={"required": _("请填写金额")},
                             widget=forms.TextInput(attrs={"inputmode": "decimal"}))

    def clean(self):
        data = super().clean()
        if "amount" in data:
            data["amount_fen"] = _amount(self)
        return data


class MoneyForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=MoneyEntry.Kind.choices, initial=MoneyEntry.Kind.RECEIPT)
    amount = forms.CharField(label=_("金额（元）"), max_length=20, error_messages={"required": _("请填写金额")},
                             widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "1280.50"}))
    on_date = forms.DateField(label=_("日期"), widget=DateInput(), error_messages=DATE)
    party = forms.CharField(label=_("付款方/收款方"), max_length=100,
                            error_messages={"required": _("请填写付款方或收款方")})
    source = forms.ChoiceField(label=_("资金来源"), choices=[("", "—"), *FundingSource.choices], required=False)
    budget_line = forms.ChoiceField(label=_("预算科目（支出）"), required=False)
    show_name = forms.BooleanField(label=_("捐款人同意公示姓名"), required=False)
    voucher = forms.FileField(label=_("凭证照片"), required=False,
                              widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
    note = forms.CharField(label=_("备注"), required=False, max_length=500)

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["budget_line"].choices = [("", "—")] + [(ln.pk, ln.name) for ln in lines]

    def clean(self):
        data = super().clean()
        data["amount_fen"] = _amount(self) if self.data.get("amount") else None
        voucher = data.get("voucher")
        data["voucher_bytes"] = voucher.read() if voucher else None
        return data


class ReverseForm(forms.Form):
    entry = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    reason = forms.CharField(label=_("冲正理由"), max_length=500, error_messages={"required": _("冲正须说明理由")})


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("里程碑"), max_length=100, error_messages=REQUIRED)
    planned_on = forms.DateField(label=_("计划日期"), widget=DateInput(), error_messages=DATE)
    weight = forms.IntegerField(label=_("权重（可不填）"), required=False, min_value=1, max_value=1000)


class MilestoneDoneForm(forms.Form):
    milestone = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    done_on = forms.DateField(label=_("实际完成日期"), widget=DateInput(), error_messages=DATE)
    note = forms.CharField(label=_("说明"), required=False, max_length=500)
    photos = PhotosField(label=_("现场照片"))


class PhotoForm(forms.Form):
    phase = forms.ChoiceField(label=_("阶段"), choices=ItemPhoto.Phase.choices)
    photos = PhotosField(label=_("照片"), required=True)


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("验收说明"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, links=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.links = list(links)
        for link in self.links:
            self.fields[f"outcome_{link.item_id}"] = forms.ChoiceField(
                label=_("“%(item)s”的结果") % {"item": link.item.title}, choices=ItemLink.Outcome.choices,
                widget=forms.RadioSelect, required=False)
            self.fields[f"note_{link.item_id}"] = forms.CharField(label=_("说明"), required=False, max_length=300)

    def outcomes(self) -> dict:
        out = {}
        for link in self.links:
            value = self.cleaned_data.get(f"outcome_{link.item_id}")
            if value:
                out[link.item_id] = (value, self.cleaned_data.get(f"note_{link.item_id}", ""))
        return out


class FigureForm(forms.Form):
    start = forms.DateField(label=_("开始日期"), widget=DateInput(), error_messages=DATE)
    end = forms.DateField(label=_("结束日期"), widget=DateInput(), error_messages=DATE)


class FilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("清单"), choices=[("", _("全部")), *Kind.choices], required=False)
    status = forms.ChoiceField(label=_("状态"), choices=[("", _("全部")), *Status.choices], required=False)
    owner = forms.ChoiceField(label=_("责任"), required=False)
    overdue = forms.BooleanField(label=_("只看逾期"), required=False)

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", _("全部")), ("me", _("我负责的"))] + [
            (str(o.pk), o.name) for o in organisations]
