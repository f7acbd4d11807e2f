"""Admin for cases (rules: linli/core/admin.py).

Categories and routing rules are configuration and are edited here. Cases, their tasks,
photos and "me too"s are read-only: every step of the case loop is a service that locks the
case, checks who may act, appends a timeline event and writes its notices, and the case
pages call them; an edit here would skip all of that. The timeline (case events) is
append-only. The contact phone shows masked only."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from linli.core.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import Case, CaseEvent, CasePhoto, CaseSupporter, CaseTask, Category, RoutingRule


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "parent", "default_level", "accept_hours", "finish_days", "sort", "is_active"]
    list_filter = ["default_level", "is_active", "parent"]
    search_fields = ["code", "name", "name_en", "keywords"]
    list_select_related = ["parent"]

    def get_readonly_fields(self, request, obj=None):
        # The code is the Open311 service_code clients already hold.
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["place", "category", "level", "organisation"]
    list_filter = ["level", "category"]
    search_fields = ["place__name", "category__name", "organisation__name"]
    list_select_related = ["place", "category", "organisation"]
    raw_id_fields = ["place"]


class EventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ["at", "kind", "actor", "note", "is_internal"]
    readonly_fields = fields
    show_change_link = False


class TaskInline(ReadOnlyInline):
    model = CaseTask
    fields = ["organisation", "status", "due", "answer", "done_at"]
    readonly_fields = fields


CASE_FIELDS = [
    "number", "status", "category", "suggested_category", "text", "channel", "place", "path", "lat", "lng",
    "reporter", "entered_by", "contact_name", "contact_phone_masked", "is_public", "priority", "level",
    "handler_place", "handler_organisation", "accept_due", "finish_due", "accepted_at", "first_contact_at",
    "answered_at", "closed_at", "outcome", "outcome_note", "solved_by_reporter", "rating", "rating_comment",
    "rated_at", "reopened_count", "escalated_count", "card", "merged_into", "created_at", "updated_at",
]


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "status", "category", "place", "level", "channel", "priority", "contact_name",
                    "contact_phone_masked", "created_at", "finish_due", "card"]
    list_filter = ["status", "level", "channel", "priority", "card", "is_public", "category"]
    search_fields = ["=number", "text", "contact_name"]
    list_select_related = ["category", "place"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = CASE_FIELDS
    inlines = [TaskInline, EventInline]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    """The timeline: appended by the services, never changed."""

    list_display = ["at", "case", "kind", "actor", "is_internal", "note"]
    list_filter = ["kind", "is_internal"]
    search_fields = ["=case__number", "note"]
    list_select_related = ["case", "actor"]
    date_hierarchy = "at"
    show_full_result_count = False
    fields = ["case", "at", "kind", "actor", "note", "is_internal", "data"]


@admin.register(CaseTask)
class CaseTaskAdmin(ReadOnlyAdmin):
    list_display = ["case", "organisation", "status", "due", "done_at"]
    list_filter = ["status", "organisation"]
    search_fields = ["=case__number", "organisation__name"]
    list_select_related = ["case", "organisation"]
    fields = ["case", "organisation", "instruction", "status", "due", "answer", "done_at", "created_at"]


@admin.register(CasePhoto)
class CasePhotoAdmin(ReadOnlyAdmin):
    """Photos are stored re-encoded without metadata, so they are safe to show."""

    list_display = ["created_at", "case", "event", "width", "height", "thumbnail"]
    search_fields = ["=case__number"]
    list_select_related = ["case", "event"]
    fields = ["case", "event", "image", "width", "height", "created_at", "thumbnail"]

    @admin.display(description=_("图片"))
    def thumbnail(self, photo):
        if not photo.image:
            return ""
        return format_html('<img src="{}" alt="" style="max-width:160px;max-height:120px">', photo.image.url)


@admin.register(CaseSupporter)
class CaseSupporterAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "case", "user"]
    search_fields = ["=case__number", "user__username"]
    list_select_related = ["case", "user"]
    fields = ["case", "user", "created_at"]
