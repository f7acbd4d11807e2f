from django.urls import path

from . import views

app_name = "awards"

urlpatterns = [
    path("awards/manage/", views.rounds, name="rounds"),
    path("awards/manage/<int:pk>/", views.round_page, name="round"),
    path("awards/manage/<int:pk>/<str:action>/", views.act, name="act"),
    path("awards/<int:community_id>/<int:year>/", views.public_list, name="public"),
]
