"""Admin for accounts (rules: linli/core/admin.py).

Users are opened with create_user and roles given with assign_role; tokens are revoked
with revoke_api_token (an action). There is no service yet to edit a user (deactivate,
rename, staff flag) or to end a role, so users and role assignments are read-only once
created. Organisations are reference data edited directly. Log-in codes and the dev SMS
outbox are read-only; no phone appears except masked."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from linli.core.admin import ReadOnlyAdmin, ReadOnlyInline, ServiceAdmin, write_only_field
from linli.core.errors import DomainError
from linli.places.admin import hashed_lookup

from . import services
from .models import ApiToken, Organisation, RoleAssignment, SentSms, SmsCode, User


class RoleInline(ReadOnlyInline):
    model = RoleAssignment
    fk_name = "user"
    fields = ["role", "place", "organisation", "title", "is_lead", "is_active", "created_at"]
    readonly_fields = fields


class TokenInline(ReadOnlyInline):
    model = ApiToken
    fields = ["name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    show_change_link = False


class UserAddForm(forms.ModelForm):
    username = forms.CharField(label=_("用户名"), required=False, max_length=150,
                               help_text=_("留空时自动生成"))
    phone = write_only_field(_("手机号"), help_text=_("用于短信登录；只保存密文，页面只显示掩码。"))
    password = forms.CharField(label=_("密码"), required=False, strip=False,
                               widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
                               help_text=_("工作人员用密码登录；留空则只能短信登录"))

    class Meta:
        model = User
        fields = ["display_name", "is_staff"]


@admin.register(User)
class UserAdmin(ServiceAdmin):
    form = UserAddForm
    list_display = ["username", "display_name", "phone_masked", "is_staff", "is_superuser", "is_active",
                    "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["username", "display_name"]
    search_help_text = _("按用户名、姓名搜索，或输入完整手机号精确查找")
    inlines = [RoleInline, TokenInline]
    show_full_result_count = False
    error_fields = {}

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["display_name", "phone", "username", "password", "is_staff"]
        # Never "phone": User.phone decrypts.
        return ["username", "display_name", "phone_masked", "resident", "is_active", "is_staff", "is_superuser",
                "last_login", "date_joined"]

    def get_inline_instances(self, request, obj=None):
        return super().get_inline_instances(request, obj) if obj is not None else []

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return found | hashed_lookup(queryset, search_term, "phone_hash"), may_have_duplicates

    def create(self, request, form):
        data = form.cleaned_data
        return services.create_user(actor=request.user, display_name=data.get("display_name") or "",
                                    phone=data.get("phone") or None, username=data.get("username") or None,
                                    password=data.get("password") or None, is_staff=bool(data.get("is_staff")))


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "jurisdiction_size"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["jurisdiction"]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(_places=Count("jurisdiction"))

    @admin.display(description=_("管辖地点数"), ordering="_places")
    def jurisdiction_size(self, organisation):
        return organisation._places

    def has_delete_permission(self, request, obj=None):
        return False


class RoleAssignmentForm(forms.ModelForm):
    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "place", "organisation", "title", "is_lead"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ServiceAdmin):
    """Given with assign_role (which checks the actor's reach); no service ends one yet."""

    form = RoleAssignmentForm
    list_display = ["user", "role", "place", "organisation", "title", "is_lead", "is_active", "created_at"]
    list_filter = ["role", "is_active", "is_lead"]
    search_fields = ["user__username", "user__display_name", "place__name", "organisation__name", "title"]
    list_select_related = ["user", "place", "organisation"]
    raw_id_fields = ["user", "place"]
    error_fields = {"user_id": "user", "place_id": "place", "organisation_id": "organisation"}

    def get_fields(self, request, obj=None):
        fields = ["user", "role", "place", "organisation", "title", "is_lead"]
        return fields + ["is_active", "created_at"] if obj is not None else fields

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def create(self, request, form):
        data = form.cleaned_data
        return services.assign_role(
            actor=request.user, user_id=data["user"].pk, role=data["role"],
            place_id=data["place"].pk if data.get("place") else None,
            organisation_id=data["organisation"].pk if data.get("organisation") else None,
            title=data.get("title") or "", is_lead=bool(data.get("is_lead")))


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Only the prefix of a token is shown (its hash is all that is kept)."""

    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "user__display_name", "name", "=prefix"]
    list_select_related = ["user"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    @admin.action(description=_("吊销所选令牌"), permissions=["view"])
    def revoke(self, request, queryset):
        count = 0
        for token_id in queryset.filter(revoked_at__isnull=True).values_list("pk", flat=True):
            try:
                services.revoke_api_token(actor=request.user, token_id=token_id)
                count += 1
            except DomainError as exc:
                self.message_user(request, str(exc.message), messages.ERROR)
        self.message_user(request, _("已吊销 %(count)d 个令牌") % {"count": count}, messages.SUCCESS)


@admin.register(SmsCode)
class SmsCodeAdmin(ReadOnlyAdmin):
    """Log-in codes: only their hash is stored, and neither hash is shown."""

    list_display = ["created_at", "expires_at", "attempts", "used_at", "ip"]
    list_filter = [("used_at", admin.EmptyFieldListFilter)]
    search_fields = ["=ip"]
    fields = ["created_at", "expires_at", "attempts", "used_at", "ip"]
    show_full_result_count = False


@admin.register(SentSms)
class SentSmsAdmin(ReadOnlyAdmin):
    """What the console SMS sender sent (development and demo)."""

    list_display = ["created_at", "phone_masked", "text"]
    search_fields = ["text"]
    fields = ["created_at", "phone_masked", "text"]
    show_full_result_count = False
