"""A shared link carries the curves it recorded: each epoch's learning rate and a fit's settings are
kept (checked, capped), and a fit too long for the snippet's outputs is thinned evenly, not cut."""

from __future__ import annotations

import itertools
import json

import pytest

from sharing.outputs import EPOCHS_SHARE, BadOutputs, clean_outputs

SETTINGS = {"model": "sequential", "optimizer": "Adam", "learning_rate": 0.001, "schedule": None}
SETTINGS |= {"loss": "huber_fn", "batch_size": 32, "params": 49}
DONE = {"type": "done", "id": "r", "ok": True, "elapsed_ms": 1.0}


def epoch(n: int, epochs: int, **extra) -> dict:
    counts = {"epoch": n, "epochs": epochs, "step": 25, "steps": 25}
    logs = {"loss": 1 / n, "val_loss": 2 / n}
    return {"type": "progress", "id": "r", "phase": "fit", "event": "epoch", **counts, "logs": logs, **extra}


def fit(epochs: int) -> list[dict]:
    return [epoch(n, epochs, lr=0.001, **({"settings": SETTINGS} if n == 1 else {})) for n in range(1, epochs + 1)]


def test_the_learning_rate_and_a_fits_settings_are_kept():
    cleaned, truncated = clean_outputs([*fit(3), DONE], 256 * 1024)
    assert not truncated
    assert cleaned[0]["settings"] == SETTINGS and all(m["lr"] == 0.001 for m in cleaned[:3])
    assert "settings" not in cleaned[1]


def test_settings_keep_known_keys_of_the_right_kinds_and_short_texts():
    odd = {**SETTINGS, "loss": "x" * 5000, "params": True, "learning_rate": "fast", "secret": "?", "batch_size": 1.5}
    cleaned, _ = clean_outputs([epoch(1, 1, settings=odd)], 256 * 1024)
    settings = cleaned[0]["settings"]
    assert set(settings) == set(SETTINGS) and len(settings["loss"]) == 200
    assert settings["params"] is None and settings["learning_rate"] is None and settings["batch_size"] is None


@pytest.mark.parametrize(("field", "value"), [("settings", ["Adam"]), ("lr", "fast")])
def test_malformed_training_fields_are_refused_naming_them(field, value):
    with pytest.raises(BadOutputs, match=rf"outputs\[0\]\.{field}"):
        clean_outputs([epoch(1, 1, **{field: value})], 256 * 1024)


def test_a_fit_of_ten_thousand_epochs_is_thinned_evenly_to_fit_and_keeps_its_first_and_last_epoch():
    limit = 256 * 1024
    cleaned, truncated = clean_outputs([*fit(10_000), DONE], limit)
    assert not truncated and len(json.dumps(cleaned).encode()) <= limit
    epochs = [m["epoch"] for m in cleaned if m["type"] == "progress"]
    assert epochs[0] == 1 and epochs[-1] == 10_000 and cleaned[0]["settings"] == SETTINGS
    gaps = {b - a for a, b in itertools.pairwise(epochs)}
    assert len(gaps - {max(gaps)}) <= 1  # one step throughout (the last gap may be shorter)
    assert sum(len(json.dumps(m)) for m in cleaned) > EPOCHS_SHARE * limit / 2  # thinned no more than it must


def test_two_long_fits_each_keep_their_first_and_last_epoch_and_only_the_last_batch_update():
    batch = {**epoch(1, 3000), "event": "batch", "step": 3}
    cleaned, _ = clean_outputs([*fit(3000), batch, *fit(3000), batch, DONE], 256 * 1024)
    progress = [(m["event"], m["epoch"]) for m in cleaned if m["type"] == "progress"]
    starts = [i for i, (_, n) in enumerate(progress) if n == 1]
    assert len(starts) == 3 and progress[-1] == ("batch", 1)  # each fit's first epoch, then the last batch
    assert progress[starts[1] - 1] == ("epoch", 3000) and progress[-2] == ("epoch", 3000)
    assert [e for e, _ in progress].count("batch") == 1
