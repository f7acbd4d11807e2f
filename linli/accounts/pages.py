"""The page helpers every app's views use, so a new app's pages get the same rendering and
the same error display for free: `render_page`, `error_page` (a domain error on a page
without a form) and `add_domain_errors` (a service's errors next to the form's fields), with
one field template, `forms/_field.html`, and one for errors above the form, `forms/_nonfield.html`.

They live in accounts (the lowest layer that knows the viewer: `viewer` reaches every template
through the context processor), not in core, which knows no page."""

from __future__ import annotations

from django import forms
from django.shortcuts import render

from django.utils.translation import gettext_lazy as _

from linli.core.errors import DomainError, NotFound


def render_page(request, template: str, context: dict | None = None, status: int = 200):
    # `viewer` reaches every template through the context processor in settings.
    return render(request, template, context or {}, status=status)


def error_page(request, exc: DomainError):
    """A domain error on a page that has no form: its message, in the user's language."""
    return render_page(request, "places/error.html", {"error": exc}, status=exc.status)


def add_domain_errors(form: forms.Form, exc: DomainError, *, aliases: dict | None = None) -> None:
    """Each error of the service next to its field when the form has one, above the form
    otherwise. `aliases` maps service field names onto the form's own (`place_id` → `place`;
    None puts it above the form); an indexed field (`photos.2`) goes to its field (`photos`)."""
    aliases = aliases or {}
    for error in exc.as_list():
        field = error.get("field")
        if field and "." in field:
            field = field.split(".", 1)[0]
        field = aliases.get(field, field)
        form.add_error(field if field in form.fields else None, error["message"])


def chosen_community(request, communities: list):
    """The community a staff page is about, among `communities` (those the viewer may act in):
    `?community=` or the posted form's, else the first. Returns (chosen, communities); NotFound
    when there is none or the one asked for is not among them."""
    wanted = request.GET.get("community") or request.POST.get("community")
    chosen = (next((c for c in communities if str(c.pk) == str(wanted)), None) if wanted
              else (communities[0] if communities else None))
    if chosen is None:
        raise NotFound(_("未找到该记录，或不在您的管辖范围内"), code="not_found")
    return chosen, communities
