"""Links carry their data (fast, no kernel): which files the code names, the limits, the ids,
storing them once per content, the link's page, its file downloads and its notebook."""

from __future__ import annotations

import base64
import hashlib
import json
import os

import pytest
from django.test import Client

from kernel_runtime import files as kernel_files
from kernels import bus, seeds
from sharing.carried import CarriedFile, choose
from sharing.filenames import names_in_code
from sharing.models import Blob, Snippet, SnippetFile
from sharing.notebooks import FILES_CELL_TAG, with_files_cell
from sharing.submission import SnippetLimits, Submission, content_digest

CSV = b"x,y\n1,2\n3,4\n"
READS_CSV = 'rows = open("data.csv").read().splitlines()\nlen(rows)'


def share(code: str = READS_CSV, *files: tuple[str, bytes], title: str = "") -> tuple[Snippet, bool]:
    carried = tuple(CarriedFile(name, data) for name, data in files)
    return Snippet.objects.create_or_get(Submission(code, title, files=carried))


# ---------- which files ----------


def test_names_written_as_string_literals_count_as_plain_names_relative_or_under_scratch():
    code = (
        'a = np.load("x.npy")\nb = open(\'./notes.txt\')\nc = datasets.load("/scratch/data.csv")\n'
        'd = f"out.csv"\nmodel.save("model.keras")  # "in a comment.txt" is not code'
    )
    assert names_in_code(code) == ["x.npy", "notes.txt", "data.csv", "out.csv", "model.keras"]


def test_paths_elsewhere_and_repeats_are_not_names_in_the_folder():
    code = 'open("/etc/passwd")\nopen("../up.csv")\nopen("sub/dir.csv")\nopen("a.csv")\nopen("a.csv")\n"x\\ny"'
    assert names_in_code(code) == ["a.csv"]


def test_code_that_does_not_parse_still_names_its_quoted_files():
    assert names_in_code('df = open("data.csv"\nprint(') == ["data.csv"]
    assert names_in_code("(" * 500 + '"deep.csv"' + ")" * 500) == ["deep.csv"]


# ---------- the limits ----------


def listing(**sizes: int) -> list[dict]:
    return [{"name": name.replace("_", "."), "size": size, "mtime": 0} for name, size in sizes.items()]


def test_only_listed_files_the_code_names_are_chosen_in_the_codes_order():
    code = 'open("b.csv"); open("a.csv"); open("gone.csv")'
    chosen, left_out = choose(code, listing(a_csv=1, b_csv=2, other_csv=3), SnippetLimits())
    assert chosen == [("b.csv", 2), ("a.csv", 1)] and left_out == []


def test_files_past_the_total_are_left_out_saying_which_and_why():
    code = 'open("a.csv"); open("big.bin"); open("b.csv"); open("c.csv")'
    limits = SnippetLimits(max_file_bytes=1024)
    chosen, left_out = choose(code, listing(a_csv=600, big_bin=5000, b_csv=400, c_csv=100), limits)
    assert chosen == [("a.csv", 600), ("b.csv", 400)]
    assert [f.name for f in left_out] == ["big.bin", "c.csv"]
    assert "big.bin was left out: it is 5,000 bytes" in left_out[0].reason
    assert "1 KiB" in left_out[1].reason and "PLAYGROUND_SNIPPET_MAX_FILE_BYTES" in left_out[1].reason


def test_files_past_the_count_are_left_out_naming_the_setting():
    code = "".join(f'open("f{n}.csv")\n' for n in range(4))
    chosen, left_out = choose(code, listing(**{f"f{n}_csv": 1 for n in range(4)}), SnippetLimits(max_files=3))
    assert len(chosen) == 3 and [f.name for f in left_out] == ["f3.csv"]
    assert "PLAYGROUND_SNIPPET_MAX_FILES" in left_out[0].reason


# ---------- ids and storage ----------


def test_code_without_files_keeps_the_id_it_always_had():
    assert Submission(READS_CSV).digest == content_digest(READS_CSV, "", None)


