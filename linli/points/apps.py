from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "linli.points"
    label = "points"
    verbose_name = _("积分与积分超市")

    def ready(self):
        from . import subscribers  # noqa: F401  (registers the event subscribers)
