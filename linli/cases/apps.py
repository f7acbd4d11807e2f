from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "linli.cases"
    label = "cases"
    verbose_name = _("诉求办理")

    def ready(self):
        from linli.triage import providers

        from .triage_data import CaseTexts

        providers.register(CaseTexts())

        from . import subscribers  # noqa: F401  (registers the event subscribers)
