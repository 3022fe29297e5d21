"""A class's two names: the code students type, and the teacher's key.

A class code is read aloud and typed by 60 people at once, so it has no characters that look or
sound alike (0/O, 1/I/L, U/V, 5/S, 2/Z, 8/B), is case-insensitive and forgives spaces and dashes:
"K7M-4QX" and "k7m4qx" are the same class. Six of the 23 characters left give 148 million codes,
so a guessed code finds an open class about once in millions of tries, and joins are rate-limited
per address besides; a code only lets a student in, never shows anyone's work.

The teacher's key is what protects the teacher's view: 128 random bits in a link the teacher
keeps, stored only as its SHA-256 (a copy of the database opens no class).
"""

from __future__ import annotations

import hashlib
import re
import secrets

ALPHABET = "34679ACDEFGHJKMNPQRTWXY"  # no 0 O 1 I L U V 5 S 2 Z 8 B
CODE_CHARS = 6
_SEPARATORS = re.compile(r"[\s\-_.]+")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_CHARS))


def normalize(typed: str) -> str | None:
    """The class code a person typed, in its one spelling; None if it cannot be one."""
    code = _SEPARATORS.sub("", typed).upper()
    if len(code) != CODE_CHARS or any(char not in ALPHABET for char in code):
        return None
    return code


def spaced(code: str) -> str:
    """For reading aloud and on the projector: K7M 4QX."""
    return f"{code[:3]} {code[3:]}"


def new_teacher_key() -> str:
    return secrets.token_urlsafe(16)


def key_digest(key: str) -> str:
    return hashlib.sha256(f"classroom-teacher:{key}".encode()).hexdigest()
