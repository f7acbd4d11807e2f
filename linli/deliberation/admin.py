"""Admin: votes, topics and meetings are looked at here; every change goes through the
services (pages and API). History tables (ballots, paper entries, sign-ins, events) are
read-only."""

from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import (Ballot, DwellingTitle, Elector, Meeting, PaperEntry, SheetIssue, SignIn, Topic, TopicEvent,
                     Vote, VoteEvent)


class VoteEventInline(ReadOnlyInline):
    model = VoteEvent
    fields = ["at", "actor", "kind", "note"]


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "status", "place", "opens_at", "closes_at"]
    list_filter = ["kind", "status"]
    search_fields = ["title"]
    list_select_related = ["place"]
    raw_id_fields = ["place", "topic", "created_by"]
    inlines = [VoteEventInline]
    exclude = ["buildings", "scrutineers"]


@admin.register(Elector)
class ElectorAdmin(ReadOnlyAdmin):
    list_display = ["label", "name", "vote", "heads", "area_m2", "is_developer", "code"]
    list_filter = ["is_developer"]
    search_fields = ["label", "name", "=code"]
    list_select_related = ["vote"]
    show_full_result_count = False


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    list_display = ["at", "vote", "elector", "kind", "receipt", "proxy_name"]
    list_filter = ["kind"]
    search_fields = ["=receipt"]
    list_select_related = ["vote", "elector"]
    show_full_result_count = False


@admin.register(PaperEntry)
class PaperEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "vote", "elector", "kind", "actor"]
    list_select_related = ["vote", "elector", "actor"]


@admin.register(DwellingTitle)
class DwellingTitleAdmin(admin.ModelAdmin):
    list_display = ["dwelling", "registered_area", "surveyed_area", "contract_area", "developer_unsold"]
    raw_id_fields = ["dwelling", "named_voter"]
    # The unregistered purchaser is set through services.set_unregistered_purchaser (checked
    # to live there, audited), not here.
    readonly_fields = ["purchaser"]


class TopicEventInline(ReadOnlyInline):
    model = TopicEvent
    fields = ["at", "actor", "kind", "note"]


@admin.register(Topic)
class TopicAdmin(ReadOnlyAdmin):
    list_display = ["title", "status", "place", "support_count", "created_at"]
    list_filter = ["status"]
    search_fields = ["title"]
    list_select_related = ["place"]
    inlines = [TopicEventInline]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "status", "place", "starts_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["place"]
    exclude = ["invited"]


@admin.register(SignIn)
class SignInAdmin(ReadOnlyAdmin):
    list_display = ["at", "scanned_at", "meeting", "resident", "kind"]
    list_select_related = ["meeting", "resident"]


@admin.register(SheetIssue)
class SheetIssueAdmin(ReadOnlyAdmin):
    list_display = ["at", "vote", "elector", "kind", "handed_to", "actor"]
    list_filter = ["kind"]
    list_select_related = ["vote", "elector", "actor"]
    show_full_result_count = False
