"""Log-in, tokens and role assignment."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import compiled, pii
from linli.core.audit import record_audit
from linli.core.errors import Conflict, Forbidden, Invalid, NotFound, TooManyRequests
from linli.core.models import AuditEntry
from linli.core.identity import validate_mobile
from linli.core.text import clean_text
from linli.places.models import Place

from . import scope
from .models import ApiToken, Organisation, RoleAssignment, SmsCode, User
from .roles import Role, Verb
from linli.notify.sms import get_sender

SMS_CODE_TTL = timedelta(minutes=5)
SMS_MAX_ATTEMPTS = 5
# Rate limits: per number one code a minute and ten a day; per address thirty an hour.
SMS_PER_NUMBER_MINUTE = 1
SMS_PER_NUMBER_DAY = 10
SMS_PER_IP_HOUR = 30
# Password log-in (staff): failures per user name and per address in a window.
LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
API_TOKEN_DAYS = 30
OPEN311_KEY_DAYS = 365
# Failures are counted per (account, address) and per address, not per account alone: five
# wrong guesses from anywhere used to lock a staff member out for everyone (issue 10 §9); now a
# correct password from a clean address still logs in.
LOGIN_FAILURES_PER_USER = 5
LOGIN_FAILURES_PER_IP = 20


def _code_hash(phone_hash: str, code: str) -> str:
    return hmac.new(phone_hash.encode(), code.encode(), hashlib.sha256).hexdigest()


def _lock_number(phone_hash: str) -> None:
    """Serialise code requests for one number on PostgreSQL (SQLite serialises every write
    transaction already), so two simultaneous requests cannot both pass the rate limit."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(phone_hash[:15], 16)])


@transaction.atomic
def request_sms_code(*, phone: str, ip: str | None) -> None:
    """Send a one-time code to `phone`. Rate-limited per number and per address; the
    answer is the same whether or not the number has an account, so it reveals nothing."""
    phone = validate_mobile(phone)
    phone_hash = pii.lookup_hash(phone)
    _lock_number(phone_hash)
    now = timezone.now()
    recent = list(SmsCode.objects.filter(phone_hash=phone_hash, created_at__gte=now - timedelta(days=1))
                  .values_list("created_at", flat=True))
    if sum(1 for t in recent if t >= now - timedelta(minutes=1)) >= SMS_PER_NUMBER_MINUTE:
        raise TooManyRequests(_("验证码发送过于频繁，请一分钟后再试"), code="sms_rate_number", field="phone")
    if len(recent) >= SMS_PER_NUMBER_DAY:
        raise TooManyRequests(_("该号码今日获取验证码次数已达上限"), code="sms_daily_limit", field="phone")
    if ip and SmsCode.objects.filter(ip=ip, created_at__gte=now - timedelta(hours=1)).count() >= SMS_PER_IP_HOUR:
        raise TooManyRequests(_("请求过于频繁，请稍后再试"), code="sms_rate_ip")
    code = f"{secrets.randbelow(1_000_000):06d}"
    SmsCode.objects.create(phone_hash=phone_hash, code_hash=_code_hash(phone_hash, code), ip=ip,
                           expires_at=now + SMS_CODE_TTL)
    get_sender().send(phone, str(_("【邻里】您的登录验证码是 %(code)s，5分钟内有效。") % {"code": code}))


def verify_sms_code(*, phone: str, code: str) -> User:
    """Return the user for `phone` if `code` is right. Each code works once and allows
    SMS_MAX_ATTEMPTS tries; only the newest unexpired code counts. Only existing users may
    log in (accounts are opened by staff or import)."""
    phone = validate_mobile(phone)
    phone_hash = pii.lookup_hash(phone)
    now = timezone.now()
    # A failed attempt (and a used code) must stay recorded although we refuse: decide and
    # write inside the transaction, raise after it has committed.
    with transaction.atomic():
        sms = (SmsCode.objects.select_for_update()
               .filter(phone_hash=phone_hash, used_at__isnull=True, expires_at__gt=now)
               .order_by("-id").first())
        if sms is None:
            outcome = "wrong"
        elif sms.attempts >= SMS_MAX_ATTEMPTS:
            outcome = "locked"
        elif hmac.compare_digest(sms.code_hash, _code_hash(phone_hash, (code or "").strip())):
            SmsCode.objects.filter(pk=sms.pk).update(used_at=now)
            user = User.objects.filter(phone_hash=phone_hash, is_active=True).first()
            if user is None:
                outcome = "no_account"
            else:
                record_audit(actor=user, action="user.login_sms", target=user)
                return user
        else:
            SmsCode.objects.filter(pk=sms.pk).update(attempts=F("attempts") + 1)
            outcome = "locked" if sms.attempts + 1 >= SMS_MAX_ATTEMPTS else "wrong"
    if outcome == "locked":
        raise Invalid(_("验证码错误次数过多，请重新获取"), code="sms_code_locked", field="code")
    if outcome == "no_account":
        raise Invalid(_("该手机号尚未开通账号，请联系社区"), code="no_account", field="phone")
    raise Invalid(_("验证码错误或已过期"), code="sms_code_wrong", field="code")


