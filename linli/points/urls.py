from django.urls import path

from . import views

app_name = "points"

urlpatterns = [
    path("points/", views.my_points, name="mine"),
    path("points/shop/", views.shop, name="shop"),
    path("points/shop/<int:pk>/redeem/", views.redeem, name="redeem"),
    path("points/redemptions/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("points/counter/", views.counter, name="counter"),
    path("points/rankings/", views.rankings, name="rankings"),
]
