"""Shared snippets arrive from the playground app with their rows: the table was renamed by
playground's migration 0002; here the model enters this app's state and the admin's content type
(its permissions and log entries) follows it."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def move_content_type(apps, schema_editor, old="playground", new="sharing"):
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(schema_editor.connection.alias)
    if not content_types.filter(app_label=new, model="snippet").exists():
        content_types.filter(app_label=old, model="snippet").update(app_label=new)


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, old="sharing", new="playground")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("playground", "0002_snippet_moves_to_sharing"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Snippet",
                    fields=[
                        ("id", models.CharField(editable=False, max_length=43, primary_key=True, serialize=False)),
                        ("code", models.TextField(editable=False)),
                        ("title", models.CharField(blank=True, editable=False, max_length=120)),
                        ("outputs", models.JSONField(blank=True, default=list, editable=False)),
                        ("outputs_truncated", models.BooleanField(default=False, editable=False)),
                        (
                            "tf_version",
                            models.CharField(
                                blank=True, editable=False, max_length=40, verbose_name="TensorFlow version"
                            ),
                        ),
                        (
                            "created",
                            models.DateTimeField(db_index=True, default=django.utils.timezone.now, editable=False),
                        ),
                        (
                            "visibility",
                            models.CharField(
                                choices=[
                                    ("listed", "listed"),
                                    ("unlisted", "unlisted: the link works, but no search engines or link previews"),
                                    ("removed", "removed: the link says it was removed"),
                                ],
                                default="listed",
                                max_length=10,
                            ),
                        ),
                        (
                            "moderation_note",
                            models.TextField(blank=True, help_text="Why it was unlisted or removed (never shown)."),
                        ),
                        (
                            "parent",
                            models.ForeignKey(
                                blank=True,
                                editable=False,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="forks",
                                to="sharing.snippet",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-created"],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
