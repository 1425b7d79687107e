from django.apps import AppConfig


class CooperationConfig(AppConfig):
    name = "cooperation"
    verbose_name = "Cooperation records"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Register each record resource's admin, as the registry names it."""
        # Imported here: the registry imports the models, which Django loads only after this module;
        # ready() is where it runs code once every app is loaded.
        from django.apps import apps
        from django.contrib import admin

        if not apps.is_installed("django.contrib.admin"):  # the benchmark's bare-Django baseline has no admin
            return
        from cooperation.registry import RECORD_RESOURCES

        for resource in RECORD_RESOURCES:
            admin.site.register(resource.model, resource.admin)
