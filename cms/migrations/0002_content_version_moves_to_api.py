from django.db import migrations


class Migration(migrations.Migration):
    """ContentVersion now belongs to the api app (api/models.py). Its table stays where it is:
    this only takes the model out of the cms app's state."""

    dependencies = [
        ("cms", "0001_content_version"),
        ("api", "0001_content_version"),
        # Earlier migrations of the articles app still reach the model here (0005 renews it).
        ("articles", "0006_section_body_limit"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ContentVersion")],
            database_operations=[],
        ),
    ]
