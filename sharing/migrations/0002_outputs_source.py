"""Who recorded a link's outputs. Links from before the session's record carry what the sharer's
browser sent, and say so ("browser")."""

from django.db import migrations, models


def label_existing_outputs(apps, schema_editor):
    Snippet = apps.get_model("sharing", "Snippet")
    Snippet.objects.exclude(outputs=[]).update(outputs_source="browser")


class Migration(migrations.Migration):
    dependencies = [
        ("sharing", "0001_snippet_from_playground"),
    ]

    operations = [
        migrations.AddField(
            model_name="snippet",
            name="outputs_source",
            field=models.CharField(blank=True, default="", editable=False, max_length=10),
        ),
        migrations.RunPython(label_existing_outputs, migrations.RunPython.noop),
    ]
