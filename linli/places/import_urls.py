from django.urls import path

from . import import_views

app_name = "importing"

urlpatterns = [
    path("import/", import_views.import_people_page, name="import"),
    path("import/template.xlsx", import_views.import_template, name="template"),
]
