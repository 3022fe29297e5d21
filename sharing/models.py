"""Shared snippets: immutable, content-addressed, moderated in the admin."""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata

from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone

from .submission import MAX_TITLE_CHARS, Submission, SubmissionError, candidate_ids, files_key, outputs_key


@functools.cache
def tensorflow_version() -> str:
    """The installed TensorFlow's version, read from package metadata (nothing is imported)."""
    for name in ("tensorflow-cpu", "tensorflow"):
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return ""


class SnippetManager(models.Manager["Snippet"]):
    def create_or_get(self, submission: Submission) -> tuple[Snippet, bool]:
        """The snippet with this content: the existing one (False) or a new one (True).

        Ids are tried shortest first; an id held by different content (a collision) moves on
        to a longer prefix of the same digest, so one content always lands on one id.
        """
        parent = self._parent(submission.parent)
        key, files = submission.outputs_key, submission.files_key
        if parent is not None and parent.has_content(submission.code, submission.title, parent.parent_id, key, files):
            return parent, False  # shared again unchanged: the link it came from
        blobs = [Blob.objects.stored(file.data) for file in submission.files]  # before the snippet: shared by many
        for snippet_id in candidate_ids(submission.digest):
            snippet, created = self._get_or_insert(snippet_id, submission, blobs)
            if created or snippet.has_content(submission.code, submission.title, submission.parent, key, files):
                return snippet, created
        raise RuntimeError("every prefix of a SHA-256 digest collided")  # pragma: no cover

    def _parent(self, parent_id: str | None) -> Snippet | None:
        if parent_id is None:
            return None
        parent = self.filter(pk=parent_id).only("id", "code", "title", "parent_id", "visibility").first()
        if parent is None or parent.is_removed:
            raise SubmissionError(400, f"There is no snippet {parent_id} to fork.")
        return parent

    def _get_or_insert(self, snippet_id: str, submission: Submission, blobs: list[Blob]) -> tuple[Snippet, bool]:
        existing = self.filter(pk=snippet_id).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                snippet = self.create(id=snippet_id, **self._fields(submission))
                names = [file.name for file in submission.files]
                SnippetFile.objects.bulk_create(
                    SnippetFile(snippet=snippet, name=name, blob=blob) for name, blob in zip(names, blobs, strict=True)
                )
                return snippet, True
        except IntegrityError:  # created by a concurrent request between our read and insert
            return self.get(pk=snippet_id), False

    @staticmethod
    def _fields(submission: Submission) -> dict:
        return {
            "code": submission.code,
            "title": submission.title,
            "parent_id": submission.parent,
            "outputs": submission.outputs,
            "outputs_truncated": submission.outputs_truncated,
            "outputs_source": submission.outputs_source,
            "tf_version": tensorflow_version(),
        }


MODERATION_FIELDS = ("visibility", "moderation_note")


class Snippet(models.Model):
    class Visibility(models.TextChoices):
        LISTED = "listed", "listed"
        UNLISTED = "unlisted", "unlisted: the link works, but no search engines or link previews"
        REMOVED = "removed", "removed: the link says it was removed"

    id = models.CharField(primary_key=True, max_length=43, editable=False)
    code = models.TextField(editable=False)
    title = models.CharField(max_length=MAX_TITLE_CHARS, blank=True, editable=False)
    outputs = models.JSONField(default=list, blank=True, editable=False)
    outputs_truncated = models.BooleanField(default=False, editable=False)
    # Who recorded the outputs: "server" (the session's record), "submitted" (posted by a client),
    # "browser" (links from before the record: the sharer's browser said so); "" without outputs.
    outputs_source = models.CharField(max_length=10, blank=True, default="", editable=False)
    tf_version = models.CharField("TensorFlow version", max_length=40, blank=True, editable=False)
    # Part of the id, so it must outlive its parent's moderation: remove snippets, never delete them
    # while they have forks (PROTECT makes the admin refuse).
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="forks", editable=False
    )
    created = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.LISTED)
    moderation_note = models.TextField(blank=True, help_text="Why it was unlisted or removed (never shown).")

    objects = SnippetManager()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.id} {self.display_title}"

    def save(self, *args, **kwargs) -> None:
        """Snippets are immutable: once stored, a save only writes the moderation fields."""
        if not self._state.adding:
            fields = kwargs.get("update_fields") or MODERATION_FIELDS
            kwargs["update_fields"] = [name for name in fields if name in MODERATION_FIELDS]
        super().save(*args, **kwargs)

    def has_content(self, code: str, title: str, parent_id: str | None, outputs: str = "", files: str = "") -> bool:
        mine = outputs_key(self.outputs or [], self.outputs_source)
        if (self.code, self.title, self.parent_id, mine) != (code, title, parent_id, outputs):
            return False
        return self.files_key() == files

    def files_key(self) -> str:
        return files_key(self.files.values_list("name", "blob_id"))

    def file_list(self) -> list[dict]:
        """The files it carries: name, size, digest and download address, by name."""
        return [self._file_entry(*row) for row in self.files.values_list("name", "blob__size", "blob_id")]

    async def afile_list(self) -> list[dict]:
        return [self._file_entry(*row) async for row in self.files.values_list("name", "blob__size", "blob_id")]

    def _file_entry(self, name: str, size: int, digest: str) -> dict:
        return {"name": name, "size": size, "sha256": digest, "url": reverse("snippet-file", args=[self.id, name])}

    def get_absolute_url(self) -> str:
        return reverse("snippet", args=[self.id])

    @property
    def is_removed(self) -> bool:
        return self.visibility == self.Visibility.REMOVED

    @property
    def is_unlisted(self) -> bool:
        return self.visibility == self.Visibility.UNLISTED

    @property
    def display_title(self) -> str:
        """The title, or the code's first non-blank line."""
        if self.title:
            return self.title
        first = next((line.strip() for line in self.code.splitlines() if line.strip()), "")
        return first if len(first) <= 80 else first[:79] + "…"

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "url": self.get_absolute_url(),
            "title": self.title,
            "code": self.code,
            "outputs": self.outputs,
            "outputs_truncated": self.outputs_truncated,
            "outputs_source": self.outputs_source,
            "tf_version": self.tf_version,
            "parent": self.parent_id,
            "created": self.created.isoformat(),
            "files": self.file_list(),
        }


class BlobManager(models.Manager["Blob"]):
    def stored(self, data: bytes) -> Blob:
        """The blob with these bytes: the one already stored, else a new one."""
        digest = hashlib.sha256(data).hexdigest()
        blob, _ = self.get_or_create(sha256=digest, defaults={"data": data, "size": len(data)})
        return blob


class Blob(models.Model):
    """A file's bytes, stored once however many links carry them: its key is their SHA-256."""

    sha256 = models.CharField(primary_key=True, max_length=64, editable=False)
    data = models.BinaryField(editable=False)
    size = models.PositiveIntegerField(editable=False)

    objects = BlobManager()

    def __str__(self) -> str:
        return f"{self.sha256[:12]} ({self.size} bytes)"


class SnippetFile(models.Model):
    """A session file a snippet carries (carried.py): a name in the scratch folder and its bytes."""

    snippet = models.ForeignKey(Snippet, on_delete=models.CASCADE, related_name="files", editable=False)
    name = models.CharField(max_length=255, editable=False)
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+", editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["snippet", "name"], name="one_file_per_name")]

    def __str__(self) -> str:
        return self.name
