"""The Django admin: every registered model's list and change page render for a superuser
with rows in them, no raw ID number, phone, ciphertext or hash appears in any page, history
is read-only, and the writes the admin offers go through the services."""

from __future__ import annotations

import io
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from linli.accounts import services as account_services
from linli.accounts.models import ApiToken, SentSms, SmsCode, User
from linli.cases import services as case_services
from linli.cases.models import Case, CaseEvent, Category, RoutingRule
from linli.core import events, pii
from linli.core.actors import SYSTEM
from linli.core.models import AuditEntry, EffectDone, IdempotencyRecord
from linli.places import services as place_services
from linli.places.models import Household, Place, Resident
from linli.testing import next_id_number, next_phone

LINLI_APPS = {"core", "places", "accounts", "cases", "notify"}
REGISTERED = sorted(m._meta.label for m in admin.site._registry)


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def rows(city, settings, tmp_path):
    """A few rows of every model, made through the services."""
    settings.MEDIA_ROOT = str(tmp_path)
    community = city.user_with("community_worker", at=city.community, title="社区专干")
    staff = city.user_with("department_staff", at=city.street)
    neighbour = city.user_with("resident", at=city.other_dwelling)
    org = staff.roles.get().organisation
    place_services.set_dwelling_area(actor=SYSTEM, dwelling_id=city.dwelling.pk, floor_area="89.50")
    place_services.add_owner(actor=SYSTEM, dwelling_id=city.dwelling.pk, owner_id=city.resident.pk, share="1")
    token = account_services.issue_api_token(user=community, name="手机客户端")
    account_services.request_sms_code(phone=neighbour.phone, ip="10.0.0.9")
    contact = next_phone()
    case = case_services.submit_case(actor=community, text="小区门口车辆乱停乱放，消防通道被堵住了", channel="phone",
                                     place_id=city.dwelling.pk, category_code="parking", contact_name="李大爷",
                                     contact_phone=contact, is_public=True)
    case_services.accept_case(actor=community, case_id=case.pk)
    case_services.add_note(actor=community, case_id=case.pk, text="已联系物业处理")
    case_services.open_cohandling(actor=community, case_id=case.pk, organisation_ids=[org.pk], instruction="请协助")
    case_services.attach_photos(actor=community, case_id=case.pk, images=[jpeg()])
    case_services.me_too(actor=neighbour, case_id=case.pk)
    RoutingRule.objects.create(category=Category.objects.get(code="parking"), place=city.community, level="community")
    IdempotencyRecord.objects.create(user=community, key="retry-1", request_hash="0" * 64, status_code=201,
                                     response={"id": case.pk})
    Group.objects.create(name="值班组")
    with transaction.atomic():
        event = events.publish("test.admin_fixture", key=f"admin-fixture:{case.pk}", path=case.path,
                               data={"case": case.pk})
    EffectDone.objects.create(effect="test.admin_fixture_effect", event=event)
    return {"case": case, "community": community, "token": token, "contact": contact}


def secrets_in_database(extra=()) -> tuple[set[str], set[str]]:
    """(raw values that must never be shown, stored ciphertexts and hashes that must not be either)."""
    raw, stored = set(extra), set()
    for r in Resident.objects.all():
        raw |= {pii.decrypt(r.id_number_enc), pii.decrypt(r.phone_enc)}
        stored |= {r.id_number_enc, r.phone_enc, r.id_number_hash, r.phone_hash}
    for u in User.objects.all():
        raw.add(pii.decrypt(u.phone_enc))
        stored |= {u.phone_enc, u.phone_hash or ""}
    for c in Case.objects.all():
        raw.add(pii.decrypt(c.contact_phone_enc))
        stored |= {c.contact_phone_enc, c.contact_phone_hash}
    stored |= set(SmsCode.objects.values_list("code_hash", flat=True))
    stored |= set(SmsCode.objects.values_list("phone_hash", flat=True))
    stored |= set(SentSms.objects.values_list("phone_hash", flat=True))
    stored |= set(ApiToken.objects.values_list("key_hash", flat=True))
    # Birth dates are public facts on the page; the 18-digit number never is.
    return {v for v in raw if v}, {v for v in stored if v}


def assert_nothing_secret(html: str, raw: set[str], stored: set[str], where: str) -> None:
    for value in raw:
        assert value not in html, f"raw personal value on {where}"
    for value in stored:
        assert value not in html, f"stored ciphertext or hash on {where}"
    assert "gAAAAA" not in html, f"a Fernet token on {where}"


@pytest.fixture
def su(client, admin_user):
    client.force_login(admin_user)
    return client


# ---------------------------------------------------------------- every registered model