def test_the_same_code_with_other_data_gets_another_id_and_file_order_does_not_matter():
    plain = Submission(READS_CSV).digest
    one = Submission(READS_CSV, files=(CarriedFile("data.csv", CSV),)).digest
    other = Submission(READS_CSV, files=(CarriedFile("data.csv", CSV + b"5,6\n"),)).digest
    renamed = Submission(READS_CSV, files=(CarriedFile("data2.csv", CSV),)).digest
    assert len({plain, one, other, renamed}) == 4
    pair = (CarriedFile("a", b"1"), CarriedFile("b", b"2"))
    assert Submission("x", files=pair).digest == Submission("x", files=pair[::-1]).digest


@pytest.mark.django_db
def test_files_are_stored_once_per_content_and_sharing_again_finds_the_same_link():
    first, created = share(READS_CSV, ("data.csv", CSV))
    again, created_again = share(READS_CSV, ("data.csv", CSV))
    other, _ = share("open('data.csv'); open('copy.csv')", ("data.csv", CSV), ("copy.csv", CSV))
    assert created and not created_again and again.id == first.id and other.id != first.id
    assert Blob.objects.count() == 1 and SnippetFile.objects.count() == 3
    digest = hashlib.sha256(CSV).hexdigest()
    assert Blob.objects.get().sha256 == digest and bytes(Blob.objects.get().data) == CSV
    assert first.file_list() == [
        {"name": "data.csv", "size": len(CSV), "sha256": digest, "url": f"/s/{first.id}/files/data.csv"}
    ]
    assert share(READS_CSV)[0].id not in (first.id, other.id)  # the code without its data: another link


@pytest.mark.django_db
def test_a_fork_shared_unchanged_with_the_same_files_is_its_parent():
    parent, _ = share(READS_CSV, ("data.csv", CSV))
    carried = (CarriedFile("data.csv", CSV),)
    same, created = Snippet.objects.create_or_get(Submission(READS_CSV, parent=parent.id, files=carried))
    assert same.id == parent.id and not created
    changed = (CarriedFile("data.csv", b"other"),)
    fork, created = Snippet.objects.create_or_get(Submission(READS_CSV, parent=parent.id, files=changed))
    assert created and fork.parent_id == parent.id


# ---------- the link's page, downloads, notebook ----------


@pytest.mark.django_db
def test_the_links_page_lists_its_files_and_its_websocket_asks_for_them(client: Client):
    snippet, _ = share(READS_CSV, ("data.csv", CSV), ("we<ird>.csv", b"1"))
    page = client.get(f"/s/{snippet.id}").content.decode()
    assert f'href="/s/{snippet.id}/files/data.csv" download="data.csv">data.csv</a>' in page
    assert "we&lt;ird&gt;.csv" in page and "we<ird>" not in page
    assert f"/ws/session/?snippet={snippet.id}" in page
    plain, _ = share("1 + 1")
    assert "?snippet=" not in client.get(f"/s/{plain.id}").content.decode()  # nothing to bring


@pytest.mark.django_db
def test_a_links_file_downloads_as_stored_and_unknown_or_removed_ones_do_not(client: Client):
    snippet, _ = share(READS_CSV, ("data.csv", CSV))
    response = client.get(f"/s/{snippet.id}/files/data.csv")
    assert response.status_code == 200 and response.content == CSV
    assert response["Content-Type"] == "application/octet-stream" and "attachment" in response["Content-Disposition"]
    assert client.get(f"/s/{snippet.id}/files/other.csv").status_code == 404
    assert client.get(f"/s/{snippet.id}/files/..%2Fdata.csv").status_code == 404
    Snippet.objects.filter(pk=snippet.id).update(visibility=Snippet.Visibility.REMOVED)
    assert client.get(f"/s/{snippet.id}/files/data.csv").status_code == 410


@pytest.mark.django_db
def test_the_share_api_and_json_name_the_files(client: Client):
    snippet, _ = share(READS_CSV, ("data.csv", CSV))
    assert [f["name"] for f in client.get(f"/api/snippets/{snippet.id}").json()["files"]] == ["data.csv"]
    scripted = client.post("/api/snippets", {"code": READS_CSV}, content_type="application/json").json()
    assert scripted["files"] == scripted["files_left_out"] == [] and scripted["files_note"] == ""  # no session


