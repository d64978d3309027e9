"""The platform default of each case rule (the registry's defaults at the time of writing)."""

from django.db import migrations

DEFAULTS = [
    ("acceptance_delay", "yellow", 5),
    ("deadline_approaching", "warning", 1),
    ("overdue", "yellow", 0),
    ("statutory_overdue", "red", 0),
    ("step_overdue", "warning", 0),
    ("refusal_without_reason", "yellow", 0),
    ("decision_without_opinion", "yellow", 0),
    ("repeated_supplement", "yellow", 1),
    ("suspension_overrun", "yellow", 0),
    ("out_of_order", "red", 0),
]


def seed(apps, schema_editor):
    Rule = apps.get_model("supervision", "SupervisionRule")
    for kind, level, threshold in DEFAULTS:
        Rule.objects.get_or_create(
            region=None, kind=kind, defaults={"enabled": True, "level": level, "threshold": threshold}
        )


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
