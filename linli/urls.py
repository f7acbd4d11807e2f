from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from linli import home, search
from linli.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("open311/v2/", include("linli.open311.urls")),
    path("", home.home, name="home"),
    path("search/", search.search_page, name="search"),
    path("", include("linli.accounts.urls")),
    path("", include("linli.places.urls")),
    path("", include("linli.places.import_urls")),
    path("", include("linli.cases.urls")),
    path("", include("linli.cases.urls_figures")),
    path("", include("linli.notify.urls")),

    path("", include("linli.deliberation.urls")),
    path("", include("linli.lists.urls")),
    path("", include("linli.activities.urls")),
    path("", include("linli.points.urls")),
    path("", include("linli.awards.urls")),
]

# No /media/ route in any mode: case photos go through cases:photo, which checks scope.

handler400 = "linli.accounts.views.bad_request"
handler403 = "linli.accounts.views.permission_denied"
handler404 = "linli.accounts.views.page_not_found"
handler500 = "linli.accounts.views.server_error"