def _failed_logins(*, since, username: str = "", ip: str | None = None) -> int:
    qs = AuditEntry.objects.filter(kind="user.login_failed", target_type="login", at__gte=since)
    if username:
        qs = qs.filter(target_id=username[:64])
    if ip:
        qs = qs.filter(data__ip=ip)
    return qs.count()


def password_login(*, username: str, password: str, ip: str | None = None) -> User:
    """Staff log in with a password (everyone else by SMS code). Failures are written to the
    audit log and limited per (user name, address) and per address; the message never says which of
    name and password was wrong."""
    username = (username or "").strip()[:150]
    now = timezone.now()
    since = now - LOGIN_FAILURE_WINDOW
    if (_failed_logins(since=since, username=username, ip=ip) >= LOGIN_FAILURES_PER_USER
            or (ip and _failed_logins(since=since, ip=ip) >= LOGIN_FAILURES_PER_IP)):
        raise TooManyRequests(_("登录失败次数过多，请15分钟后再试"), code="login_rate_limited")
    user = authenticate(None, username=username, password=password or "") if username else None
    if user is None or not user.is_staff:
        record_audit(actor=None, action="user.login_failed", target_type="login", target_id=username[:64],
                     data={"ip": ip})
        raise Invalid(_("用户名或密码错误"), code="login_failed", field="password")
    record_audit(actor=user, action="user.login_password", target=user, data={"ip": ip})
    return user


def issue_api_token(*, user: User, name: str, kind: str = ApiToken.Kind.API, days: int | None = None) -> str:
    """Create a token (or an Open311 key) and return it once; only its hash is kept. It
    expires after `days` (default: settings LINLI_API_TOKEN_DAYS / LINLI_OPEN311_KEY_DAYS)."""
    raw = ("ll_" if kind == ApiToken.Kind.API else "o311_") + secrets.token_urlsafe(32)
    name = clean_text(name, field="name", multiline=False)[:100] or "token"
    if days is None:
        days = (getattr(settings, "LINLI_API_TOKEN_DAYS", API_TOKEN_DAYS) if kind == ApiToken.Kind.API
                else getattr(settings, "LINLI_OPEN311_KEY_DAYS", OPEN311_KEY_DAYS))
    with transaction.atomic():
        ApiToken.objects.create(user=user, name=name, kind=kind, key_hash=_token_hash(raw), prefix=raw[:8],
                                expires_at=timezone.now() + timedelta(days=days))
        record_audit(actor=user, action="api_token.create", target=user, data={"name": name, "kind": kind})
    return raw


def issue_open311_key(*, actor, name: str) -> str:
    """An Open311 key for an integration (the 12345 hotline, a city platform): only staff who
    may take in cases somewhere get one, and it works for Open311 only."""
    if not actor.is_superuser and not scope.prefixes(actor, Verb.CASE_INTAKE):
        raise Forbidden(_("只有可以代为登记诉求的工作人员可以申请 Open311 密钥"), code="forbidden")
    return issue_api_token(user=actor, name=name, kind=ApiToken.Kind.OPEN311)


def tokens_of(user: User):
    return ApiToken.objects.filter(user=user).order_by("-id")


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _live_token(key_hash, kind, now):
    qs = ApiToken.objects.select_related("user").filter(key_hash=key_hash, kind=kind, revoked_at__isnull=True,
                                                          expires_at__gt=now)
    return (qs if qs.ordered else qs.order_by("pk"))[:1]  # what .first() sends


# Every API request reads it: built once per process (linli.core.compiled).
_TOKEN = compiled.Rows("accounts.api_token", _live_token,
                       key_hash=compiled.Text, kind=compiled.Text, now=compiled.DateTime)


