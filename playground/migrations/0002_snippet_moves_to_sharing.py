"""Shared snippets move to their own app (sharing): the table is renamed with its rows, and the
model leaves this app's state; sharing's migration 0001 takes it up."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("playground", "0001_snippets")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable("Snippet", "sharing_snippet")],
            state_operations=[migrations.DeleteModel("Snippet")],
        ),
    ]
