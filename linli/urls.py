from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from linli.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("open311/v2/", include("linli.open311.urls")),
    path("", include("linli.accounts.urls")),
    path("", include("linli.places.urls")),
    path("", include("linli.places.import_urls")),
    path("", include("linli.cases.urls")),
    path("", include("linli.cases.urls_figures")),
    path("", include("linli.activities.urls")),
    path("", include("linli.points.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "linli.accounts.views.page_not_found"