@pytest.mark.django_db
def test_moderators_see_the_files_a_link_carries(admin_client):
    snippet, _ = share(READS_CSV, ("data.csv", CSV))
    page = admin_client.get(f"/admin/sharing/snippet/{snippet.id}/change/").content.decode()
    assert f'href="/s/{snippet.id}/files/data.csv"' in page and "(12 bytes)" in page


def test_a_notebooks_first_cell_says_where_to_get_the_files():
    url = "https://example.org/s/abc/files/it%27s.csv"
    notebook = json.loads(with_files_cell(json.dumps({"cells": [{"cell_type": "code"}]}), [("it's.csv", url)]))
    cell = notebook["cells"][0]
    assert cell["cell_type"] == "markdown" and cell["metadata"]["tags"] == [FILES_CELL_TAG]
    assert f"(<{url}>)" in cell["source"] and f'urlretrieve({url!r}, "it\'s.csv")' in cell["source"]
    assert notebook["cells"][1] == {"cell_type": "code"}


# ---------- into the next session ----------


def test_a_file_travels_to_the_host_in_chunks_and_leaves_as_one_exclusive_write():
    data = os.urandom(seeds.CHUNK_BYTES * 2 + 10)
    messages = seeds.messages("owner", "big.bin", data)
    assert [m["append"] for m in messages] == [False, True, True]
    assert all(bus.TO_HOST[m["type"]] is bus.SEED for m in messages)
    held = seeds.Seeds()
    for m in messages:
        held.add(m["name"], m["data_b64"], m["append"])
    held.add("big.bin", "not base64!", False)  # a malformed chunk changes nothing
    (write,) = held.writes()
    assert write["exclusive"] and not write["append"] and base64.b64decode(write["data_b64"]) == data
    assert held.writes() == [] and held.owns(write)
    assert held.answered({"type": "files_written", "ref": write["ref"]}) is None


def test_a_file_the_visitor_already_has_is_kept_and_the_run_is_told():
    held = seeds.Seeds()
    held.add("data.csv", base64.b64encode(CSV).decode(), False)
    (write,) = held.writes()
    notice = held.answered({"type": "files_error", "ref": write["ref"], "code": "exists", "message": "m"})
    assert notice is not None and notice.startswith("data.csv was not copied from the link")
    assert "already has a different data.csv, which was kept" in notice


def test_a_session_holds_a_bounded_amount_of_files_waiting(monkeypatch):
    monkeypatch.setattr(seeds, "MAX_PENDING_BYTES", 10)
    held = seeds.Seeds()
    held.add("a", base64.b64encode(b"12345678").decode(), False)
    held.add("b", base64.b64encode(b"12345").decode(), False)  # over: dropped
    assert held.pending_bytes == 8 and [w["name"] for w in held.writes()] == ["a"]


def test_the_kernel_creates_a_links_file_and_never_replaces_a_different_one(tmp_path):
    kernel_files.configure(str(tmp_path))

    def create(name: str, data: bytes) -> dict:
        request = {"type": "files_write", "ref": "s", "name": name, "append": False, "exclusive": True}
        return kernel_files.handle({**request, "data_b64": base64.b64encode(data).decode()})

    assert create("data.csv", CSV)["type"] == "files_written" and (tmp_path / "data.csv").read_bytes() == CSV
    assert create("data.csv", CSV)["type"] == "files_written"  # the same bytes: nothing to say
    refused = create("data.csv", b"other")
    assert refused["code"] == "exists" and (tmp_path / "data.csv").read_bytes() == CSV
    os.symlink(tmp_path / "data.csv", tmp_path / "link.csv")
    assert create("link.csv", CSV)["code"] == "exists" and os.path.islink(tmp_path / "link.csv")
    os.mkfifo(tmp_path / "pipe.csv")
    assert create("pipe.csv", CSV)["code"] == "exists"
