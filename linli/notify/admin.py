"""Admin for the outbox (rules: linli/core/admin.py). Notices are written by the services in
the transaction of their event and sent by the worker (deliver_pending), so they are
read-only here."""

from __future__ import annotations

from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "channel", "kind", "status", "attempts", "next_attempt_at", "sent_at",
                    "read_at"]
    list_filter = ["channel", "status", "kind"]
    search_fields = ["kind", "text", "recipient__username", "recipient__display_name"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = ["recipient", "channel", "kind", "text", "url", "status", "attempts", "next_attempt_at", "last_error",
              "sent_at", "read_at", "created_at"]
