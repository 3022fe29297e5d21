"""Moderation in the Django admin: search snippets, unlist or remove them, never edit them."""

from __future__ import annotations

import pytest

from sharing.models import Snippet
from sharing.submission import Submission

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/sharing/snippet/"


def make(code: str, title: str = "") -> Snippet:
    return Snippet.objects.create_or_get(Submission(code, title))[0]


@pytest.fixture
def moderator(admin_client):
    return admin_client


def test_snippets_are_listed_and_searchable_by_code_title_and_id(moderator):
    spam = make("buy_cheap_gpus = True", "Spam")
    make("loss = keras.losses.Huber()", "Huber")
    for query in ("cheap_gpus", "Spam", spam.id):
        page = moderator.get(CHANGELIST, {"q": query}).content.decode()
        assert spam.id in page and "Huber" not in page


def test_removing_a_snippet_makes_its_link_say_it_was_removed(moderator, client):
    spam = make("buy_cheap_gpus = True")
    response = moderator.post(CHANGELIST, {"action": "remove", "_selected_action": [spam.id]})
    assert response.status_code == 302
    assert Snippet.objects.get(pk=spam.id).is_removed
    assert client.get(spam.get_absolute_url()).status_code == 410


def test_unlisting_and_listing_again(moderator):
    snippet = make("x = 1")
    moderator.post(CHANGELIST, {"action": "unlist", "_selected_action": [snippet.id]})
    assert Snippet.objects.get(pk=snippet.id).is_unlisted
    moderator.post(CHANGELIST, {"action": "relist", "_selected_action": [snippet.id]})
    assert Snippet.objects.get(pk=snippet.id).visibility == Snippet.Visibility.LISTED


def test_the_admin_cannot_add_snippets_or_edit_their_content(moderator):
    snippet = make("x = 1", "Original")
    assert moderator.get(CHANGELIST + "add/").status_code == 403
    change = f"{CHANGELIST}{snippet.id}/change/"
    form = {"visibility": "unlisted", "moderation_note": "reported twice", "code": "x = 2", "title": "Edited"}
    assert moderator.post(change, form).status_code == 302
    stored = Snippet.objects.get(pk=snippet.id)
    assert (stored.code, stored.title) == ("x = 1", "Original")
    assert (stored.visibility, stored.moderation_note) == ("unlisted", "reported twice")


def test_a_snippet_with_forks_cannot_be_deleted_only_removed(moderator):
    parent = make("x = 1")
    Snippet.objects.create_or_get(Submission("x = 2", "", parent.id))
    moderator.post(f"{CHANGELIST}{parent.id}/delete/", {"post": "yes"})
    assert Snippet.objects.filter(pk=parent.id).exists()
