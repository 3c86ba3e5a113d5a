import clinics.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0003_api_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="clinic",
            name="default_language",
            field=models.CharField(
                default="en",
                db_default="en",
                help_text='The language of most of its articles (a code such as "en" or "es"): the API '
                "lists articles in it unless asked for another.",
                max_length=10,
                validators=[clinics.validators.validate_content_language],
            ),
        ),
    ]
