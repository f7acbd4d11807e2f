from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("activities/", views.activity_list, name="list"),
    path("activities/new/", views.new, name="new"),
    path("activities/mine/", views.mine, name="mine"),
    path("activities/certificate/", views.certificate, name="certificate"),
    path("activities/figures/", views.figures, name="figures"),
    path("activities/units/", views.units, name="units"),
    path("activities/units/<int:pk>/report/", views.unit_report, name="unit_report"),
    path("activities/<int:pk>/", views.detail, name="detail"),
    path("activities/<int:pk>/manage/", views.manage, name="manage"),
    path("activities/<int:pk>/scan/", views.scanner, name="scanner"),
    path("activities/<int:pk>/code/", views.venue_code, name="venue_code"),
    path("activities/<int:pk>/<str:action>/", views.act, name="act"),
]
