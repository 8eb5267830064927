from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_branding"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxemail",
            name="branded",
            field=models.BooleanField(default=True),
        ),
    ]
