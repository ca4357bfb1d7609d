"""Portal passwords (Atlas and DIP): one rule, one standard slow hash (werkzeug's scrypt)."""
from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
RULE = f"at least {MIN_LENGTH} characters with letters and digits"


def password_problem(password) -> str | None:
    """Why `password` is not acceptable, or None."""
    if not isinstance(password, str) or not password:
        return "is required"
    if len(password) < MIN_LENGTH or not any(c.isalpha() for c in password) or \
            not any(c.isdigit() for c in password):
        return f"must be {RULE}"
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def password_matches(stored_hash: str | None, password) -> bool:
    return bool(stored_hash) and isinstance(password, str) and check_password_hash(stored_hash, password)
