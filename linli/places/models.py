from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from linli.core import pii


class PlaceKind(models.Model):
    """A level of the place tree (区/县, 街道/镇, 社区 …). Configurable: a deployment may add
    levels; a place's kind must rank below its parent's (levels may be skipped)."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32)
    name_en = models.CharField(_("英文名称"), max_length=64)
    rank = models.PositiveSmallIntegerField(_("层级序号"), unique=True)
    # "Every grid belongs to exactly one community": a kind may require an ancestor kind.
    requires_ancestor = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+", verbose_name=_("必须隶属于"))
    has_boundary = models.BooleanField(_("可有边界"), default=False)

    class Meta:
        ordering = ["rank"]
        verbose_name = _("地点层级")
        verbose_name_plural = _("地点层级")

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name


class Place(models.Model):
    scope_path_field = "path"

    path = models.CharField(_("路径"), max_length=255, unique=True)
    depth = models.PositiveSmallIntegerField(_("深度"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children", verbose_name=_("上级"))
    kind = models.ForeignKey(PlaceKind, on_delete=models.PROTECT, related_name="places",
                             verbose_name=_("层级"))
    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("统计区划代码"), max_length=32, blank=True, db_index=True)
    boundary = models.JSONField(_("边界"), null=True, blank=True,
                                help_text=_("GeoJSON Polygon 或 MultiPolygon"))
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    # Next free child segment number; bumped under a row lock (services.allocate_child_paths).
    child_seq = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("地点")
        verbose_name_plural = _("地点")
        indexes = [models.Index(fields=["kind", "path"], name="place_kind_path")]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="place_unique_name_in_parent"),
        ]

    def __str__(self):
        return self.name

    def is_within(self, other: "Place") -> bool:
        return self.path.startswith(other.path)


class Dwelling(models.Model):
    """The dwelling facts of a place of kind 户 (房屋): floor area and owners."""

    place = models.OneToOneField(Place, primary_key=True, on_delete=models.CASCADE,
                                 related_name="dwelling", verbose_name=_("房屋"))
    floor_area = models.DecimalField(_("建筑面积（㎡）"), max_digits=8, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")

    def __str__(self):
        return str(self.place)


class CareTag(models.Model):
    """Special groups (独居老人, 残疾人, 低保 …): an admin-editable list."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32)
    name_en = models.CharField(_("英文名称"), max_length=64)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["sort", "id"]
        verbose_name = _("关爱标签")
        verbose_name_plural = _("关爱标签")

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name


class Household(models.Model):
    scope_path_field = "path"

    class Tenure(models.TextChoices):
        OWNED = "owned", _("自有")
        RENTED = "rented", _("租住")
        OTHER = "other", _("其他")

    dwelling = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="households",
                                 verbose_name=_("房屋"))
    # The dwelling's path, carried so scope and counts need no join (moved with the tree).
    path = models.CharField(_("路径"), max_length=255, db_index=True)
    tenure = models.CharField(_("居住性质"), max_length=16, choices=Tenure.choices, default=Tenure.OWNED)
    head = models.ForeignKey("Resident", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("户主"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("住户")
        verbose_name_plural = _("住户")

    def __str__(self):
        return f"{self.dwelling.name}"


class Resident(models.Model):
    scope_path_field = "path"

    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class Relation(models.TextChoices):
        HEAD = "head", _("户主")
        SPOUSE = "spouse", _("配偶")
        CHILD = "child", _("子女")
        PARENT = "parent", _("父母")
        GRANDCHILD = "grandchild", _("孙子女")
        GRANDPARENT = "grandparent", _("祖父母")
        SIBLING = "sibling", _("兄弟姐妹")
        CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
        TENANT = "tenant", _("租户")
        OTHER = "other", _("其他")

    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="members", verbose_name=_("住户"))
    path = models.CharField(_("路径"), max_length=255, db_index=True)
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    id_number_enc = models.TextField(_("身份证号（密文）"), blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, blank=True)
    phone_enc = models.TextField(_("手机号（密文）"), blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    phone_masked = models.CharField(_("联系电话"), max_length=11, blank=True)
    relation = models.CharField(_("与户主关系"), max_length=16, choices=Relation.choices,
                                default=Relation.OTHER)
    lives_here = models.BooleanField(_("在此居住"), default=True)
    care_tags = models.ManyToManyField(CareTag, blank=True, related_name="residents",
                                       verbose_name=_("关爱标签"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], condition=~models.Q(id_number_hash=""),
                                    name="resident_unique_id_number"),
        ]

    def __str__(self):
        return self.name

    def set_id_number(self, number: str) -> None:
        self.id_number_enc = pii.encrypt(number)
        self.id_number_hash = pii.lookup_hash(number)
        self.id_number_masked = pii.mask_id_number(number)

    def set_phone(self, number: str) -> None:
        self.phone_enc = pii.encrypt(number)
        self.phone_hash = pii.lookup_hash(number)
        self.phone_masked = pii.mask_phone(number)


class Ownership(models.Model):
    """A person owns (a share of) a dwelling. An owner may own several dwellings; a
    dwelling may have co-owners."""

    dwelling = models.ForeignKey(Dwelling, on_delete=models.CASCADE, related_name="ownerships",
                                 verbose_name=_("房屋"))
    owner = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="ownerships",
                              verbose_name=_("业主"))
    share = models.DecimalField(_("产权份额"), max_digits=5, decimal_places=4, null=True, blank=True)

    class Meta:
        verbose_name = _("产权")
        verbose_name_plural = _("产权")
        constraints = [models.UniqueConstraint(fields=["dwelling", "owner"], name="ownership_unique")]
