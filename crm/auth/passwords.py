"""Password hashing (argon2id) and the password rules: at least 12 characters, not guessable."""
from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

MIN_LENGTH = 12
# zxcvbn's score 3 is "safely unguessable": common passwords and their variants score 0-2.
MIN_SCORE = 3
_hasher = PasswordHasher()
# The password hash of an account whose owner has not yet chosen a password: no password matches it.
NO_PASSWORD = "!"
# Verified against when the user does not exist, so timing does not tell who has an account.
_DUMMY_HASH = _hasher.hash("hearth-dummy-password-for-timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        matched = _hasher.verify(password_hash or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and password_hash is not None


def password_problem(password: str, *, personal: tuple[str, ...] = ()) -> str | None:
    """Why a password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    # The local part of an email and the words of a name; not the domain, which colleagues share.
    words = [word for item in personal for word in re.split(r"[\s._+-]+", item.lower().split("@")[0]) if len(word) >= 4]
    if any(word in password.lower() for word in words):
        return "Password must not contain your name or email address"
    strength = zxcvbn(password[:100], user_inputs=[*personal, *words])
    if strength["score"] < MIN_SCORE:
        warning = strength["feedback"]["warning"] or "This password would be easy to guess."
        return f"{warning} Choose a longer password, such as three random words"
    return None
