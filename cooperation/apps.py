from django.apps import AppConfig


class CooperationConfig(AppConfig):
    name = "cooperation"
    verbose_name = "Cooperation records"
    default_auto_field = "django.db.models.BigAutoField"