def test_every_list_and_change_page_renders_masked_only(rows, su):
    """One test over the whole registry (the fixture is costly): each model's list and the
    change page of its first row answer 200 and show nothing secret."""
    from django.apps import apps

    raw, stored = secrets_in_database(extra=[rows["token"], rows["contact"]])
    rendered = []
    for label in REGISTERED:
        model = apps.get_model(label)
        response = su.get(admin_url(model, "changelist"))
        assert response.status_code == 200, label
        assert_nothing_secret(response.content.decode(), raw, stored, f"{label} list")
        obj = model._default_manager.order_by("pk").first()
        if model._meta.app_label in LINLI_APPS:
            assert obj is not None, f"the fixture made no {label} row"
        if obj is None:
            continue
        response = su.get(admin_url(model, "change", obj.pk))
        assert response.status_code == 200, label
        assert_nothing_secret(response.content.decode(), raw, stored, f"{label} change page")
        rendered.append(label)
    assert {label.split(".")[0] for label in rendered} >= LINLI_APPS


def test_every_linli_model_is_registered():
    from django.apps import apps

    missing = [m._meta.label for app in LINLI_APPS for m in apps.get_app_config(app).get_models()
               if m not in admin.site._registry]
    assert missing == []


def test_lists_show_the_masked_columns(rows, su, city):
    html = su.get(admin_url(Resident, "changelist")).content.decode()
    resident = Resident.objects.get(pk=city.resident.pk)
    assert resident.id_number_masked in html and resident.phone_masked in html
    assert len(resident.id_number_masked) == 18 and resident.id_number_masked.count("*") == 14
    html = su.get(admin_url(Case, "changelist")).content.decode()
    assert rows["contact"][:3] + "****" + rows["contact"][-4:] in html
    html = su.get(admin_url(User, "changelist")).content.decode()
    assert rows["community"].phone_masked in html


def test_resident_change_page_never_fills_in_the_number(rows, su, city):
    html = su.get(admin_url(Resident, "change", city.resident.pk)).content.decode()
    resident = Resident.objects.get(pk=city.resident.pk)
    assert resident.id_number_masked in html
    fields = FormFields.parse(html)
    assert fields.get("id_number", "") == "" and fields.get("phone", "") == ""


def test_search_by_full_number_finds_through_the_hash(rows, su, city):
    phone = pii.decrypt(Resident.objects.get(pk=city.resident.pk).phone_enc)
    html = su.get(admin_url(Resident, "changelist"), {"q": phone}).content.decode()
    assert city.resident.name in html and city.other_resident.name not in html
    number = pii.decrypt(Resident.objects.get(pk=city.other_resident.pk).id_number_enc)
    html = su.get(admin_url(Resident, "changelist"), {"q": number.lower()}).content.decode()
    assert city.other_resident.name in html and city.resident.name not in html
    html = su.get(admin_url(User, "changelist"), {"q": rows["community"].phone}).content.decode()
    assert rows["community"].display_name in html


# ---------------------------------------------------------------- history is read-only


