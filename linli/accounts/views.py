"""Log-in pages: SMS code for everyone, password for staff; log-out; the dev outbox.
Views parse, call linli.accounts.services, render; domain errors become form errors."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from linli.core import pii
from linli.core.errors import DomainError, Forbidden, Invalid, NotFound
from linli.core.identity import validate_mobile

from . import scope, services
from .roles import Verb
from .forms import PasswordLoginForm, SmsLoginForm
from .models import SentSms, User
from .pages import add_domain_errors, error_page, render_page  # the shared page helpers (others import them from here too)

OUTBOX_ROWS = 30


# ---------------------------------------------------------------- shared by every page


def viewer(request) -> dict:
    """The top bar's "who am I": the user's roles, loaded once and only if a page shows them.
    Usable as a context processor (`linli.accounts.views.viewer`)."""

    def load():
        user = request.user
        if not user.is_authenticated:
            return {"first": None, "more": 0, "supervises": False, "intakes": False, "imports": False}
        # The role assignments come with the scope read (one statement per request).
        roles = scope.reach(user).assignments[:10]
        # Figures and hot spots are for whoever verifies cases somewhere (grid staff and up).
        reach = scope.prefixes(user, Verb.CASE_VERIFY)
        # The patrol entry (巡查登记) and the importer, in the menu of those who may use them.
        return {"first": roles[0] if roles else None, "more": max(len(roles) - 1, 0),
                "supervises": reach is None or bool(reach),
                "intakes": scope.prefixes(user, Verb.CASE_INTAKE) != [],
                "imports": scope.prefixes(user, Verb.PEOPLE_IMPORT) != []}

    return {"viewer": SimpleLazyObject(load)}


def page_not_found(request, exception=None):
    """handler404: unknown addresses get the same Chinese error page as missing records."""
    return error_page(request, NotFound(_("页面不存在"), code="not_found"))


def server_error(request):
    """handler500: the product's own page in the request's language. Self-contained (no
    base.html, no database), since the database may be what failed."""
    return render(request, "500.html", status=500)


def permission_denied(request, exception=None):
    return error_page(request, Forbidden(_("您没有权限执行此操作"), code="forbidden"))


def bad_request(request, exception=None):
    return error_page(request, Invalid(_("请求无效"), code="bad_request"))


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: Django's English explanation replaced by ours."""
    return error_page(request, Forbidden(_("页面已过期，请刷新后重试"), code="csrf_failed"))


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


# ---------------------------------------------------------------- log-in


@never_cache
@require_http_methods(["GET", "POST"])
def login_page(request):
    tab = "password" if (request.POST.get("tab") or request.GET.get("tab")) == "password" else "sms"
    sms_form = SmsLoginForm(request.POST if request.method == "POST" and tab == "sms" else None)
    password_form = PasswordLoginForm(request.POST if request.method == "POST" and tab == "password" else None)
    context = {"tab": tab, "sms_form": sms_form, "password_form": password_form, "code_sent": False,
               "next": request.POST.get("next") or request.GET.get("next") or "",
               "dev_outbox": settings.LINLI_DEV_OUTBOX}
    if request.method == "GET":
        return render_page(request, "accounts/login.html", context)

    form = sms_form if tab == "sms" else password_form
    if not form.is_valid():
        return render_page(request, "accounts/login.html", context, status=400)
    try:
        if tab == "sms" and request.POST.get("action") == "send":
            services.request_sms_code(phone=form.cleaned_data["phone"], ip=_client_ip(request))
            context["code_sent"] = True
            return render_page(request, "accounts/login.html", context)
        if tab == "sms":
            if not form.cleaned_data["code"]:
                raise Invalid(_("请填写验证码"), code="required", field="code")
            user = services.verify_sms_code(phone=form.cleaned_data["phone"], code=form.cleaned_data["code"])
        else:
            user = services.password_login(username=_username_for(form.cleaned_data["username"]),
                                           password=form.cleaned_data["password"], ip=_client_ip(request))
    except DomainError as exc:
        add_domain_errors(form, exc)
        return render_page(request, "accounts/login.html", context, status=exc.status)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(_next_url(request))


def _username_for(login_name: str) -> str:
    """Staff may type their mobile number instead of their user name."""
    try:
        phone = validate_mobile(login_name)
    except Invalid:
        return login_name
    username = User.objects.filter(phone_hash=pii.lookup_hash(phone)).values_list("username", flat=True).first()
    return username or login_name


@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")


# ---------------------------------------------------------------- dev outbox


def _is_loopback(request) -> bool:
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@never_cache
def dev_outbox(request):
    """What the console SMS sender sent: demo and development only, and only to a browser on
    this machine (anyone who reads it can log in as any phone)."""
    if not settings.LINLI_DEV_OUTBOX or not _is_loopback(request):
        return error_page(request, NotFound(_("页面不存在"), code="not_found"))
    rows = list(SentSms.objects.order_by("-id")[:OUTBOX_ROWS])
    return render_page(request, "accounts/outbox.html", {"rows": rows})
