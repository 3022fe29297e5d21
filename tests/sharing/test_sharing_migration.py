"""Shared snippets moved from the playground app to the sharing app with their rows (issue 13).

Runs on whatever database the suite uses: SQLite by default, PostgreSQL in CI (.ci/run)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("playground", "0001_snippets"), ("sharing", None)]


def migrate(targets: list[tuple[str, str | None]]):
    """Migrate the test database to `targets`; the models as they were there."""
    MigrationExecutor(connection).migrate(targets)
    applied = MigrationExecutor(connection)  # a new loader sees what is applied now
    return applied._create_project_state(with_applied_migrations=True).apps


def latest() -> list[tuple[str, str | None]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_snippets_keep_their_rows_forks_and_admin_permissions_when_they_move_to_the_sharing_app():
    old = migrate(BEFORE)
    OldSnippet = old.get_model("playground", "Snippet")
    parent = OldSnippet.objects.create(id="aaaaaaaaaaa", code="x = 1", title="first", outputs=[{"type": "done"}])
    OldSnippet.objects.create(id="bbbbbbbbbbb", code="x = 2", parent=parent, visibility="unlisted")
    content_types = old.get_model("contenttypes", "ContentType").objects
    content_types.filter(model="snippet").delete()
    old_type = content_types.create(app_label="playground", model="snippet")

    new = migrate(latest())

    Snippet = new.get_model("sharing", "Snippet")
    assert Snippet._meta.db_table == "sharing_snippet"
    fork = Snippet.objects.get(pk="bbbbbbbbbbb")
    assert fork.parent.title == "first" and fork.parent.outputs == [{"type": "done"}]
    assert fork.visibility == "unlisted" and Snippet.objects.count() == 2
    moved = new.get_model("contenttypes", "ContentType").objects.get(pk=old_type.pk)
    assert (moved.app_label, moved.model) == ("sharing", "snippet")
    assert "playground_snippet" not in connection.introspection.table_names()


def test_the_move_can_be_undone_with_the_rows():
    new = migrate(latest())
    new.get_model("sharing", "Snippet").objects.create(id="ccccccccccc", code="y = 3")

    old = migrate(BEFORE)
    assert old.get_model("playground", "Snippet").objects.get(pk="ccccccccccc").code == "y = 3"
    assert "sharing_snippet" not in connection.introspection.table_names()
    migrate(latest())


def test_links_from_before_the_record_say_their_outputs_came_from_the_sharers_browser():
    old = migrate([("sharing", "0001_snippet_from_playground")])
    Before = old.get_model("sharing", "Snippet")
    Before.objects.create(id="withOutput1", code="x = 1", outputs=[{"type": "stream", "name": "stdout", "text": "1"}])
    Before.objects.create(id="codeOnly001", code="x = 2")
    new = migrate(latest())
    After = new.get_model("sharing", "Snippet")
    assert After.objects.get(pk="withOutput1").outputs_source == "browser"
    assert After.objects.get(pk="codeOnly001").outputs_source == ""
