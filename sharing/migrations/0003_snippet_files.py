"""Links carry their data: the session files a snippet's code names, stored once per content (Blob)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sharing", "0002_outputs_source"),
    ]

    operations = [
        migrations.CreateModel(
            name="Blob",
            fields=[
                ("sha256", models.CharField(editable=False, max_length=64, primary_key=True, serialize=False)),
                ("data", models.BinaryField()),
                ("size", models.PositiveIntegerField(editable=False)),
            ],
        ),
        migrations.CreateModel(
            name="SnippetFile",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(editable=False, max_length=255)),
                (
                    "blob",
                    models.ForeignKey(
                        editable=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="sharing.blob"
                    ),
                ),
                (
                    "snippet",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="files",
                        to="sharing.snippet",
                    ),
                ),
            ],
            options={
                "ordering": ["name"],
                "constraints": [models.UniqueConstraint(fields=("snippet", "name"), name="one_file_per_name")],
            },
        ),
    ]
