"""Every change to places, households and residents. Views, the API, the importer, the
admin and the demo loader all call these; none saves a model itself."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.apps import apps
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext_lazy as _

from linli.accounts.roles import Verb
from linli.accounts.scope import allowed, require
from linli.core import events, pii
from linli.core.audit import record_audit
from linli.core.errors import Conflict, Forbidden, Invalid, NotFound
from linli.core.identity import parse_id_number, validate_mobile
from linli.core.paths import MAX_CHILDREN, segment
from linli.core.text import clean_text

from .models import CareTag, Dwelling, Household, Ownership, Place, PlaceKind, Resident

security_log = logging.getLogger("linli.security")

# ---------------------------------------------------------------- places


def allocate_child_paths(parent: Place | None, count: int = 1) -> list[str]:
    """Reserve `count` fresh child paths under `parent` (None: a root). Call inside a
    transaction; the parent row is locked so concurrent adders never collide."""
    if parent is None:
        roots = list(Place.objects.select_for_update().filter(depth=1).order_by("pk").values_list("path", flat=True))
        start = max((int(p, 36) for p in roots), default=-1) + 1
        base = ""
    else:
        locked = Place.objects.select_for_update().only("child_seq", "path").get(pk=parent.pk)
        start, base = locked.child_seq, locked.path
        Place.objects.filter(pk=parent.pk).update(child_seq=start + count)
        parent.child_seq = start + count
    if start + count > MAX_CHILDREN:
        raise Conflict(_("下级地点数量已达上限"), code="too_many_children")
    return [base + segment(n) for n in range(start, start + count)]


def check_kind_under(kind: PlaceKind, parent: Place | None, *, field: str = "parent") -> None:
    if parent is None:
        if kind.requires_ancestor_id:
            raise Invalid(_("“%(kind)s”必须隶属于“%(anc)s”") % {"kind": kind.name, "anc": kind.requires_ancestor.name},
                          code="kind_needs_ancestor", field=field)
        return
    if parent.kind.rank >= kind.rank:
        raise Invalid(_("“%(kind)s”不能设在“%(parent)s”之下") % {"kind": kind.name, "parent": parent.kind.name},
                      code="kind_order", field=field)
    if kind.requires_ancestor_id:
        chain = [parent, *Place.objects.filter(path__in=_ancestor_paths(parent.path))]
        if not any(p.kind_id == kind.requires_ancestor_id for p in chain):
            raise Invalid(_("“%(kind)s”必须隶属于“%(anc)s”") % {"kind": kind.name, "anc": kind.requires_ancestor.name},
                          code="kind_needs_ancestor", field=field)


def _ancestor_paths(path: str) -> list[str]:
    from linli.core.paths import ancestors_paths

    return ancestors_paths(path)


def _clean_place_fields(*, name: str, boundary, lat, lng) -> str:
    name = clean_text(name, field="name", multiline=False)
    if not name:
        raise Invalid(_("请填写名称"), code="required", field="name")
    if len(name) > 100:
        raise Invalid(_("名称不能超过100个字"), code="too_long", field="name")
    if boundary is not None:
        validate_boundary(boundary)
    for value, field, bound in ((lat, "lat", 90), (lng, "lng", 180)):
        if value is not None and not (-bound <= Decimal(str(value)) <= bound):
            raise Invalid(_("坐标超出范围"), code="coordinate_range", field=field)
    return name


def validate_boundary(boundary) -> None:
    """A GeoJSON Polygon or MultiPolygon with closed rings of [lng, lat] positions."""
    err = Invalid(_("边界应为 GeoJSON 多边形（Polygon 或 MultiPolygon）"), code="boundary_geojson", field="boundary")
    if not isinstance(boundary, dict) or boundary.get("type") not in ("Polygon", "MultiPolygon"):
        raise err
    coords = boundary.get("coordinates")
    polygons = [coords] if boundary["type"] == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons:
        raise err
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise err
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 4 or ring[0] != ring[-1]:
                raise err
            for pos in ring:
                if (not isinstance(pos, list) or len(pos) < 2
                        or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in pos[:2])
                        or not (-180 <= pos[0] <= 180 and -90 <= pos[1] <= 90)):
                    raise err


@transaction.atomic
def create_place(*, actor, parent_id: int | None, kind_code: str, name: str, code: str = "",
                 boundary=None, lat=None, lng=None, audit: bool = True) -> Place:
    parent = None
    if parent_id is not None:
        parent = Place.objects.select_related("kind").filter(pk=parent_id).first()
        if parent is None:
            raise NotFound(_("上级地点不存在"), code="parent_not_found", field="parent_id")
        require(actor, Verb.PLACE_MANAGE, parent)
    elif not actor.is_superuser:
        raise Forbidden(_("只有系统管理员可以创建顶级地点"), code="forbidden")
    kind = PlaceKind.objects.filter(code=kind_code).first()
    if kind is None:
        raise Invalid(_("地点层级不存在"), code="kind_not_found", field="kind")
    name = _clean_place_fields(name=name, boundary=boundary, lat=lat, lng=lng)
    check_kind_under(kind, parent)
    if Place.objects.filter(parent=parent, name=name).exists():
        raise Conflict(_("同一上级下已有同名地点"), code="duplicate_name", field="name")
    [path] = allocate_child_paths(parent)
    place = Place.objects.create(path=path, depth=len(path) // 4, parent=parent, kind=kind, name=name,
                                 code=clean_text(code, field="code", max_length=32, multiline=False),
                                 boundary=boundary, lat=lat, lng=lng)
    if kind.code == "dwelling":
        Dwelling.objects.create(place=place)
    if audit:
        record_audit(actor=actor, action="place.create", target=place, data={"name": name, "kind": kind.code})
    return place


@transaction.atomic
def update_place(*, actor, place_id: int, name: str | None = None, code: str | None = None,
                 boundary=..., lat=..., lng=...) -> Place:
    place = Place.objects.select_for_update().filter(pk=place_id).first()
    if place is None:
        raise NotFound(_("地点不存在"), code="not_found")
    require(actor, Verb.PLACE_MANAGE, place)
    changes = {}
    new_name = _clean_place_fields(
        name=place.name if name is None else name,
        boundary=None if boundary is ... else boundary,
        lat=None if lat is ... else lat, lng=None if lng is ... else lng,
    )
    if new_name != place.name:
        if Place.objects.filter(parent_id=place.parent_id, name=new_name).exclude(pk=place.pk).exists():
            raise Conflict(_("同一上级下已有同名地点"), code="duplicate_name", field="name")
        changes["name"] = [place.name, new_name]
        place.name = new_name
    if code is not None:
        code = clean_text(code, field="code", max_length=32, multiline=False)
    if code is not None and code != place.code:
        changes["code"] = [place.code, code]
        place.code = code
    for field, value in (("boundary", boundary), ("lat", lat), ("lng", lng)):
        if value is not ...:
            changes[field] = "changed"
            setattr(place, field, value)
    if changes:
        place.save()
        record_audit(actor=actor, action="place.update", target=place, data=changes)
    return place


@transaction.atomic
def move_place(*, actor, place_id: int, new_parent_id: int) -> Place:
    """Move a place and its whole subtree under another parent, rewriting every path
    (places and every row that carries a place path) in this one transaction."""
    # One move at a time: lock the roots (in the order allocate_child_paths locks them), so
    # two moves of overlapping subtrees never interleave their rewrites or deadlock.
    list(Place.objects.select_for_update().filter(depth=1).order_by("pk").values_list("pk", flat=True))
    ids = sorted({place_id, new_parent_id})
    # of=("self",): lock the two places, not their kinds' rows (which every move would share).
    locked = {p.pk: p for p in Place.objects.select_for_update(of=("self",)).select_related("kind")
              .filter(pk__in=ids).order_by("pk")}
    place, new_parent = locked.get(place_id), locked.get(new_parent_id)
    if place is None:
        raise NotFound(_("地点不存在"), code="not_found")
    if new_parent is None:
        raise NotFound(_("目标上级地点不存在"), code="parent_not_found", field="new_parent_id")
    require(actor, Verb.PLACE_MANAGE, place)
    require(actor, Verb.PLACE_MANAGE, new_parent)
    if new_parent.path.startswith(place.path):
        raise Invalid(_("不能移动到自身或其下级之下"), code="move_into_self", field="new_parent_id")
    if new_parent.pk == place.parent_id:
        return place
    check_kind_under(place.kind, new_parent, field="new_parent_id")
    if Place.objects.filter(parent=new_parent, name=place.name).exists():
        raise Conflict(_("目标上级下已有同名地点"), code="duplicate_name", field="new_parent_id")
    old_path = place.path
    _lock_subtree(old_path)
    [new_path] = allocate_child_paths(new_parent)
    delta = (len(new_path) - len(old_path)) // 4
    cut = len(old_path) + 1
    new_tail = Concat(Value(new_path), Substr("path", cut))
    Place.objects.filter(path__startswith=old_path).update(path=new_tail, depth=F("depth") + delta)
    for model in _path_carriers():
        model.objects.filter(path__startswith=old_path).update(path=new_tail)
    old_parent_id = place.parent_id
    Place.objects.filter(pk=place.pk).update(parent=new_parent)
    place.refresh_from_db()
    entry = record_audit(actor=actor, action="place.move", target=place,
                         data={"from_parent": old_parent_id, "to_parent": new_parent.pk, "old_path": old_path})
    # Other apps follow the move in this transaction (cases re-route their open cases to the
    # new chain's handlers): if one of them fails, the move does not happen either.
    events.publish("places.place_moved", key=f"place-moved:{entry.pk}", actor=actor, path=place.path,
                   data={"place": place.pk, "from_parent": old_parent_id, "to_parent": new_parent.pk,
                         "old_path": old_path, "new_path": place.path})
    return place


def _lock_subtree(prefix: str) -> None:
    """Lock every place under `prefix`. A writer that already holds one (create_place locks
    the parent, create_household the dwelling) commits first; what it added becomes visible
    to the next statement, so lock again until no new row appears. Then nothing can be
    added under the subtree until this transaction ends."""
    locked: set[int] = set()
    while True:
        found = set(Place.objects.select_for_update().filter(path__startswith=prefix)
                    .order_by("pk").values_list("pk", flat=True))
        if found <= locked:
            return
        locked |= found


def _path_carriers() -> list:
    """Models that carry a copy of their place's path for scope (households, residents,
    cases …): scoped by their own `path` column. Audit entries keep the path they were
    written with (history is not rewritten) and declare no scope field."""
    return [m for m in apps.get_models()
            if m is not Place and getattr(m, "scope_path_field", None) == "path"]


# ---------------------------------------------------------------- households and residents


@transaction.atomic
def set_dwelling_area(*, actor, dwelling_id: int, floor_area) -> Dwelling:
    dwelling = Dwelling.objects.select_for_update().select_related("place").filter(pk=dwelling_id).first()
    if dwelling is None:
        raise NotFound(_("房屋不存在"), code="not_found")
    require(actor, Verb.HOUSEHOLD_MANAGE, dwelling.place)
    dwelling.floor_area = clean_area(floor_area)
    dwelling.save(update_fields=["floor_area"])
    record_audit(actor=actor, action="dwelling.update", target=dwelling, path=dwelling.place.path,
                 data={"floor_area": str(dwelling.floor_area)})
    return dwelling


def clean_area(value, *, field: str = "floor_area") -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        area = Decimal(str(value).strip())
    except Exception:
        raise Invalid(_("面积应为数字"), code="area_format", field=field) from None
    if not area.is_finite() or area <= 0 or area >= Decimal("100000"):
        raise Invalid(_("面积应大于0且小于100000平方米"), code="area_range", field=field)
    return area.quantize(Decimal("0.01"))


@transaction.atomic
def create_household(*, actor, dwelling_id: int, tenure: str = Household.Tenure.OWNED) -> Household:
    # Locked so a concurrent move_place waits for (and then rewrites) this household.
    dwelling = Place.objects.select_for_update(of=("self",)).select_related("kind").filter(pk=dwelling_id).first()
    if dwelling is None:
        raise NotFound(_("房屋不存在"), code="not_found", field="dwelling_id")
    require(actor, Verb.HOUSEHOLD_MANAGE, dwelling)
    if dwelling.kind.code != "dwelling":
        raise Invalid(_("住户只能登记在“户”一级的房屋上"), code="not_a_dwelling", field="dwelling_id")
    if tenure not in Household.Tenure.values:
        raise Invalid(_("居住性质无效"), code="invalid_choice", field="tenure")
    household = Household.objects.create(dwelling=dwelling, path=dwelling.path, tenure=tenure)
    record_audit(actor=actor, action="household.create", target=household)
    return household


def clean_resident_fields(data: dict, *, existing: Resident | None = None, actor=None) -> dict:
    """Validate resident fields; raise one Invalid carrying every field error."""
    errors, out = [], {}

    def fail(field, exc):
        errors.append({"field": field, "message": exc.message, "code": exc.code})

    name = None
    if "name" in data or existing is None:
        try:
            name = clean_text(data.get("name"), field="name", multiline=False)
        except Invalid as exc:
            fail("name", exc)
    if name is not None:
        if not name:
            errors.append({"field": "name", "message": _("请填写姓名"), "code": "required"})
        elif len(name) > 50:
            errors.append({"field": "name", "message": _("姓名不能超过50个字"), "code": "too_long"})
        out["name"] = name
    birth = gender = None
    if data.get("id_number"):
        try:
            number, birth, gender = parse_id_number(data["id_number"])
            out["id_number"] = number
            dup = Resident.objects.filter(id_number_hash=pii.lookup_hash(number))
            if existing is not None:
                dup = dup.exclude(pk=existing.pk)
            other = dup.only("pk", "path").first()
            if other is not None and actor is not None and not allowed(actor, Verb.RESIDENT_VIEW, other):
                # Registered outside the actor's reach: do not confirm that it exists anywhere
                # (issue 10 §8); the attempt goes to the security log for the supervisor.
                security_log.warning("resident id number registered outside the actor's scope: actor=%s "
                                     "resident=%s", actor.pk, existing.pk if existing else None)
                errors.append({"field": "id_number", "message": _("该身份证号不能登记在此，请联系上级核实"),
                               "code": "id_number_unavailable"})
            elif other is not None:
                errors.append({"field": "id_number", "message": _("该身份证号已登记"), "code": "duplicate_id_number"})
        except Invalid as exc:
            fail("id_number", exc)
    if data.get("phone"):
        try:
            out["phone"] = validate_mobile(data["phone"])
        except Invalid as exc:
            fail("phone", exc)
    if data.get("gender"):
        if data["gender"] not in Resident.Gender.values:
            errors.append({"field": "gender", "message": _("性别应为“男”或“女”"), "code": "invalid_choice"})
        elif gender and data["gender"] != gender:
            errors.append({"field": "gender", "message": _("性别与身份证号不一致"), "code": "gender_mismatch"})
        else:
            out["gender"] = data["gender"]
    elif gender:
        out["gender"] = gender
    elif existing is None:
        errors.append({"field": "gender", "message": _("请填写性别"), "code": "required"})
    if data.get("birth_date"):
        value = data["birth_date"]
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                errors.append({"field": "birth_date", "message": _("出生日期格式应为 YYYY-MM-DD"), "code": "date_format"})
                value = None
        if value is not None:
            if birth and value != birth:
                errors.append({"field": "birth_date", "message": _("出生日期与身份证号不一致"), "code": "birth_mismatch"})
            elif value > dt.date.today():
                errors.append({"field": "birth_date", "message": _("出生日期不能晚于今天"), "code": "birth_future"})
            else:
                out["birth_date"] = value
    elif birth:
        out["birth_date"] = birth
    if "relation" in data and data["relation"] is not None:
        if data["relation"] not in Resident.Relation.values:
            errors.append({"field": "relation", "message": _("与户主关系无效"), "code": "invalid_choice"})
        else:
            out["relation"] = data["relation"]
    if "lives_here" in data and data["lives_here"] is not None:
        out["lives_here"] = bool(data["lives_here"])
    if "care_tags" in data and data["care_tags"] is not None:
        codes = list(dict.fromkeys(data["care_tags"]))
        tags = list(CareTag.objects.filter(code__in=codes, is_active=True))
        if len(tags) != len(codes):
            errors.append({"field": "care_tags", "message": _("关爱标签无效"), "code": "invalid_choice"})
        out["care_tags"] = tags
    if errors:
        raise Invalid(errors[0]["message"], code=errors[0]["code"], field=errors[0]["field"], errors=errors)
    return out


@transaction.atomic
def create_resident(*, actor, household_id: int, **data) -> Resident:
    household = Household.objects.select_for_update().filter(pk=household_id).first()
    if household is None:
        raise NotFound(_("住户不存在"), code="not_found", field="household_id")
    require(actor, Verb.RESIDENT_MANAGE, household)
    clean = clean_resident_fields(data, actor=actor)
    resident = Resident(household=household, path=household.path)
    _apply(resident, clean)
    resident.save()
    if "care_tags" in clean:
        resident.care_tags.set(clean["care_tags"])
    if resident.relation == Resident.Relation.HEAD and household.head_id is None:
        household.head = resident
        household.save(update_fields=["head", "updated_at"])
    record_audit(actor=actor, action="resident.create", target=resident, data={"name": resident.name})
    return resident


def _apply(resident: Resident, clean: dict) -> list[str]:
    changed = []
    for field in ("name", "gender", "birth_date", "relation", "lives_here"):
        if field in clean and getattr(resident, field) != clean[field]:
            setattr(resident, field, clean[field])
            changed.append(field)
    if "id_number" in clean and resident.id_number_hash != pii.lookup_hash(clean["id_number"]):
        resident.set_id_number(clean["id_number"])
        changed.append("id_number")
    if "phone" in clean and resident.phone_hash != pii.lookup_hash(clean["phone"]):
        resident.set_phone(clean["phone"])
        changed.append("phone")
    return changed


@transaction.atomic
def update_resident(*, actor, resident_id: int, **data) -> Resident:
    resident = Resident.objects.select_for_update().filter(pk=resident_id).first()
    if resident is None:
        raise NotFound(_("居民不存在"), code="not_found")
    require(actor, Verb.RESIDENT_MANAGE, resident)
    clean = clean_resident_fields(data, existing=resident, actor=actor)
    changed = _apply(resident, clean)
    if changed:
        resident.save()
    if "care_tags" in clean:
        before = set(resident.care_tags.values_list("code", flat=True))
        after = {t.code for t in clean["care_tags"]}
        if before != after:
            resident.care_tags.set(clean["care_tags"])
            changed.append("care_tags")
    if changed:
        # Field names only: the audit log must not become a second copy of personal data.
        record_audit(actor=actor, action="resident.update", target=resident, data={"fields": changed})
    return resident


@transaction.atomic
def add_owner(*, actor, dwelling_id: int, owner_id: int, share=None) -> Ownership:
    dwelling = Dwelling.objects.select_related("place").filter(pk=dwelling_id).first()
    if dwelling is None:
        raise NotFound(_("房屋不存在"), code="not_found", field="dwelling_id")
    require(actor, Verb.HOUSEHOLD_MANAGE, dwelling.place)
    owner = Resident.objects.filter(pk=owner_id).first()
    if owner is None:
        raise NotFound(_("居民不存在"), code="not_found", field="owner_id")
    require(actor, Verb.RESIDENT_VIEW, owner)
    if share is not None:
        share = Decimal(str(share))
        if not (0 < share <= 1):
            raise Invalid(_("产权份额应在0到1之间"), code="share_range", field="share")
    ownership, created = Ownership.objects.get_or_create(dwelling=dwelling, owner=owner, defaults={"share": share})
    if not created:
        raise Conflict(_("该业主已登记在此房屋"), code="duplicate_owner", field="owner_id")
    record_audit(actor=actor, action="ownership.create", target=ownership, path=dwelling.place.path,
                 data={"owner": owner.pk})
    return ownership


REVEAL_FIELDS = {"id_number": "id_number_enc", "phone": "phone_enc"}


@transaction.atomic
def reveal_resident_pii(*, actor, resident_id: int, reason: str) -> dict:
    """Unmasked ID number and phone for a viewer whose role needs them; every call is
    audited with who, whom, when and why."""
    resident = Resident.objects.filter(pk=resident_id).first()
    if resident is None:
        raise NotFound(_("居民不存在"), code="not_found")
    require(actor, Verb.RESIDENT_UNMASK, resident)
    reason = clean_text(reason, field="reason")
    if len(reason) < 2:
        raise Invalid(_("请填写查看原因"), code="reason_required", field="reason")
    if len(reason) > 200:
        raise Invalid(_("原因不能超过200个字"), code="too_long", field="reason")
    record_audit(actor=actor, action="resident.unmask", target=resident, reason=reason,
                 data={"fields": sorted(REVEAL_FIELDS)})
    return {"id_number": pii.decrypt(resident.id_number_enc), "phone": pii.decrypt(resident.phone_enc)}
