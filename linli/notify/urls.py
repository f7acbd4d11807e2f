from django.urls import path

from . import views

app_name = "notify"

urlpatterns = [
    path("notices/", views.inbox, name="inbox"),
    path("notices/<int:notification_id>/open/", views.open_notice, name="open"),
    path("notices/read-all/", views.read_all, name="read_all"),
]
