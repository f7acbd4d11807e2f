"""The JSON API under /api/v1/ (OpenAPI at /api/v1/openapi.json). Endpoints only parse,
call a service or selector, and shape the answer; errors become 4xx here, in one place."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from linli.core.errors import DomainError
from linli.core.validation_messages import translate_validation_errors


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        from linli.accounts.services import user_for_api_token

        user = user_for_api_token(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="linli 邻里 API",
    version="1",
    description="邻里：党建引领社区治理平台 API。错误以 {errors: [{field, message, code}]} 返回。",
    urls_namespace="api",
    auth=[TokenAuth(), django_auth],
    docs_url="/docs",
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
    return error_response(request, 401, [{"field": None, "message": _("请先登录"), "code": "unauthenticated"}])


@api.exception_handler(Http404)
def on_404(request, exc):
    return error_response(request, 404, [{"field": None, "message": _("未找到"), "code": "not_found"}])


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return error_response(request, exc.status_code, [{"field": None, "message": str(exc), "code": "http_error"}])


def _register_routers():
    from linli.accounts.api import router as accounts_router
    from linli.cases.api import router as cases_router
    from linli.places.api import router as places_router

    api.add_router("/auth/", accounts_router)
    api.add_router("/", places_router)
    api.add_router("/", cases_router)


_register_routers()
