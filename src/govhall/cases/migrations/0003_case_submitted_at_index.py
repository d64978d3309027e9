from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_results_and_deadline_marks"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["submitted_at"], name="case_submitted_at"),
        ),
    ]
