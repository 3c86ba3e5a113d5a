from django.db import migrations


class Migration(migrations.Migration):
    """ContentVersion now belongs to the api app (api/models.py). Its table stays where it is:
    this only takes the model out of the cms app's state."""

    dependencies = [
        ("cms", "0001_content_version"),
        ("api", "0001_content_version"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ContentVersion")],
            database_operations=[],
        ),
    ]
