"""Log-in, tokens and role assignment."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core import pii
from linli.core.audit import record_audit
from linli.core.errors import Forbidden, Invalid, NotFound, TooManyRequests
from linli.core.identity import validate_mobile
from linli.places.models import Place

from . import scope
from .models import ApiToken, Organisation, RoleAssignment, SmsCode, User
from .roles import Role, Verb
from .sms import get_sender

SMS_CODE_TTL = timedelta(minutes=5)
SMS_MAX_ATTEMPTS = 5
# Rate limits: per number one code a minute and ten a day; per address thirty an hour.
SMS_PER_NUMBER_MINUTE = 1
SMS_PER_NUMBER_DAY = 10
SMS_PER_IP_HOUR = 30


def _code_hash(phone_hash: str, code: str) -> str:
    return hmac.new(phone_hash.encode(), code.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def request_sms_code(*, phone: str, ip: str | None) -> None:
    """Send a one-time code to `phone`. Rate-limited per number and per address; the
    answer is the same whether or not the number has an account, so it reveals nothing."""
    phone = validate_mobile(phone)
    phone_hash = pii.lookup_hash(phone)
    now = timezone.now()
    recent = SmsCode.objects.select_for_update().filter(phone_hash=phone_hash, created_at__gte=now - timedelta(days=1))
    recent = list(recent.values_list("created_at", flat=True))
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
    """Return the user for `phone` if `code` is right; each code works once and allows a
    few attempts. Only existing users may log in (accounts are opened by staff or import)."""
    phone = validate_mobile(phone)
    phone_hash = pii.lookup_hash(phone)
    now = timezone.now()
    wrong = Invalid(_("验证码错误或已过期"), code="sms_code_wrong", field="code")
    # The failed attempt must be counted even though we refuse: commit it, then raise.
    with transaction.atomic():
        sms = (SmsCode.objects.select_for_update()
               .filter(phone_hash=phone_hash, used_at__isnull=True, expires_at__gt=now)
               .order_by("-id").first())
        if sms is None:
            raise wrong
        if sms.attempts >= SMS_MAX_ATTEMPTS:
            raise Invalid(_("验证码错误次数过多，请重新获取"), code="sms_code_locked", field="code")
        ok = hmac.compare_digest(sms.code_hash, _code_hash(phone_hash, (code or "").strip()))
        if ok:
            user = User.objects.filter(phone_hash=phone_hash, is_active=True).first()
            if user is None:
                raise Invalid(_("该手机号尚未开通账号，请联系社区"), code="no_account", field="phone")
            SmsCode.objects.filter(pk=sms.pk).update(used_at=now)
            record_audit(actor=user, action="user.login_sms", target=user)
            return user
        SmsCode.objects.filter(pk=sms.pk).update(attempts=sms.attempts + 1)
    raise wrong


def issue_api_token(*, user: User, name: str) -> str:
    """Create a token and return it once; only its hash is kept."""
    raw = "ll_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        ApiToken.objects.create(user=user, name=name[:100] or "token", key_hash=hashlib.sha256(raw.encode()).hexdigest(),
                                prefix=raw[:8])
        record_audit(actor=user, action="api_token.create", target=user, data={"name": name[:100]})
    return raw


def user_for_api_token(raw: str) -> User | None:
    if not raw:
        return None
    token = (ApiToken.objects.select_related("user")
             .filter(key_hash=hashlib.sha256(raw.encode()).hexdigest(), revoked_at__isnull=True).first())
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def create_user(*, actor, display_name: str, phone: str | None = None, username: str | None = None,
                password: str | None = None, is_staff: bool = False, resident=None) -> User:
    """Accounts are opened by staff, the importer or the demo loader."""
    if not actor.is_superuser and not scope.prefixes(actor, Verb.ROLE_MANAGE):
        raise Forbidden(_("您没有权限开通账号"), code="forbidden")
    if phone:
        phone = validate_mobile(phone)
        if User.objects.filter(phone_hash=pii.lookup_hash(phone)).exists():
            raise Invalid(_("该手机号已开通账号"), code="duplicate_phone", field="phone")
    username = username or ("u" + (pii.lookup_hash(phone)[:12] if phone else secrets.token_hex(6)))
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
    if role not in Role.values:
        raise Invalid(_("角色无效"), code="invalid_choice", field="role")
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("用户不存在"), code="not_found", field="user_id")
    place = organisation = None
    if role == Role.DEPARTMENT_STAFF:
        organisation = Organisation.objects.filter(pk=organisation_id).first()
        if organisation is None:
            raise Invalid(_("部门工作人员须指定所属部门"), code="organisation_required", field="organisation_id")
        for p in organisation.jurisdiction.all():
            scope.require(actor, Verb.ROLE_MANAGE, p)
    else:
        place = Place.objects.filter(pk=place_id).first() if place_id is not None else None
        if place is None:
            raise Invalid(_("请选择角色所在地点"), code="place_required", field="place_id")
        scope.require(actor, Verb.ROLE_MANAGE, place)
        if organisation_id is not None:
            organisation = Organisation.objects.filter(pk=organisation_id).first()
    ra = RoleAssignment.objects.create(user=user, role=role, place=place, organisation=organisation,
                                       title=title[:50], is_lead=is_lead)
    scope.forget(user)
    record_audit(actor=actor, action="role.assign", target=ra, path=place.path if place else "",
                 data={"user": user.pk, "role": role})
    return ra
