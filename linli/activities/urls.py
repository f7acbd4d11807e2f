from django.urls import path

from . import views, views_double as vd, views_reports as vr, views_staff_hours as vh, views_volunteers as vv

app_name = "activities"

urlpatterns = [
    path("activities/", views.activity_list, name="list"),
    path("activities/new/", views.new, name="new"),
    path("activities/mine/", views.mine, name="mine"),
    path("activities/corrections/", views.corrections, name="corrections"),
    path("activities/certificate/", views.certificate, name="certificate"),
    path("activities/figures/", views.figures, name="figures"),
    path("activities/units/", views.units, name="units"),
    path("activities/units/new/", vd.unit_new, name="unit_new"),
    path("activities/units/<int:pk>/", vd.unit, name="unit"),
    path("activities/units/members/new/", vd.member_new, name="member_new"),
    path("activities/units/liaison/", vv.unit_liaison, name="unit_liaison"),
    path("activities/units/<int:pk>/report/", views.unit_report, name="unit_report"),
    path("activities/members/<int:pk>/report/", vr.member_report, name="member_report"),
    path("activities/volunteer/", vv.profile, name="volunteer_profile"),
    path("activities/volunteers/hours/", vh.manual_hours, name="manual_hours"),
    path("activities/volunteers/", vv.volunteer_search, name="volunteers"),
    path("activities/volunteers/<int:pk>/phone/", vv.volunteer_phone, name="volunteer_phone"),
    path("activities/teams/", vv.teams, name="teams"),
    path("activities/teams/<int:pk>/", vv.team, name="team"),
    path("activities/teams/<int:pk>/new/", vv.team_new_activity, name="team_new_activity"),
    path("activities/teams/<int:pk>/<str:action>/", vv.team_act, name="team_act"),
    path("activities/members/", vv.members, name="members"),
    path("activities/members/<int:pk>/evaluate/", vv.evaluate, name="evaluate"),
    path("activities/evaluations/mine/", vv.my_evaluations, name="my_evaluations"),
    path("activities/posts/", vv.posts, name="posts"),
    path("activities/posts/claim/", vv.claimable, name="claimable"),
    path("activities/posts/<int:pk>/", vv.post, name="post"),
    path("activities/posts/<int:pk>/claim/", vv.claim, name="claim"),
    path("activities/claims/<int:pk>/done/", vv.claim_done, name="claim_done"),
    path("activities/<int:pk>/", views.detail, name="detail"),
    path("activities/<int:pk>/manage/", views.manage, name="manage"),
    path("activities/<int:pk>/manage/priority/", vh.set_priority, name="set_priority"),
    path("activities/<int:pk>/scan/", views.scanner, name="scanner"),
    path("activities/<int:pk>/code/", views.venue_code, name="venue_code"),
    path("activities/<int:pk>/<str:action>/", views.act, name="act"),
]
