"""The `editors` group: add, change, delete (and view) every record resource and sources.

Editors may also view countries and sectors, which the admin's autocomplete
needs; they cannot change countries, users or groups.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITABLE_MODELS = ["source", "tradefigure", "investment", "culturallandmark", "scholarshipprogram", "culturalinitiative"]
VIEWABLE_MODELS = ["country", "sector"]


def create_editors_group(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    app_config = apps.get_app_config("cooperation")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model in EDITABLE_MODELS for action in ("add", "change", "delete", "view")]
    codenames += [f"view_{model}" for model in VIEWABLE_MODELS]
    editors, _ = Group.objects.get_or_create(name="editors")
    editors.permissions.set(Permission.objects.filter(content_type__app_label="cooperation", codename__in=codenames))


def delete_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="editors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cooperation", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors_group, delete_editors_group)]
