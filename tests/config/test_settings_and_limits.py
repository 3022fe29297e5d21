"""Settings read from the environment fail loudly on bad values; every limit is named,
overridable and listed in the README."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys

import pytest

from config import settings as site_settings
from kernels.limits import Limits, env_name, limits_from_env
from kernels.sandbox import SandboxSettings
from tests.support import ROOT

README = ROOT / "README.md"


def test_every_limit_is_listed_in_the_readme_with_its_variable():
    text = README.read_text()
    for field in dataclasses.fields(Limits):
        assert env_name(field.name) in text, f"README does not list {env_name(field.name)}"


def test_limits_come_from_environment_variables():
    limits = limits_from_env({"PLAYGROUND_MAX_CODE_BYTES": "1024", "PLAYGROUND_INTERRUPT_GRACE_S": "2.5"})
    assert limits.max_code_bytes == 1024 and limits.interrupt_grace_s == 2.5
    assert limits.pool_size == Limits().pool_size


@pytest.mark.parametrize(("name", "value"), [("PLAYGROUND_POOL_SIZE", "many"), ("PLAYGROUND_MAX_VALUES", "1.5")])
def test_a_malformed_limit_fails_loudly_naming_the_variable(name, value):
    with pytest.raises(ValueError, match=name):
        limits_from_env({name: value})


def test_a_limit_must_be_positive():
    with pytest.raises(ValueError, match="max_kernels"):
        Limits(max_kernels=0)


def test_the_code_size_limit_defaults_to_64_kib():
    assert Limits().max_code_bytes == 64 * 1024


def test_boolean_settings_accept_the_usual_spellings_and_refuse_the_rest(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "yes")
    assert site_settings.env_bool("SOME_FLAG", False) is True
    monkeypatch.setenv("SOME_FLAG", "off")
    assert site_settings.env_bool("SOME_FLAG", True) is False
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ValueError, match="SOME_FLAG"):
        site_settings.env_bool("SOME_FLAG", False)


def test_the_generated_secret_key_is_kept_outside_the_repository_and_reused(tmp_path):
    first = site_settings.persistent_secret_key(tmp_path / "data")
    assert first == site_settings.persistent_secret_key(tmp_path / "data")
    assert len(first) >= 50
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o077 == 0
    assert not site_settings.DATA_DIR.resolve().is_relative_to(site_settings.BASE_DIR)


def test_the_defaults_are_debug_off_sqlite_and_the_in_memory_layer(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "DATABASE_URL")}
    env["PLAYGROUND_DATA_DIR"] = str(tmp_path)
    code = (
        "import config.settings as s; "
        "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.CHANNEL_LAYERS['default']['BACKEND'])"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    layer = "kernels.local_layer.LocalChannelLayer"
    assert out.stdout.split() == ["False", "django.db.backends.sqlite3", layer]
    assert (tmp_path / "secret_key").exists()


def test_every_kernel_sandbox_setting_is_in_the_readme_settings_table():
    source = (ROOT / "kernels" / "apps.py").read_text()
    names = re.findall(r'env_\w+\("(PLAYGROUND_\w+)"', source)
    assert "PLAYGROUND_DATASETS_DIR" in names
    table = README.read_text().split("## Settings", 1)[1].split("\n## ", 1)[0]
    assert [name for name in names if f"| `{name}` |" not in table] == []


def test_a_datasets_folder_that_does_not_exist_stops_the_server_at_start(tmp_path):
    with pytest.raises(ValueError, match="PLAYGROUND_DATASETS_DIR"):
        SandboxSettings(datasets_dir=str(tmp_path / "missing"))
    assert SandboxSettings(datasets_dir=str(tmp_path)).datasets_dir == str(tmp_path)
