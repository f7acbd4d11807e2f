from django.contrib import admin

from .models import TriageModel


@admin.register(TriageModel)
class TriageModelAdmin(admin.ModelAdmin):
    """Read-only: models are written by `train_model` only."""

    list_display = ["version", "trained_at", "n_cases", "n_test", "accuracy", "top3_accuracy", "keyword_accuracy"]
    exclude = ["pipeline"]
    readonly_fields = ["version", "trained_at", "n_cases", "n_test", "classes", "accuracy", "top3_accuracy",
                       "keyword_accuracy", "data_digest", "sklearn_version"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
