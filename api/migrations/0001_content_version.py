import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """ContentVersion moves here from the cms app, keeping its table (cms_contentversion): the
    model enters this app's state, and the database is left as it is."""

    initial = True

    dependencies = [
        ("cms", "0001_content_version"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ContentVersion",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("token", models.CharField(default="initial", max_length=32)),
                        ("changed_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("next_boundary_at", models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        "db_table": "cms_contentversion",
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("pk", 1)), name="cms_contentversion_single_row"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
