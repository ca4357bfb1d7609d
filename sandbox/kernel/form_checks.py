"""Checking the fields of portal forms (Atlas and DIP): required ones, email, phone, country, website. All problems of a form
are reported together (`details["errors"]`), the first one also as `field`."""
from __future__ import annotations

import re
from typing import Any

from sandbox.kernel.errors import BadRequest, InvalidInput

# phonenumbers, pycountry and email_validator are imported where they are used: together they cost the
# sandbox's start-up about 80 ms, and only form submissions need them.


class FormErrors:
    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def raise_if_any(self, what: str) -> None:
        if self.errors:
            first = next(iter(self.errors))
            summary = "; ".join(f"{field}: {message}" for field, message in self.errors.items())
            raise InvalidInput(f"the {what} needs attention - {summary}", field=first,
                               details={"errors": dict(self.errors)})


def form(payload: Any) -> dict:
    if not isinstance(payload, dict):
        raise BadRequest("the body must be a JSON object")
    return payload


def text(payload: dict, field: str, errors: FormErrors, required: bool = True, max_length: int = 200) -> str | None:
    value = payload.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(field, "is required")
        return None
    if not isinstance(value, str):
        errors.add(field, "must be text")
        return None
    value = value.strip()
    if len(value) > max_length:
        errors.add(field, f"is at most {max_length} characters")
        return None
    return value


def email(payload: dict, field: str, errors: FormErrors, required: bool = True) -> str | None:
    value = text(payload, field, errors, required, 254)
    if value is None:
        return None
    from email_validator import EmailNotValidError, validate_email
    try:
        return validate_email(value, check_deliverability=False, test_environment=True).normalized
    except EmailNotValidError as exc:
        errors.add(field, f"is not a valid email address ({exc})")
        return None


def phone(payload: dict, field: str, errors: FormErrors, country: str | None, required: bool = False) -> str | None:
    value = text(payload, field, errors, required, 40)
    if value is None:
        return None
    import phonenumbers
    try:
        number = phonenumbers.parse(value, country or "GB")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        errors.add(field, f"{value!r} is not a valid phone number (give it with its country code, e.g. +44 20 7946 0958)")
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def country(payload: dict, field: str, errors: FormErrors, required: bool = True) -> str | None:
    value = text(payload, field, errors, required, 80)
    if value is None:
        return None
    import pycountry
    try:
        return pycountry.countries.lookup(value).alpha_2
    except LookupError:
        errors.add(field, f"{value!r} is not a country (use its name or ISO 3166 code, e.g. GB)")
        return None


_HOST = re.compile(r"^(https?://)?([a-z0-9-]+\.)+[a-z]{2,}(:\d+)?(/\S*)?$", re.IGNORECASE)


def website(payload: dict, field: str, errors: FormErrors) -> str | None:
    value = text(payload, field, errors, True, 200)
    if value is not None and not _HOST.match(value):
        errors.add(field, f"{value!r} is not a website address (e.g. https://www.example.co.uk)")
        return None
    return value


def ticked(payload: dict, field: str, errors: FormErrors, message: str) -> bool:
    if payload.get(field) is not True:
        errors.add(field, message)
        return False
    return True


