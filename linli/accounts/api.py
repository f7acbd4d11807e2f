from __future__ import annotations

from ninja import Router, Schema
from pydantic import Field

from linli.core.schemas import ERRORS

from . import services

router = Router(tags=["auth"])


class SmsRequestIn(Schema):
    phone: str = Field(..., max_length=20, description="大陆手机号")


class SmsVerifyIn(Schema):
    phone: str = Field(..., max_length=20)
    code: str = Field(..., max_length=10)
    token_name: str = Field("app", max_length=100)


class OkOut(Schema):
    ok: bool


class TokenOut(Schema):
    token: str
    user_id: int
    display_name: str


@router.post("/sms-code", auth=None, response={200: OkOut, **ERRORS}, summary="发送登录验证码")
def send_sms_code(request, payload: SmsRequestIn):
    services.request_sms_code(phone=payload.phone, ip=request.META.get("REMOTE_ADDR"))
    return {"ok": True}


@router.post("/token", auth=None, response={200: TokenOut, **ERRORS}, summary="用验证码换取 API 令牌")
def exchange_token(request, payload: SmsVerifyIn):
    user = services.verify_sms_code(phone=payload.phone, code=payload.code)
    token = services.issue_api_token(user=user, name=payload.token_name)
    return {"token": token, "user_id": user.pk, "display_name": str(user)}
