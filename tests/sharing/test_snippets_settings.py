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
    assert database["ENGINE"] == "django.db.backends.sqlite3" and database["NAME"] == "/data/db.sqlite3"
    # WAL: a commit does not wait for the disk (a class of 50 joining at once, docs/benchmarks.md)
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_a_sqlite_database_file_is_in_wal_mode_once_the_site_connects(tmp_path):
    import sqlite3
    import subprocess
    import sys

    from tests.support import ROOT

    script = "import django; django.setup(); from django.db import connection; connection.ensure_connection()"
    env = {"DJANGO_SETTINGS_MODULE": "config.settings", "SQLITE_PATH": str(tmp_path / "db.sqlite3")}
    env |= {"PLAYGROUND_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True)
    assert sqlite3.connect(tmp_path / "db.sqlite3").execute("PRAGMA journal_mode").fetchone()[0] == "wal"


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
