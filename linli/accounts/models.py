from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core import pii
from linli.places.models import Place

from .roles import Role


class User(AbstractUser):
    """A person who logs in: by mobile number and SMS code, or (staff) by password."""

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone_enc = models.TextField(blank=True)
    phone_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    phone_masked = models.CharField(_("手机号"), max_length=11, blank=True)
    # The per-person limit on new cases (linli.cases.limits): a fixed window and its count,
    # bumped by one UPDATE that also locks the row.
    case_window_start = models.DateTimeField(null=True, blank=True, editable=False)
    case_window_count = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    resident = models.ForeignKey("places.Resident", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="users", verbose_name=_("居民档案"))

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.display_name or self.username

    def set_phone(self, number: str) -> None:
        self.phone_enc = pii.encrypt(number)
        self.phone_hash = pii.lookup_hash(number) or None
        self.phone_masked = pii.mask_phone(number)

    @property
    def phone(self) -> str:
        return pii.decrypt(self.phone_enc)


class Organisation(models.Model):
    """A department, property company, social organisation or partner unit. Departments act
    within their jurisdiction: a set of places whose subtrees they reach."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("职能部门")
        PROPERTY_COMPANY = "property_company", _("物业公司")
        SOCIAL_ORGANISATION = "social_org", _("社会组织")
        PARTNER_UNIT = "partner_unit", _("共建单位")

    kind = models.CharField(_("类型"), max_length=32, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    jurisdiction = models.ManyToManyField(Place, blank=True, related_name="organisations",
                                          verbose_name=_("管辖范围"))

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")

    def __str__(self):
        return self.name


class RoleAssignment(models.Model):
    """A role held at a place; it reaches the place's whole subtree. Department staff hold
    their role in an organisation and reach its jurisdiction."""

    scope_path_field = "place__path"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles", verbose_name=_("用户"))
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="role_assignments", verbose_name=_("所在地点"))
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="staff", verbose_name=_("所属组织"))
    title = models.CharField(_("职务"), max_length=50, blank=True)
    # The lead of a body (党支部书记, 业委会主任, 物业经理) appears on the contact card.
    is_lead = models.BooleanField(_("负责人"), default=False)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(place__isnull=False) | models.Q(organisation__isnull=False),
                name="role_needs_place_or_organisation",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} @ {self.place or self.organisation}"


class SmsCode(models.Model):
    """A one-time log-in code. Only its hash is stored."""

    phone_hash = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)


class SentSms(models.Model):
    """What the console sender sent: the dev outbox page shows it (DEBUG/demo only)."""

    phone_masked = models.CharField(max_length=11)
    phone_hash = models.CharField(max_length=64, db_index=True)
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]


class ApiToken(models.Model):
    """A bearer token for the API, or an Open311 key (a separate kind: scoped to Open311 and
    refused by the API). Both expire and can be listed and revoked by their owner."""

    class Kind(models.TextChoices):
        API = "api", _("API 令牌")
        OPEN311 = "open311", _("Open311 密钥")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.API)
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
