from django.urls import path

from . import views

app_name = "cases"

# Figures and hot spots (/cases/figures/, /cases/hot-spots/) live in urls_figures.py.
urlpatterns = [
    path("cases/", views.case_list, name="list"),
    path("cases/new/", views.report, name="report"),
    path("cases/new/hints/", views.report_hints, name="report_hints"),
    path("cases/mine/", views.mine, name="mine"),
    path("cases/queue/", views.queue, name="queue"),
    path("cases/patrol/", views.patrol, name="patrol"),
    path("cases/photos/<int:photo_id>/", views.photo, name="photo"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/me-too/", views.me_too, name="me_too"),
    path("cases/<int:case_id>/call/", views.call_reporter, name="call"),
    path("cases/<int:case_id>/<slug:action>/", views.case_action, name="action"),
]
