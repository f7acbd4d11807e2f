from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardsConfig(AppConfig):
    name = "linli.awards"
    label = "awards"
    verbose_name = _("年度评选")

    def ready(self):
        from . import subscribers  # noqa: F401  (records a vote's winners when it is final)
        from .honours import register_with_activities

        register_with_activities()
