"""The Django admin, and the rules every linli app's admin.py follows.

- It is for system administrators (superusers). Everyone else works in the scoped pages:
  the admin's lists are not filtered by scope, so no model permission can open them.
- Personal data appears only masked (the `*_masked` columns written by linli.core.pii):
  no `*_enc` ciphertext or `*_hash` column is in any form, list or page, and nothing here
  decrypts. New ID numbers and phones can be typed in (write-only inputs) and are stored by
  the services.
- History is read-only: audit entries, case events (`ReadOnlyAdmin`).
- A write goes through its service where one exists (`ServiceAdmin`: saving the form is the
  service call, which checks, locks, writes and audits; its domain errors become form
  errors). A model with state but no service for a change is read-only here, so the admin
  never becomes a second, unaudited write path.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .errors import DomainError
from .models import AuditEntry, DomainEvent, EffectDone, IdempotencyRecord

admin.site.site_header = _("邻里 管理后台")
admin.site.site_title = _("邻里管理后台")
admin.site.index_title = _("系统管理")


def _superusers_only(request) -> bool:
    return request.user.is_active and request.user.is_superuser


def _login(request, extra_context=None):
    # One log-in for the whole site: the password log-in page with its rate limits and audit.
    target = request.GET.get("next") or reverse("admin:index")
    return redirect_to_login(target, f"{settings.LOGIN_URL}?tab=password")


admin.site.has_permission = _superusers_only
admin.site.login = _login


class ReadOnly:
    """Rows are viewed here, never added, changed or deleted."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    pass


class ReadOnlyInline(ReadOnly, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True


class WriteOnlyInput(forms.TextInput):
    """A text input that never renders a value back: not the stored one (there is none to
    show, only a mask) and not what was typed when the form comes back with an error."""

    def format_value(self, value):
        return None


def write_only_field(label, help_text=_("只保存密文，页面只显示掩码；修改时留空表示不变。")) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=40, help_text=help_text,
                           widget=WriteOnlyInput(attrs={"autocomplete": "off"}))


class ServiceAdmin(admin.ModelAdmin):
    """Saving the add or change form calls a service instead of `Model.save()`.

    Subclasses implement `create(request, form)` and/or `update(request, obj, form)`; each
    calls the service with `actor=request.user` and returns the saved object. A domain error
    is shown on the form (next to its field, or above the form) and nothing is saved. Models
    whose change has no service set `has_change_permission` to False instead."""

    # Service error field -> form field, where the names differ (parent_id -> parent).
    error_fields: dict[str, str] = {}

    def create(self, request, form):
        raise NotImplementedError

    def update(self, request, obj, form):
        raise NotImplementedError

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self
        obj_pk = obj.pk if obj is not None else None

        class ServiceForm(base):
            def _post_clean(self):
                # Instead of the model's own checks (full_clean, unique, constraints): the
                # service is the one validator, with its own messages.
                if self.errors:
                    return
                try:
                    # The admin view runs in a transaction; a savepoint keeps a refused
                    # call from leaving anything behind.
                    with transaction.atomic():
                        if obj_pk is None:
                            self.saved = model_admin.create(request, self)
                        else:
                            self.saved = model_admin.update(request, model_admin.model.objects.get(pk=obj_pk), self)
                except DomainError as exc:
                    model_admin.show_domain_errors(self, exc)

        ServiceForm.__name__ = base.__name__
        return ServiceForm

    def show_domain_errors(self, form, exc: DomainError) -> None:
        for error in exc.as_list():
            field = self.error_fields.get(error.get("field"), error.get("field"))
            form.add_error(field if field in form.fields else None, error["message"])

    def save_form(self, request, form, change):
        return form.saved

    def save_model(self, request, obj, form, change):
        pass  # saved by the service in the form's validation

    def save_related(self, request, form, formsets, change):
        # Related rows (care tags …) are the service's business too; inlines of a service
        # admin are read-only, so their formsets have nothing to save.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Append-only history (records names of changed personal fields, never values)."""

    list_display = ["at", "actor_label", "kind", "target_type", "target_id", "note"]
    list_filter = ["kind", "target_type"]
    search_fields = ["kind", "=target_id", "note", "actor__username", "actor__display_name"]
    date_hierarchy = "at"
    list_select_related = ["actor"]
    show_full_result_count = False
    fields = ["at", "actor", "kind", "target_type", "target_id", "path", "note", "data"]

    @admin.display(description=_("操作人"), ordering="actor")
    def actor_label(self, entry):
        if entry.actor is not None:
            return str(entry.actor)
        return entry.data.get("actor", "") if isinstance(entry.data, dict) else ""


@admin.register(DomainEvent)
class DomainEventAdmin(ReadOnlyAdmin):
    """Facts one app told the others (linli.core.events); append-only."""

    list_display = ["at", "kind", "key", "path"]
    list_filter = ["kind"]
    search_fields = ["=key", "kind"]
    date_hierarchy = "at"
    show_full_result_count = False
    fields = ["at", "actor", "kind", "key", "path", "data"]


@admin.register(EffectDone)
class EffectDoneAdmin(ReadOnlyAdmin):
    """Which subscriber's effect of which event has been applied (once each)."""

    list_display = ["at", "effect", "event"]
    list_filter = ["effect"]
    list_select_related = ["event"]
    show_full_result_count = False
    fields = ["at", "effect", "event"]


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    """Stored answers to API creates; the answer body is not shown."""

    list_display = ["created_at", "user", "key", "status_code"]
    list_filter = ["status_code"]
    search_fields = ["=key", "user__username"]
    list_select_related = ["user"]
    fields = ["created_at", "user", "key", "status_code"]
