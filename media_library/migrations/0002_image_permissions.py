"""Writers and clinical reviewers upload images to their clinics' libraries and describe them;
Clinic admins may also delete them (as with articles, writers and reviewers do not delete).

The role groups were made by articles' migrations (0003, reshaped by 0008); a group a superuser
deleted stays deleted. Backwards removes these grants from the groups.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Writer": ["add_image", "change_image", "view_image"],
    "Clinical reviewer": ["add_image", "change_image", "view_image"],
    "Clinic admin": ["add_image", "change_image", "delete_image", "view_image"],
}


def _permissions(apps):
    # Permissions are normally made after all migrations; a fresh database needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    found = {
        permission.codename: permission
        for permission in Permission.objects.filter(content_type__app_label="media_library")
    }
    missing = set(GRANTS["Clinic admin"]) - set(found)
    if missing:
        raise RuntimeError(f"Permissions not found: {sorted(missing)}")
    return found


def grant(apps, schema_editor):
    permissions = _permissions(apps)
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GRANTS):
        group.permissions.add(*(permissions[codename] for codename in GRANTS[group.name]))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="media_library")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GRANTS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("media_library", "0001_initial"),
        # The role groups.
        ("articles", "0010_citation_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
