"""What a teacher fills in to open a class, and what a student types to join one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel_runtime.files import BIDI_CONTROLS

from .apps import class_limits
from .models import MAX_NAME_CHARS


def plain_name(value: str) -> str:
    """A name as people read it: one line, no controls (bidi ones included), spaces tidied."""
    cleaned = "".join(char for char in value if char.isprintable() and char not in BIDI_CONTROLS)
    return " ".join(cleaned.split())


class OpenClassForm(forms.Form):
    name = forms.CharField(label=_("Name of the class"), max_length=2 * MAX_NAME_CHARS)
    seats = forms.IntegerField(label=_("Seats"), min_value=1, initial=30)
    starting_code = forms.CharField(label=_("Starting code"), required=False, widget=forms.Textarea, strip=False)
    snippet = forms.CharField(label=_("…or a snippet's link"), required=False, max_length=300)
    notebook = forms.FileField(label=_("…or a notebook (.ipynb)"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["seats"].widget.attrs["max"] = class_limits().max_seats

    def clean_seats(self) -> int:
        seats, limit = self.cleaned_data["seats"], class_limits().max_seats
        if seats > limit:
            raise forms.ValidationError(_("A class has at most %(limit)d seats.") % {"limit": limit})
        return seats

    def clean_name(self) -> str:
        name = plain_name(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(_("Give the class a name."))
        return name

    def clean_starting_code(self) -> str:
        code = self.cleaned_data["starting_code"].replace("\r\n", "\n")
        limit = class_limits().max_starting_code_bytes
        if len(code.encode()) > limit:
            raise forms.ValidationError(_("The starting code is over %(kib)d KiB.") % {"kib": limit // 1024})
        return code


class JoinForm(forms.Form):
    name = forms.CharField(label=_("Your name, as your teacher will see it"), max_length=MAX_NAME_CHARS)

    def clean_name(self) -> str:
        name = plain_name(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(_("Type a name your teacher will know."))
        return name
