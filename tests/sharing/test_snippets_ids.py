"""Snippet ids are content-addressed: salted SHA-256 of the code, title and parent, URL-safe."""

from __future__ import annotations

import re

import pytest

from sharing.models import Snippet
from sharing.submission import (
    ID_LENGTH,
    ID_SALT,
    Submission,
    SubmissionError,
    candidate_ids,
    canonical_content,
    content_digest,
    outputs_key,
    parse_submission,
    snippet_limits_from_env,
)
from sharing.submission import SnippetLimits as Limits

LIMITS = Limits()
MAX_CODE = 64 * 1024


def submit(code: str, title: str = "", parent: str | None = None, outputs: list | None = None):
    source = "submitted" if outputs else ""
    return Snippet.objects.create_or_get(Submission(code, title, parent, outputs or [], outputs_source=source))


def test_an_id_is_at_least_11_url_safe_characters_and_never_ends_in_punctuation():
    for n in range(200):
        snippet_id = next(candidate_ids(content_digest(f"x = {n}", "", None)))
        assert len(snippet_id) >= ID_LENGTH == 11
        assert re.fullmatch(r"[A-Za-z0-9_-]+", snippet_id)
        assert snippet_id[-1] not in "_-"


def test_the_digest_is_salted_sha256_of_the_canonical_content():
    import base64
    import hashlib

    expected = hashlib.sha256(ID_SALT + b'{"code":"t","parent":null,"title":""}').digest()
    assert content_digest("t", "", None) == base64.urlsafe_b64encode(expected).decode().rstrip("=")
    assert canonical_content("é", "", None) == '{"code":"é","parent":null,"title":""}'.encode()


def test_the_salt_is_a_constant_not_the_secret_key(settings):
    before = content_digest("t + 1", "", None)
    settings.SECRET_KEY = "another deployment"
    assert content_digest("t + 1", "", None) == before


def test_code_title_and_parent_are_the_content_and_outputs_when_there_are_some():
    base = content_digest("t + 1", "", None)
    assert content_digest("t + 2", "", None) != base
    assert content_digest("t + 1", "A title", None) != base
    assert content_digest("t + 1", "", "abcdefghijk") != base
    assert content_digest("t + 1", "", None, "") == base  # code alone keeps the id it always had
    assert content_digest("t + 1", "", None, outputs_key([{"type": "stream", "text": "2"}], "server")) != base


def test_outputs_take_part_by_what_they_show_not_by_their_timings_nor_their_run_id():
    done = {"type": "done", "ok": True}
    assert outputs_key([{**done, "elapsed_ms": 1.2}], "server") == outputs_key([{**done, "elapsed_ms": 9.9}], "server")
    assert outputs_key([done], "server") != outputs_key([done], "submitted")
    assert outputs_key([], "server") == ""


@pytest.mark.django_db
def test_the_same_content_gives_the_same_link_and_other_outputs_another():
    # The attack: the first sharer of a piece of code decided what every later sharer's link
    # showed (a made-up "security notice" under someone else's link).
    first, created = submit("t = tf.ones([2])\nt", "Ones")
    again, created_again = submit("t = tf.ones([2])\nt", "Ones")
    assert created and not created_again and again.pk == first.pk
    made_up = [{"type": "stream", "name": "stdout", "text": "SECURITY NOTICE: log in at evil.example"}]
    forged, _ = submit("t = tf.ones([2])\nt", "Ones", outputs=made_up)
    honest, _ = submit("t = tf.ones([2])\nt", "Ones")
    assert forged.pk != first.pk and forged.outputs_source == "submitted"
    assert honest.pk == first.pk and honest.outputs == []  # no later sharer inherits them
    assert Snippet.objects.get(pk=first.pk).outputs == []  # a link never changes meaning


@pytest.mark.django_db
def test_line_endings_do_not_change_the_id():
    body = b'{"code": "a = 1\\r\\nb = 2\\r\\n"}'
    submission = parse_submission(body, MAX_CODE, LIMITS)
    assert submission.code == "a = 1\nb = 2\n"
    assert submission.digest == content_digest("a = 1\nb = 2\n", "", None)


@pytest.mark.django_db
def test_a_collision_moves_to_a_longer_prefix_of_the_same_digest():
    digest = content_digest("wanted", "", None)
    short = next(candidate_ids(digest))
    Snippet.objects.create(id=short, code="something else entirely")  # pretend another content got there first
    snippet, created = submit("wanted")
    assert created and snippet.pk != short and snippet.pk.startswith(short) and len(snippet.pk) > len(short)
    assert submit("wanted") == (snippet, False)  # and it keeps landing there


@pytest.mark.django_db
def test_a_snippet_is_immutable_once_stored():
    snippet, _ = submit("x = 1", "Title")
    snippet.code = "x = 2"
    snippet.title = "Changed"
    snippet.outputs = [{"type": "stream", "name": "stdout", "text": "changed"}]
    snippet.visibility = Snippet.Visibility.UNLISTED
    snippet.save()
    stored = Snippet.objects.get(pk=snippet.pk)
    assert (stored.code, stored.title, stored.outputs) == ("x = 1", "Title", [])
    assert stored.visibility == Snippet.Visibility.UNLISTED  # moderation fields are the exception


@pytest.mark.django_db
def test_a_fork_records_its_parent_and_gets_its_own_link():
    parent, _ = submit("x = 1")
    fork, created = submit("x = 2", parent=parent.pk)
    assert created and fork.parent_id == parent.pk and fork.pk != parent.pk
    assert list(parent.forks.all()) == [fork]


@pytest.mark.django_db
def test_sharing_a_link_again_unchanged_gives_back_the_same_link():
    parent, _ = submit("x = 1", "One")
    assert submit("x = 1", "One", parent=parent.pk) == (parent, False)


@pytest.mark.django_db
def test_forking_an_unknown_snippet_is_refused():
    with pytest.raises(SubmissionError) as info:
        submit("x = 2", parent="doesnotexist1")
    assert info.value.status == 400


@pytest.mark.django_db
def test_a_snippet_stores_the_tensorflow_version_and_its_creation_time():
    snippet, _ = submit("tf.__version__")
    assert re.match(r"\d+\.\d+", snippet.tf_version)
    assert snippet.created is not None


def test_snippet_limits_come_from_environment_variables_and_fail_loudly():
    limits = snippet_limits_from_env({"PLAYGROUND_SNIPPET_MAX_OUTPUT_BYTES": "1000"})
    assert limits.max_output_bytes == 1000 and limits.creates_per_window == Limits().creates_per_window
    with pytest.raises(ValueError, match="PLAYGROUND_SNIPPET_CREATES_PER_WINDOW"):
        snippet_limits_from_env({"PLAYGROUND_SNIPPET_CREATES_PER_WINDOW": "lots"})
    with pytest.raises(ValueError, match="rate_window_s"):
        Limits(rate_window_s=0)
