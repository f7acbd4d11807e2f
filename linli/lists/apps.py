from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListsConfig(AppConfig):
    name = "linli.lists"
    label = "lists"
    verbose_name = _("三张清单")

    def ready(self):
        from . import subscribers  # noqa: F401  (registers the event subscribers)
