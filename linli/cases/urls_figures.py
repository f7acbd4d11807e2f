from django.urls import path

from . import views_figures

app_name = "cases_figures"

urlpatterns = [
    path("cases/figures/", views_figures.figures_page, name="figures"),
    path("cases/hot-spots/", views_figures.hot_spots_page, name="hot_spots"),
    path("cases/hot-spots/map.geojson", views_figures.hot_spots_geojson, name="hot_spots_geojson"),
]
