"""Scratch-folder names and the files vocabulary (fast: no kernel)."""

from __future__ import annotations

import os
import re

import pytest

from kernel_runtime import files, protocol
from tests.support import ROOT

DOC = ROOT / "docs" / "protocol.md"


@pytest.mark.parametrize("name", ["my_model.keras", "data.csv", "x.npy", "résumé.txt", "a b.txt", "v2.weights.h5"])
def test_plain_file_names_are_accepted(name):
    assert files.check_name(name) == name


@pytest.mark.parametrize(
    "name", ["", "..", ".", "../etc/passwd", "a/b", "/etc/passwd", "a\\b", ".bashrc", "a..b", "x\n", "x\x00", "é" * 200]
)
def test_names_that_could_leave_the_folder_or_hide_are_refused(name):
    with pytest.raises(files.FileRefused):
        files.check_name(name)


def test_every_file_request_and_answer_is_documented():
    documented = set(re.findall(r'"type":\s*"([a-z_]+)"', DOC.read_text()))
    assert not (protocol.FILE_REQUESTS.keys() | protocol.FILE_REPLIES.keys()) - documented


def test_a_chunk_stays_well_under_a_one_mib_channel_message():
    assert files.CHUNK_BYTES * 4 / 3 + 1024 < 1024 * 1024 / 2


def test_the_kernel_side_never_follows_a_symlink_out_of_the_folder(tmp_path):
    (tmp_path / "secret").write_text("outside")
    folder = tmp_path / "scratch"
    folder.mkdir()
    os.symlink(tmp_path / "secret", folder / "link")
    files.configure(str(folder))
    answer = files.handle({"type": "files_read", "ref": "r", "name": "link"})
    assert answer == {
        "type": "files_error",
        "code": "not_regular",
        "message": "'link' is not a regular file.",
        "ref": "r",
    }
    answer = files.handle({"type": "files_write", "ref": "w", "name": "link", "data_b64": "eA==", "append": False})
    assert answer["code"] == "not_regular" and (tmp_path / "secret").read_text() == "outside"
    assert files.handle({"type": "files_list", "ref": "l"})["files"] == []


def test_a_write_then_read_round_trips_through_the_kernel_side(tmp_path):
    files.configure(str(tmp_path))
    write = {"type": "files_write", "ref": "1", "name": "a.bin", "data_b64": "AAE=", "append": False}
    assert files.handle(write)["size"] == 2
    files.handle({"type": "files_write", "ref": "2", "name": "a.bin", "data_b64": "Ag==", "append": True})
    chunk = files.handle({"type": "files_read", "ref": "3", "name": "a.bin", "offset": 0})
    assert chunk["data_b64"] == "AAEC" and chunk["eof"] is True and chunk["size"] == 3
    bad = files.handle({**write, "ref": "4", "data_b64": "not base64!"})
    assert bad["code"] == "bad_request"
