"""Admin for activities (rules: linli/core/admin.py): read-only. Every change to an activity
or a participation is a service (capacity and promotion under the activity's lock); an edit
here would skip it."""

from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import (Activity, EvaluationEvent, HoursCorrection, ManualHours, MemberEvaluation, MemberRegistration,
                     Pairing, Participation, ParticipationEvent, PartnerUnit, Post, PostClaim, Scan, Team, TeamMember,
                     VolunteerProfile)


class EventInline(ReadOnlyInline):
    model = ParticipationEvent
    fields = ["kind", "actor", "at", "note"]


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "community", "starts_at", "capacity", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["title"]
    exclude = ["checkin_secret"]


@admin.register(Participation)
class ParticipationAdmin(ReadOnlyAdmin):
    list_display = ["id", "activity", "person", "status", "priority", "queued_at", "verified_minutes"]
    list_filter = ["status"]
    list_select_related = ["activity", "person"]
    inlines = [EventInline]


for model, columns in ((ParticipationEvent, ["id", "participation", "kind", "actor", "at"]),
                       (Scan, ["id", "activity", "result", "method", "scanned_at", "at"]),
                       (HoursCorrection, ["id", "participation", "minutes", "status", "answered_at"]),
                       (ManualHours, ["id", "person", "community", "minutes", "served_on", "actor"]),
                       (PartnerUnit, ["name", "community", "party_branch"]),
                       (Pairing, ["unit", "place", "since"]),
                       (MemberRegistration, ["name", "unit", "grid", "registered_on"]),
                       (Post, ["title", "grid", "head_count"]),
                       (PostClaim, ["post", "member", "unit", "claimed_at", "done_at", "done_by"]),
                       (VolunteerProfile, ["person", "community", "is_active", "updated_at"]),
                       (Team, ["name", "kind", "community"]),
                       (TeamMember, ["team", "person", "is_leader", "joined_on", "left_on"]),
                       (MemberEvaluation, ["member", "year", "grade", "evaluated_by", "evaluated_at"]),
                       (EvaluationEvent, ["id", "evaluation", "kind", "actor", "at"])):
    admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnlyAdmin,), {"list_display": columns}))
