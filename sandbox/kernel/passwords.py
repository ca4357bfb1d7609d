"""Portal passwords (Atlas and DIP): one rule, one standard slow hash (werkzeug's scrypt).

The scrypt cost is N=4096 rather than werkzeug's default 32768: every password in a sandbox is a throwaway test
password, and at 15 ms instead of 120 ms a hash no longer dominates starting a sandbox, loading a scenario or
onboarding an organisation in one call. Hashes made with other parameters still verify (they carry their own)."""
from __future__ import annotations

MIN_LENGTH = 10
HASH_METHOD = "scrypt:4096:8:1"
RULE = f"at least {MIN_LENGTH} characters with letters and digits"


def password_problem(password) -> str | None:
    """Why `password` is not acceptable, or None."""
    if not isinstance(password, str) or not password:
        return "is required"
    if len(password) < MIN_LENGTH or not any(c.isalpha() for c in password) or \
            not any(c.isdigit() for c in password):
        return f"must be {RULE}"
    return None


# werkzeug.security is imported where a password is hashed or checked: importing it runs werkzeug's package
# __init__ (its test client, server and wrappers), a tenth of a start, which a start that hashes none can skip.

def hash_password(password: str) -> str:
    from werkzeug.security import generate_password_hash
    return generate_password_hash(password, method=HASH_METHOD)


def password_matches(stored_hash: str | None, password) -> bool:
    from werkzeug.security import check_password_hash
    return bool(stored_hash) and isinstance(password, str) and check_password_hash(stored_hash, password)
