"""Where snippets are stored (SQLite by default, PostgreSQL through DATABASE_URL) and their limits."""

from __future__ import annotations

import dataclasses
import os

import pytest
from django.db import connection

from config import settings as site_settings
from sharing.submission import SnippetLimits, snippet_env_name
from tests.support import ROOT


def test_without_database_url_the_site_uses_sqlite(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    database = site_settings.database_from_env("/data/db.sqlite3")
    assert database == {"ENGINE": "django.db.backends.sqlite3", "NAME": "/data/db.sqlite3"}


def test_database_url_selects_postgresql(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://tf:s3cret@db.internal:5433/playground")
    database = site_settings.database_from_env("/unused")
    assert database["ENGINE"] == "django.db.backends.postgresql" and database["OPTIONS"]["pool"] is True
    assert (database["HOST"], database["PORT"], database["NAME"], database["USER"]) == (
        "db.internal",
        5433,
        "playground",
        "tf",
    )


def test_a_malformed_database_url_fails_loudly_without_showing_the_password(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "nosuchdb://tf:s3cret@host/db")
    with pytest.raises(ValueError, match="DATABASE_URL") as info:
        site_settings.database_from_env("/unused")
    assert "s3cret" not in str(info.value)


@pytest.mark.django_db
def test_the_suite_runs_on_the_database_database_url_names():
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres:", "postgresql:")) else "sqlite"
    assert connection.vendor == expected


def test_ci_runs_the_suite_against_a_throwaway_postgresql():
    script = (ROOT / ".ci" / "run").read_text()
    for needle in ("set -euo pipefail", "apt-get install", "initdb", "pg_ctl", "trap stop_postgres EXIT"):
        assert needle in script
    assert "export DATABASE_URL=" in script and "make test" in script


def test_every_snippet_setting_is_listed_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    assert "DATABASE_URL" in readme
    for field in dataclasses.fields(SnippetLimits):
        assert snippet_env_name(field.name) in readme, f"README does not list {snippet_env_name(field.name)}"
