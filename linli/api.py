"""The JSON API under /api/v1/ (OpenAPI at /api/v1/openapi.json). Endpoints only parse,
call a service or selector, and shape the answer; errors become 4xx here, in one place,
always as {"errors": [{"field", "message", "code"}]} in the request's language."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from linli.core.errors import DomainError, Forbidden
from linli.core.validation_messages import translate_validation_errors


class ReadableJSONRenderer(JSONRenderer):
    # Chinese text as UTF-8, not \uXXXX escapes: readable in logs and half the bytes.
    json_dumps_params = {"ensure_ascii": False}


class TokenAuth(HttpBearer):
    """`Authorization: Bearer ll_…`, a token from POST /auth/token."""

    def authenticate(self, request, token):
        from linli.accounts.services import api_token_for

        found = api_token_for(token)
        if found is None:
            return None
        request.user = found.user
        request.api_token = found
        return found.user


class SessionAuth(APIKeyCookie):
    """The pages' session, for the pages' own scripts. Unsafe methods need the CSRF token;
    the check runs only for a logged-in session, so a request with no credentials at all
    gets 401, not a CSRF refusal."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if not key or user is None or not user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise Forbidden(_("CSRF 校验失败，请刷新页面后重试"), code="csrf_failed")
        return user


class VendoredSwagger(Swagger):
    """Swagger UI from linli/static/vendor/swagger-ui (scripts/vendor.sh), never a CDN; the
    online validator badge is off, so the docs page makes no outside request either."""

    template = "api/swagger.html"

    def render_page(self, request, api, **kwargs):
        from django.shortcuts import render

        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {"swagger_settings": json.dumps(self.settings), "api": api, "add_csrf": True}
        return render(request, self.template, context)


api = NinjaAPI(
    title="linli 邻里 API",
    version="1",
    description=("邻里：党建引领社区治理平台 API。认证：`Authorization: Bearer <令牌>`（POST /auth/token 获取）"
                 "或页面会话（需 CSRF）。新建类请求可带 `Idempotency-Key` 请求头以便安全重试。"
                 "错误以 {errors: [{field, message, code}]} 返回，语言随 Accept-Language（默认简体中文）。"),
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    renderer=ReadableJSONRenderer(),
    docs_url="/docs",
    docs=VendoredSwagger(settings={"validatorUrl": None}),
    openapi_url="/openapi.json",
)


def error_response(request, status: int, errors: list[dict]):
    return api.create_response(request, {"errors": errors}, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return error_response(request, exc.status, exc.as_list())


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    return error_response(request, 422, translate_validation_errors(exc.errors))


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    response = error_response(request, 401, [{"field": None, "message": _("请先登录"), "code": "unauthenticated"}])
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Http404)
def on_404(request, exc):
    return error_response(request, 404, [{"field": None, "message": _("未找到"), "code": "not_found"}])


def _http_error_message(status: int) -> tuple[str, str]:
    if status == 400:
        # Ninja raises this when the body is not JSON at all.
        return _("请求内容不是有效的 JSON"), "json_invalid"
    if status == 429:
        return _("请求过于频繁，请稍后再试"), "rate_limited"
    if status == 403:
        return _("您没有权限执行此操作"), "forbidden"
    return _("请求无效"), "bad_request"


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    message, code = _http_error_message(exc.status_code)
    return error_response(request, exc.status_code, [{"field": None, "message": message, "code": code}])


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc):
    return error_response(request, 413, [{"field": None, "message": _("请求内容过大"), "code": "too_large"}])


@api.exception_handler(SuspiciousOperation)
def on_suspicious(request, exc):
    return error_response(request, 400, [{"field": None, "message": _("请求无效"), "code": "bad_request"}])


def _register_routers():
    from linli.accounts.api import roles_router
    from linli.cases.api import router as cases_router
    from linli.accounts.api import router as accounts_router
    from linli.deliberation.api import router as deliberation_router
    from linli.deliberation.api_topics import router as topics_router
    from linli.lists.api import router as lists_router
    from linli.places.api import router as places_router
    from linli.search import router as search_router
    from linli.activities.api import router as activities_router
    from linli.points.api import router as points_router

    api.add_router("/auth/", accounts_router)
    api.add_router("/", roles_router)
    api.add_router("/", places_router)
    api.add_router("/", cases_router)
    api.add_router("/", search_router)

    api.add_router("/", deliberation_router)
    api.add_router("/", topics_router)
    api.add_router("/", lists_router)
    api.add_router("/", activities_router)
    api.add_router("/", points_router)


_register_routers()
