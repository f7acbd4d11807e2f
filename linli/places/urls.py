from django.urls import path

from . import views

app_name = "places"

urlpatterns = [
    path("places/<int:place_id>/", views.place_detail, name="place"),
    path("households/<int:household_id>/", views.household_detail, name="household"),
    path("residents/<int:resident_id>/", views.resident_detail, name="resident"),
    path("residents/<int:resident_id>/reveal/", views.resident_reveal, name="resident_reveal"),
    path("card/<int:compound_id>/", views.contact_card, name="card"),
]