def api_token_for(raw: str, *, kind: str = ApiToken.Kind.API) -> ApiToken | None:
    """The live token of `kind` that `raw` names (with its user), or None: not revoked, not
    expired, and an Open311 key is no API token (nor the other way round)."""
    if not raw or len(raw) > 200:
        return None
    found = _TOKEN.run(key_hash=_token_hash(raw), kind=str(kind), now=timezone.now())
    token = found[0] if found else None
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def user_for_api_token(raw: str, *, kind: str = ApiToken.Kind.API) -> User | None:
    token = api_token_for(raw, kind=kind)
    return token.user if token is not None else None


@transaction.atomic
def revoke_api_token(*, actor, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens (a superuser may revoke anyone's)."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if token is None or (token.user_id != actor.pk and not actor.is_superuser):
        raise NotFound(_("令牌不存在"), code="not_found")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_audit(actor=actor, action="api_token.revoke", target=token.user, data={"token": token.prefix})
    return token


@transaction.atomic
def create_user(*, actor, display_name: str, phone: str | None = None, username: str | None = None,
                password: str | None = None, is_staff: bool = False, resident=None) -> User:
    """Accounts are opened by staff, the importer or the demo loader."""
    if not actor.is_superuser and not scope.prefixes(actor, Verb.ROLE_MANAGE):
        raise Forbidden(_("您没有权限开通账号"), code="forbidden")
    display_name = clean_text(display_name, field="display_name", multiline=False)
    if len(display_name) > 50:
        raise Invalid(_("姓名不能超过50个字"), code="too_long", field="display_name")
    if phone:
        phone = validate_mobile(phone)
        if User.objects.filter(phone_hash=pii.lookup_hash(phone)).exists():
            raise Invalid(_("该手机号已开通账号"), code="duplicate_phone", field="phone")
    username = (username or "").strip() or ("u" + (pii.lookup_hash(phone)[:12] if phone else secrets.token_hex(6)))
    if len(username) > 150:
        raise Invalid(_("用户名不能超过150个字符"), code="too_long", field="username")
    if User.objects.filter(username=username).exists():
        raise Invalid(_("该用户名已被使用"), code="duplicate_username", field="username")
    user = User(username=username, display_name=display_name, is_staff=is_staff, resident=resident)
    if phone:
        user.set_phone(phone)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    record_audit(actor=actor, action="user.create", target=user, data={"username": username})
    return user


@transaction.atomic
def assign_role(*, actor, user_id: int, role: str, place_id: int | None = None,
                organisation_id: int | None = None, title: str = "", is_lead: bool = False) -> RoleAssignment:
    """Give `user_id` a role at a place (or, for department staff, in an organisation). The
    actor needs role.manage over every place the role will reach."""
    if role not in Role.values:
        raise Invalid(_("角色无效"), code="invalid_choice", field="role")
    title = clean_text(title, field="title", multiline=False)
    if len(title) > 50:
        raise Invalid(_("职务不能超过50个字"), code="too_long", field="title")
    # Lock the user: two simultaneous identical assignments must not both pass the check below.
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("用户不存在"), code="not_found", field="user_id")
    place = organisation = None
    if organisation_id is not None:
        organisation = Organisation.objects.filter(pk=organisation_id).first()
        if organisation is None:
            raise NotFound(_("组织不存在"), code="not_found", field="organisation_id")
    if role == Role.DEPARTMENT_STAFF:
        if organisation is None:
            raise Invalid(_("部门工作人员须指定所属部门"), code="organisation_required", field="organisation_id")
        jurisdiction = list(organisation.jurisdiction.all())
        # An organisation without a jurisdiction reaches nothing yet; only someone who may
        # act everywhere may staff it (otherwise anyone could).
        if not jurisdiction and scope.prefixes(actor, Verb.ROLE_MANAGE) is not None:
            raise Forbidden(_("您没有权限执行此操作"), code="forbidden")
        for p in jurisdiction:
            scope.require(actor, Verb.ROLE_MANAGE, p)
    else:
        if place_id is None:
            raise Invalid(_("请选择角色所在地点"), code="place_required", field="place_id")
        place = Place.objects.filter(pk=place_id).first()
        if place is None:
            raise NotFound(_("地点不存在"), code="not_found", field="place_id")
        scope.require(actor, Verb.ROLE_MANAGE, place)
    if RoleAssignment.objects.filter(user=user, role=role, place=place, organisation=organisation,
                                     is_active=True).exists():
        raise Conflict(_("该用户已在此担任该角色"), code="duplicate_role", field="role")
    ra = RoleAssignment.objects.create(user=user, role=role, place=place, organisation=organisation,
                                       title=title, is_lead=is_lead)
    scope.forget(user)
    record_audit(actor=actor, action="role.assign", target=ra, path=place.path if place else "",
                 data={"user": user.pk, "role": role})
    return ra
