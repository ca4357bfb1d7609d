"""The DIP's message signature scheme (reference/dip-message-api.md), both ways: signing (the DIP's webhook
pushes, the sandbox's `client send`) and checking what a client sent, with a report that says which check
failed and shows what the sandbox computed next to what it received — the signature debugger.

    X-DIP-Content-Hash           base64(SHA-256(raw body bytes))
    X-DIP-Signature-Date         UTC, YYYY-MM-DDTHH:MM:SS.mmmZ
    X-DIP-Signature              base64(RSASSA-PKCS1-v1_5 / SHA-256 over "METHOD;lower-cased full URL;date;hash")
    X-DIP-Signature-Certificate  base64(PEM text of the signing certificate)

The freshness of the date is judged against real time *or* sandbox time (design.md, "Two kinds of time"): a
client signs with its own clock. Whether the signing certificate is acceptable (DIP CA, Signing purpose,
valid, owned by the sender's Market Participant) is for the caller, which knows the DIP's records.
"""
from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit, urlunsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from mock_ca.keys import cert_from_pem

CONTENT_HASH = "X-DIP-Content-Hash"
DATE = "X-DIP-Signature-Date"
SIGNATURE = "X-DIP-Signature"
CERTIFICATE = "X-DIP-Signature-Certificate"
HEADERS = (CONTENT_HASH, DATE, SIGNATURE, CERTIFICATE)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def content_hash(body: bytes) -> str:
    return base64.b64encode(hashlib.sha256(body).digest()).decode()


def format_date(moment: datetime) -> str:
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def string_to_sign(method: str, url: str, date: str, body_hash: str) -> str:
    return f"{method.upper()};{url.lower()};{date};{body_hash}"


def sign(method: str, url: str, body: bytes, key: rsa.RSAPrivateKey, certificate_pem: str,
         moment: datetime) -> dict[str, str]:
    """The four headers for a request."""
    body_hash = content_hash(body)
    date = format_date(moment)
    signature = key.sign(string_to_sign(method, url, date, body_hash).encode(), padding.PKCS1v15(), hashes.SHA256())
    return {CONTENT_HASH: body_hash, DATE: date, SIGNATURE: base64.b64encode(signature).decode(),
            CERTIFICATE: base64.b64encode(certificate_pem.encode()).decode()}


def url_variants(url: str, path_only: bool) -> list[str]:
    """The URLs a client may have signed for a request to `url`: as received, with or without the default port,
    and (when allowed) the path and query alone."""
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    variants = [url]
    host = parts.hostname or ""
    if parts.port in (None, default) and default:
        netloc_without = host
        netloc_with = f"{host}:{default}"
        variants += [urlunsplit(parts._replace(netloc=n)) for n in (netloc_without, netloc_with)]
    if path_only:
        variants.append(urlunsplit(("", "", parts.path, parts.query, "")))
    return list(dict.fromkeys(v.lower() for v in variants))


@dataclass
class SignatureReport:
    """What the check found: `failure` None when the signature is good, else the name of the failed check."""
    failure: str | None = None
    message: str | None = None
    computed: dict = field(default_factory=dict)
    received: dict = field(default_factory=dict)
    certificate: x509.Certificate | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    def fail(self, failure: str, message: str) -> "SignatureReport":
        self.failure, self.message = failure, message
        return self

    def describe(self) -> dict:
        """For the journal entry of the request."""
        return {"result": "valid" if self.ok else self.failure, "message": self.message,
                "computed": self.computed, "received": self.received}


@functools.lru_cache(maxsize=256)
def _described(pem: str) -> dict:
    """Subject, serial and issuer of a signing certificate, for the report: the same certificate signs request after
    request, and its names take a while to write out."""
    certificate = cert_from_pem(pem)
    return {"subject": certificate.subject.rfc4514_string(), "serial": f"{certificate.serial_number:X}",
            "issuer": certificate.issuer.rfc4514_string()}


def _b64(value: str) -> bytes:
    return base64.b64decode(value.strip(), validate=True)


def check(method: str, url: str, body: bytes, headers, *, now_real: datetime, now_sandbox: datetime,
          skew_seconds: float, path_only: bool = False) -> SignatureReport:
    """Check the four headers of a request; the report names the first failed check."""
    report = SignatureReport()
    report.received = {name: headers.get(name) for name in HEADERS}
    body_hash = content_hash(body)
    report.computed["content_hash"] = body_hash
    missing = [name for name in HEADERS if not headers.get(name)]
    if missing:
        return report.fail("headers_missing", f"the signature header(s) {', '.join(missing)} are missing: sign "
                                              "every request (see the DIP API documentation)")
    if headers.get(CONTENT_HASH).strip() != body_hash:
        return report.fail("content_hash", f"{CONTENT_HASH} does not match the body: SHA-256 of the raw body bytes "
                                           f"is {body_hash} (standard base64); hash exactly the bytes you send, "
                                           "after serialising the JSON")
    date = headers.get(DATE).strip()
    if not _DATE.match(date):
        return report.fail("date_format", f"{DATE} {date!r} is not UTC with milliseconds "
                                          "(YYYY-MM-DDTHH:MM:SS.mmmZ)")
    try:
        signed_at = datetime.fromisoformat(date.replace("Z", "+00:00"))  # the shape is checked above
    except ValueError:
        return report.fail("date_format", f"{DATE} {date!r} has the right shape but is not a time that exists "
                                          "(a day or hour out of range): sign with the current UTC time")
    offsets = {"real time": (signed_at - now_real).total_seconds(),
               "sandbox time": (signed_at - now_sandbox).total_seconds()}
    report.computed["date_offsets_seconds"] = {k: round(v, 3) for k, v in offsets.items()}
    if not any(abs(offset) <= skew_seconds for offset in offsets.values()):
        return report.fail("date_skew", f"{DATE} {date} is {offsets['real time']:+.0f} s from real time and "
                                        f"{offsets['sandbox time']:+.0f} s from sandbox time; it must be within "
                                        f"{skew_seconds:g} s of either: sign with the current time")
    try:
        pem = _b64(headers.get(CERTIFICATE)).decode()
        certificate = cert_from_pem(pem)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return report.fail("certificate_unreadable", f"{CERTIFICATE} is not the base64 of a PEM certificate: "
                                                     "base64-encode the whole PEM text, BEGIN and END lines included")
    report.certificate = certificate
    report.computed["certificate"] = dict(_described(pem))
    candidates = url_variants(url, path_only)
    expected = [string_to_sign(method, candidate, date, body_hash) for candidate in candidates]
    report.computed["string_to_sign"] = expected[0]
    if len(expected) > 1:
        report.computed["also_accepted"] = expected[1:]
    try:
        signature = _b64(headers.get(SIGNATURE))
    except (binascii.Error, ValueError):
        return report.fail("signature_encoding", f"{SIGNATURE} is not standard base64")
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        return report.fail("certificate_key", "the signing certificate's key is not RSA: DIP signatures are "
                                              "RSASSA-PKCS1-v1_5 with SHA-256")
    for text in expected:
        try:
            key.verify(signature, text.encode(), padding.PKCS1v15(), hashes.SHA256())
            report.computed["signed_string_matched"] = text
            return report
        except InvalidSignature:
            continue
    return report.fail("signature", "the signature does not verify with the certificate in "
                                    f"{CERTIFICATE} over the string {expected[0]!r} (METHOD;lower-cased full URL;"
                                    f"{DATE};{CONTENT_HASH}): check the URL you signed, the date and the key")
