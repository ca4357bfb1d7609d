"""Domain errors shared by every service. Each API maps them to its own wire format in one place."""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule was broken. `message` is written for the person who has to act on it."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}


class InvalidInput(DomainError):
    """The request is well-formed but a value breaks a rule."""
    status = 422


class BadRequest(DomainError):
    """The request cannot be read (not JSON, wrong shape)."""
    status = 400


class Unauthorized(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409
