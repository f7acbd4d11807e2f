"""Log-in (SMS code → API token), the current user, token revocation, and role
assignments. Mounted by linli.api: `router` at /auth/, `roles_router` at /."""

from __future__ import annotations

import datetime as dt

from typing import Literal

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Path, Query, Router, Schema
from pydantic import Field

from linli.core.errors import Invalid, NotFound
from linli.core.idempotency import key_header, run_idempotent
from linli.core.schemas import ERRORS, MAX_ID, Id, PageIn, page, text

from . import scope, services
from .models import RoleAssignment
from .roles import Role, Verb

router = Router(tags=["auth"])
roles_router = Router(tags=["roles"])

RoleCode = Literal[tuple(Role.values)]


class SmsRequestIn(Schema):
    phone: text(20, multiline=False) = Field(..., description="大陆手机号")


class SmsVerifyIn(Schema):
    phone: text(20, multiline=False)
    code: text(10, multiline=False)
    token_name: text(100) = "app"


class OkOut(Schema):
    ok: bool


class TokenOut(Schema):
    token: str
    user_id: int
    display_name: str


class MyRoleOut(Schema):
    id: int
    role: str
    role_label: str
    place_id: int | None
    place_name: str | None
    organisation_id: int | None
    title: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    phone: str = Field(description="脱敏显示")
    is_staff: bool
    roles: list[MyRoleOut]


def _client_ip(request) -> str | None:
    # REMOTE_ADDR only: a forwarded-for header is whatever the client wants it to be. A
    # deployment behind a proxy sets REMOTE_ADDR from the proxy's header in the proxy itself.
    return request.META.get("REMOTE_ADDR") or None


@router.post("/sms-code", auth=None, response={200: OkOut, **ERRORS}, summary="发送登录验证码")
def send_sms_code(request, payload: SmsRequestIn):
    services.request_sms_code(phone=payload.phone, ip=_client_ip(request))
    return {"ok": True}


@router.post("/token", auth=None, response={200: TokenOut, **ERRORS}, summary="用验证码换取 API 令牌")
def exchange_token(request, payload: SmsVerifyIn):
    user = services.verify_sms_code(phone=payload.phone, code=payload.code)
    token = services.issue_api_token(user=user, name=payload.token_name)
    return {"token": token, "user_id": user.pk, "display_name": str(user)}


@router.get("/me", response={200: MeOut, **ERRORS}, summary="当前用户及其角色")
def me(request):
    user = request.user
    roles = (RoleAssignment.objects.filter(user=user, is_active=True)
             .select_related("place", "organisation").order_by("id"))
    return {"id": user.pk, "username": user.username, "display_name": str(user), "phone": user.phone_masked,
            "is_staff": user.is_staff,
            "roles": [{"id": ra.pk, "role": ra.role, "role_label": ra.get_role_display(), "place_id": ra.place_id,
                       "place_name": ra.place.name if ra.place else None, "organisation_id": ra.organisation_id,
                       "title": ra.title} for ra in roles]}


@router.delete("/token", response={204: None, **ERRORS}, summary="注销当前 API 令牌")
def revoke_token(request):
    token = getattr(request, "api_token", None)
    if token is None:
        raise Invalid(_("当前不是用 API 令牌登录"), code="not_token_auth")
    services.revoke_api_token(actor=request.user, token_id=token.pk)
    return HttpResponse(status=204)


class TokenRowOut(Schema):
    id: int
    name: str
    kind: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class KeyIn(Schema):
    name: text(100, min_length=1, multiline=False)


class KeyOut(Schema):
    key: str
    expires_at: dt.datetime | None


@router.get("/tokens", response={200: list[TokenRowOut], **ERRORS}, summary="我的 API 令牌和 Open311 密钥")
def list_tokens(request):
    return list(services.tokens_of(request.user))


@router.delete("/tokens/{token_id}", response={204: None, **ERRORS}, summary="注销我的一个令牌或密钥")
def revoke_one_token(request, token_id: int = Path(..., ge=1, le=MAX_ID)):
    services.revoke_api_token(actor=request.user, token_id=token_id)
    return HttpResponse(status=204)


@router.post("/open311-keys", response={201: KeyOut, **ERRORS}, summary="申请 Open311 密钥（仅用于 Open311）")
def create_open311_key(request, payload: KeyIn):
    raw = services.issue_open311_key(actor=request.user, name=payload.name)
    token = services.api_token_for(raw, kind="open311")
    return 201, {"key": raw, "expires_at": token.expires_at}


# ---------------------------------------------------------------- role assignments


class RoleIn(Schema):
    user_id: Id
    role: RoleCode
    place_id: Id | None = Field(None, description="角色所在地点（部门工作人员除外）")
    organisation_id: Id | None = Field(None, description="所属组织（部门工作人员必填）")
    title: text(50, multiline=False) = ""
    is_lead: bool = False


class RoleOut(Schema):
    id: int
    user_id: int
    user_name: str
    role: str
    role_label: str
    place_id: int | None
    place_name: str | None
    organisation_id: int | None
    organisation_name: str | None
    title: str
    is_lead: bool
    is_active: bool

    @staticmethod
    def resolve_user_name(obj):
        return str(obj.user)

    @staticmethod
    def resolve_role_label(obj):
        return obj.get_role_display()

    @staticmethod
    def resolve_place_name(obj):
        return obj.place.name if obj.place_id else None

    @staticmethod
    def resolve_organisation_name(obj):
        return obj.organisation.name if obj.organisation_id else None


class RolePageOut(Schema):
    items: list[RoleOut]
    count: int
    limit: int
    offset: int


@roles_router.post("/roles", response={201: RoleOut, **ERRORS}, summary="分配角色")
def assign_role(request, payload: RoleIn, idempotency_key: str | None = key_header()):
    def create():
        ra = services.assign_role(actor=request.user, user_id=payload.user_id, role=payload.role,
                                  place_id=payload.place_id, organisation_id=payload.organisation_id,
                                  title=payload.title, is_lead=payload.is_lead)
        return RoleOut.from_orm(ra).model_dump(mode="json")

    return run_idempotent(request, payload.model_dump(mode="json"), create)


@roles_router.get("/roles", response={200: RolePageOut, **ERRORS}, summary="我管辖范围内的角色分配")
def list_roles(request, params: Query[PageIn], place_id: Id | None = None):
    qs = scope.scoped(request.user, RoleAssignment.objects.filter(is_active=True), Verb.ROLE_MANAGE)
    if place_id is not None:
        from linli.places.models import Place

        place = Place.objects.filter(pk=place_id).first()
        if place is None:
            raise NotFound(_("未找到该记录，或不在您的管辖范围内"), code="not_found", field="place_id")
        scope.require(request.user, Verb.ROLE_MANAGE, place)
        qs = qs.filter(place__path__startswith=place.path)
    qs = qs.select_related("user", "place", "organisation").order_by("place__path", "id")
    return page(qs, params)
