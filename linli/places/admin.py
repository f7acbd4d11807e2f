"""Admin for the place tree and the people in it (rules: linli/core/admin.py).

Writes go through linli.places.services: places are created, renamed and moved by
create_place / update_place / move_place, dwelling areas by set_dwelling_area, households by
create_household, residents by create_resident / update_resident, owners by add_owner.
Nothing here deletes (there is no service for it), and households and ownerships have no
change service, so they are read-only once created. Levels and care tags are reference data
edited directly; a level's code and rank are fixed once it exists (the tree's order rests
on them)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from linli.core import pii
from linli.core.admin import ReadOnlyInline, ServiceAdmin, write_only_field
from linli.core.errors import Invalid

from . import services
from .models import CareTag, Dwelling, Household, Ownership, Place, PlaceKind, Resident


def hashed_lookup(queryset, term: str, *fields: str):
    """Exact look-up of a typed ID number or phone through its keyed hash (nothing decrypted)."""
    norm = pii.normalise(term)
    if len(norm) < 11 or not norm.replace("X", "").lstrip("+").isdigit():
        return queryset.none()
    if norm.startswith("+86"):
        norm = norm[3:]
    digest = pii.lookup_hash(norm)
    q = Q()
    for field in fields:
        q |= Q(**{field: digest})
    return queryset.filter(q)


@admin.register(PlaceKind)
class PlaceKindAdmin(admin.ModelAdmin):
    list_display = ["rank", "code", "name", "name_en", "requires_ancestor", "has_boundary"]
    list_filter = ["has_boundary"]
    search_fields = ["code", "name", "name_en"]
    list_select_related = ["requires_ancestor"]

    def get_readonly_fields(self, request, obj=None):
        return ["code", "rank"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CareTag)
class CareTagAdmin(admin.ModelAdmin):
    list_display = ["sort", "code", "name", "name_en", "is_active"]
    list_display_links = ["code", "name"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "name_en"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Place)
class PlaceAdmin(ServiceAdmin):
    list_display = ["name", "kind", "parent", "code", "depth", "path"]
    list_filter = ["kind"]
    search_fields = ["name", "code", "=path"]
    list_select_related = ["kind", "parent"]
    raw_id_fields = ["parent"]
    show_full_result_count = False
    error_fields = {"parent_id": "parent", "new_parent_id": "parent"}

    def get_fields(self, request, obj=None):
        fields = ["parent", "kind", "name", "code", "lat", "lng", "boundary"]
        return fields + ["path", "depth"] if obj is not None else fields

    def get_readonly_fields(self, request, obj=None):
        return ["kind", "path", "depth"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def create(self, request, form):
        data = form.cleaned_data
        return services.create_place(
            actor=request.user, parent_id=data["parent"].pk if data.get("parent") else None,
            kind_code=data["kind"].code, name=data["name"], code=data.get("code") or "",
            boundary=data.get("boundary"), lat=data.get("lat"), lng=data.get("lng"))

    def update(self, request, obj, form):
        data, changed = form.cleaned_data, set(form.changed_data)
        if "parent" in changed:
            if data.get("parent") is None:
                raise Invalid(_("不能把地点移为顶级地点"), code="move_to_root", field="parent")
            services.move_place(actor=request.user, place_id=obj.pk, new_parent_id=data["parent"].pk)
        extra = {name: data.get(name) for name in ("boundary", "lat", "lng") if name in changed}
        return services.update_place(actor=request.user, place_id=obj.pk, name=data["name"],
                                     code=data.get("code") or "", **extra)


class OwnershipInline(ReadOnlyInline):
    model = Ownership
    fields = ["owner", "share"]
    readonly_fields = ["owner", "share"]


@admin.register(Dwelling)
class DwellingAdmin(ServiceAdmin):
    """Dwellings come with their place (create_place); only the floor area is edited here."""

    list_display = ["place", "floor_area"]
    search_fields = ["place__name", "=place__path"]
    list_select_related = ["place"]
    fields = ["place", "floor_area"]
    readonly_fields = ["place"]
    inlines = [OwnershipInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def update(self, request, obj, form):
        return services.set_dwelling_area(actor=request.user, dwelling_id=obj.pk,
                                          floor_area=form.cleaned_data.get("floor_area"))


class MemberInline(ReadOnlyInline):
    model = Resident
    fk_name = "household"
    fields = ["name", "gender", "relation", "id_number_masked", "phone_masked", "lives_here"]
    readonly_fields = fields


@admin.register(Household)
class HouseholdAdmin(ServiceAdmin):
    """Registered with create_household; no service changes one yet, so it is read-only after."""

    list_display = ["__str__", "dwelling", "tenure", "head", "member_count", "created_at"]
    list_filter = ["tenure"]
    search_fields = ["dwelling__name", "head__name", "=path"]
    list_select_related = ["dwelling", "head"]
    raw_id_fields = ["dwelling"]
    inlines = [MemberInline]
    show_full_result_count = False
    error_fields = {"dwelling_id": "dwelling"}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_members=Count("members"))

    @admin.display(description=_("人数"), ordering="_members")
    def member_count(self, household):
        return household._members

    def get_fields(self, request, obj=None):
        return ["dwelling", "tenure", "head", "path", "created_at"] if obj is not None else ["dwelling", "tenure"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def create(self, request, form):
        return services.create_household(actor=request.user, dwelling_id=form.cleaned_data["dwelling"].pk,
                                         tenure=form.cleaned_data["tenure"])


class ResidentForm(forms.ModelForm):
    id_number = write_only_field(_("新身份证号"))
    phone = write_only_field(_("新手机号"))
    gender = forms.ChoiceField(label=_("性别"), required=False, choices=[("", "---------"), *Resident.Gender.choices],
                               help_text=_("留空时按身份证号确定"))

    class Meta:
        model = Resident
        fields = ["household", "name", "gender", "birth_date", "relation", "lives_here", "care_tags"]
        widgets = {"care_tags": forms.CheckboxSelectMultiple}


@admin.register(Resident)
class ResidentAdmin(ServiceAdmin):
    form = ResidentForm
    list_display = ["name", "gender", "birth_date", "id_number_masked", "phone_masked", "relation", "household",
                    "lives_here"]
    list_filter = ["gender", "relation", "lives_here", "care_tags"]
    search_fields = ["name"]
    search_help_text = _("按姓名搜索，或输入完整的身份证号、手机号精确查找")
    list_select_related = ["household__dwelling"]
    raw_id_fields = ["household"]
    show_full_result_count = False
    error_fields = {"household_id": "household"}

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["household", "name", "id_number", "phone", "gender", "birth_date", "relation", "lives_here",
                    "care_tags"]
        return ["household", "name", "id_number_masked", "id_number", "phone_masked", "phone", "gender",
                "birth_date", "relation", "lives_here", "care_tags", "path"]

    def get_readonly_fields(self, request, obj=None):
        return ["household", "id_number_masked", "phone_masked", "path"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        by_hash = hashed_lookup(queryset, search_term, "id_number_hash", "phone_hash")
        return found | by_hash, may_have_duplicates

    @staticmethod
    def _data(form, *, changed_only: bool) -> dict:
        data, changed = form.cleaned_data, set(form.changed_data)
        out = {}
        for name in ("name", "gender", "birth_date", "relation", "lives_here"):
            if not changed_only or name in changed:
                out[name] = data.get(name)
        if not changed_only or "care_tags" in changed:
            out["care_tags"] = [t.code for t in data.get("care_tags") or []]
        for name in ("id_number", "phone"):
            if data.get(name):
                out[name] = data[name]
        return out

    def create(self, request, form):
        return services.create_resident(actor=request.user, household_id=form.cleaned_data["household"].pk,
                                        **self._data(form, changed_only=False))

    def update(self, request, obj, form):
        return services.update_resident(actor=request.user, resident_id=obj.pk, **self._data(form, changed_only=True))


@admin.register(Ownership)
class OwnershipAdmin(ServiceAdmin):
    """Added with add_owner; no service changes or removes one yet."""

    list_display = ["dwelling", "owner", "share"]
    search_fields = ["owner__name", "dwelling__place__name"]
    list_select_related = ["dwelling__place", "owner"]
    raw_id_fields = ["dwelling", "owner"]
    fields = ["dwelling", "owner", "share"]
    error_fields = {"dwelling_id": "dwelling", "owner_id": "owner"}

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def create(self, request, form):
        data = form.cleaned_data
        return services.add_owner(actor=request.user, dwelling_id=data["dwelling"].pk, owner_id=data["owner"].pk,
                                  share=data.get("share"))