@pytest.mark.parametrize("model", [AuditEntry, CaseEvent])
def test_history_cannot_be_added_changed_or_deleted(model, rows, su):
    entry = model.objects.order_by("pk").first()
    before = model.objects.filter(pk=entry.pk).values().get()
    page = su.get(admin_url(model, "change", entry.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html and 'name="_continue"' not in html
    assert su.get(admin_url(model, "add")).status_code == 403
    assert su.post(admin_url(model, "add"), {}).status_code == 403
    assert su.post(admin_url(model, "change", entry.pk), {"note": "改写", "reason": "改写"}).status_code == 403
    assert su.get(admin_url(model, "delete", entry.pk)).status_code == 403
    assert su.post(admin_url(model, "delete", entry.pk), {"post": "yes"}).status_code == 403
    listing = su.get(admin_url(model, "changelist")).content.decode()
    assert "delete_selected" not in listing
    response = su.post(admin_url(model, "changelist"),
                       {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    assert response.status_code in (200, 302)
    assert model.objects.filter(pk=entry.pk).values().get() == before


@pytest.mark.parametrize("model", [Case, Household])
def test_models_without_a_change_service_are_read_only(model, rows, su):
    obj = model.objects.order_by("pk").first()
    html = su.get(admin_url(model, "change", obj.pk)).content.decode()
    assert 'name="_save"' not in html
    assert su.post(admin_url(model, "change", obj.pk), {}).status_code == 403
    assert su.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403


def test_admin_is_for_superusers_only(rows, client):
    client.force_login(rows["community"])
    for url in (reverse("admin:index"), admin_url(Resident, "changelist")):
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0].startswith("/login/?"), url
        assert "李大爷" not in response.content.decode()


def test_anonymous_admin_goes_to_the_site_login(client, db):
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith("/login/?")
    assert "tab=password" in response.redirect_chain[-1][0] and "next=" in response.redirect_chain[-1][0]


# ---------------------------------------------------------------- writes go through the services


class FormFields(HTMLParser):
    """The values a browser would submit for the admin form on a page."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, object] = {}
        self._select = self._textarea = None

    @classmethod
    def parse(cls, html: str) -> dict:
        parser = cls()
        parser.feed(html)
        return parser.values

    def _put(self, name, value, multiple=False):
        if multiple:
            self.values.setdefault(name, []).append(value)
        else:
            self.values[name] = value

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self._put(name, a.get("value", "on"), multiple=a.get("type") == "checkbox")
            else:
                self._put(name, a.get("value") or "")
        elif tag == "select" and name:
            self._select = (name, "multiple" in a)
            if "multiple" in a:
                self.values.setdefault(name, [])
            else:
                self.values.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self._put(self._select[0], a.get("value", ""), multiple=self._select[1])
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data.strip("\n")


def submit(client, url, **changes):
    """GET the admin form at `url`, change some fields, POST it back."""
    page = client.get(url)
    assert page.status_code == 200
    data = FormFields.parse(page.content.decode())
    data.pop("csrfmiddlewaretoken", None)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    data["_save"] = "保存"
    return client.post(url, data)


def test_adding_a_place_calls_create_place(rows, su, city, admin_user):
    grid_kind = Place.objects.get(pk=city.grid.pk).kind
    response = submit(su, admin_url(Place, "add"), parent=str(city.community.pk), kind=str(grid_kind.pk),
                      name="第三网格", code="G03")
    assert response.status_code == 302, response.content.decode()[:2000]
    place = Place.objects.get(name="第三网格")
    community = Place.objects.get(pk=city.community.pk)
    assert place.parent_id == community.pk and place.path[:-4] == community.path and place.depth == community.depth + 1
    entry = AuditEntry.objects.get(kind="place.create", target_id=str(place.pk))
    assert entry.actor_id == admin_user.pk


def test_refused_place_shows_the_service_error(rows, su, city):
    # A grid must lie under a community: the service refuses, the form says so.
    grid_kind = Place.objects.get(pk=city.grid.pk).kind
    count = Place.objects.count()
    response = submit(su, admin_url(Place, "add"), parent=str(city.street.pk), kind=str(grid_kind.pk), name="野网格")
    assert response.status_code == 200
    assert "必须隶属于" in response.content.decode()
    assert Place.objects.count() == count


def test_changing_a_parent_moves_the_subtree(rows, su, city, admin_user):
    response = submit(su, admin_url(Place, "change", city.compound.pk), parent=str(city.other_grid.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    compound = Place.objects.get(pk=city.compound.pk)
    other_grid = Place.objects.get(pk=city.other_grid.pk)
    assert compound.parent_id == other_grid.pk and compound.path[:-4] == other_grid.path
    assert Resident.objects.get(pk=city.resident.pk).path.startswith(compound.path)
    assert Household.objects.get(pk=city.household.pk).path.startswith(compound.path)
    assert AuditEntry.objects.filter(kind="place.move", target_id=str(compound.pk), actor=admin_user).exists()


def test_moving_under_own_subtree_is_refused_on_the_form(rows, su, city):
    before = sorted(Place.objects.values_list("pk", "path", "parent_id"))
    response = submit(su, admin_url(Place, "change", city.compound.pk), parent=str(city.unit.pk))
    assert response.status_code == 200
    assert "不能移动到自身或其下级之下" in response.content.decode()
    assert sorted(Place.objects.values_list("pk", "path", "parent_id")) == before
    assert not AuditEntry.objects.filter(kind__in=["place.move", "place.update"]).exists()


def test_renaming_a_place_calls_update_place(rows, su, city):
    response = submit(su, admin_url(Place, "change", city.other_grid.pk), name="第二网格（东）")
    assert response.status_code == 302
    assert Place.objects.get(pk=city.other_grid.pk).name == "第二网格（东）"
    entry = AuditEntry.objects.get(kind="place.update", target_id=str(city.other_grid.pk))
    assert entry.data["name"] == ["第二网格", "第二网格（东）"]


def test_adding_a_resident_stores_only_ciphertext_hash_and_mask(rows, su, city, admin_user):
    number, phone = next_id_number(), next_phone()
    response = submit(su, admin_url(Resident, "add"), household=str(city.household.pk), name="李小妹",
                      id_number=number, phone=phone, relation="child", gender="")
    assert response.status_code == 302, response.content.decode()[:3000]
    resident = Resident.objects.get(name="李小妹")
    assert resident.id_number_masked == pii.mask_id_number(number) and resident.phone_masked == pii.mask_phone(phone)
    assert pii.decrypt(resident.id_number_enc) == number
    assert resident.gender == ("M" if int(number[16]) % 2 else "F")  # taken from the number
    assert resident.path == Household.objects.get(pk=city.household.pk).path
    entry = AuditEntry.objects.get(kind="resident.create", target_id=str(resident.pk))
    assert entry.actor_id == admin_user.pk and number not in str(entry.data) and phone not in str(entry.data)
    page = su.get(admin_url(Resident, "change", resident.pk)).content.decode()
    assert number not in page and phone not in page and resident.id_number_masked in page


def test_bad_id_number_is_a_form_error_and_not_echoed(rows, su, city):
    number = next_id_number()
    bad = number[:-1] + ("0" if number[-1] != "0" else "1")
    count = Resident.objects.count()
    response = submit(su, admin_url(Resident, "add"), household=str(city.household.pk), name="张三", id_number=bad,
                      gender="M")
    assert response.status_code == 200
    html = response.content.decode()
    assert "身份证号校验位不正确" in html
    assert bad not in html
    assert Resident.objects.count() == count


def test_changing_a_phone_calls_update_resident(rows, su, city, admin_user):
    phone = next_phone()
    response = submit(su, admin_url(Resident, "change", city.resident.pk), phone=phone)
    assert response.status_code == 302, response.content.decode()[:3000]
    resident = Resident.objects.get(pk=city.resident.pk)
    assert resident.phone_masked == pii.mask_phone(phone) and pii.decrypt(resident.phone_enc) == phone
    entry = AuditEntry.objects.filter(kind="resident.update", target_id=str(resident.pk)).get()
    assert entry.data == {"fields": ["phone"]} and entry.actor_id == admin_user.pk


def test_dwelling_area_goes_through_set_dwelling_area(rows, su, city):
    response = submit(su, admin_url(type(city.dwelling.dwelling), "change", city.dwelling.pk), floor_area="120.00")
    assert response.status_code == 302, response.content.decode()[:3000]
    assert AuditEntry.objects.filter(kind="dwelling.update", data__floor_area="120.00").exists()
    response = submit(su, admin_url(type(city.dwelling.dwelling), "change", city.dwelling.pk), floor_area="-3")
    assert response.status_code == 200 and "面积应大于0" in response.content.decode()


def test_adding_a_user_and_a_role_calls_the_services(rows, su, city, admin_user):
    phone = next_phone()
    response = submit(su, admin_url(User, "add"), display_name="赵网格", phone=phone, username="", password="")
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(display_name="赵网格")
    assert user.phone_masked == pii.mask_phone(phone) and user.phone_hash == pii.lookup_hash(phone)
    assert AuditEntry.objects.filter(kind="user.create", target_id=str(user.pk), actor=admin_user).exists()
    response = submit(su, admin_url(User, "add"), display_name="重复", phone=phone)
    assert response.status_code == 200 and "该手机号已开通账号" in response.content.decode()
    from linli.accounts.models import RoleAssignment

    response = submit(su, admin_url(RoleAssignment, "add"), user=str(user.pk), role="grid_worker",
                      place=str(city.grid.pk), title="专职网格员")
    assert response.status_code == 302, response.content.decode()[:3000]
    assert AuditEntry.objects.filter(kind="role.assign", actor=admin_user).exists()
    response = submit(su, admin_url(RoleAssignment, "add"), user=str(user.pk), role="grid_worker", place="")
    assert response.status_code == 200 and "请选择角色所在地点" in response.content.decode()


def test_revoking_a_token_is_an_action_over_the_service(rows, su, admin_user):
    token = ApiToken.objects.get(user=rows["community"])
    assert token.revoked_at is None
    before = timezone.now()
    response = su.post(admin_url(ApiToken, "changelist"), {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    token.refresh_from_db()
    assert before <= token.revoked_at <= timezone.now()
    assert AuditEntry.objects.filter(kind="api_token.revoke", actor=admin_user).exists()


# ---------------------------------------------------------------- lists do not grow queries with rows


def _add_residents(city, n):
    for i in range(n):
        place_services.create_resident(actor=SYSTEM, household_id=city.household.pk, name=f"居民{i}",
                                       id_number=next_id_number(), phone=next_phone(), relation="other")


@pytest.mark.parametrize("model", [Resident, Household, Place, AuditEntry, Case])
def test_list_query_count_is_constant(model, rows, su, city):
    url = admin_url(model, "changelist")
    su.get(url)
    with CaptureQueriesContext(connection) as few:
        assert su.get(url).status_code == 200
    _add_residents(city, 25)
    for i in range(5):
        place_services.create_household(actor=SYSTEM, dwelling_id=city.other_dwelling.pk)
    with CaptureQueriesContext(connection) as many:
        assert su.get(url).status_code == 200
    assert len(many) == len(few)
