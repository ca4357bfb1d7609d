"""What a recipient checks on a delivery from the DIP, and what it answers: the DIP's signature (the four headers,
signed with the DIP's signing certificate) and a StandardResponse with one item per message. Used by
`dip-sandbox client receive`, the test harness's webhook receiver (both served by mock_dip.webhook_server) and the
DIP's own inbox for deliveries to the sandbox's counterparts."""
from __future__ import annotations

import json
from datetime import datetime

from cryptography.hazmat.primitives.serialization import Encoding

from mock_dip import message_signature
from mock_dip.message_signature import SignatureReport
from mock_dip.standard_response import response_item


def check_delivery(url: str, body: bytes, headers, trusted_pem: str | None, now: datetime,
                   skew_seconds: float = 300.0) -> SignatureReport:
    """The signature check of a POST to `url`; with `trusted_pem`, the signing certificate must be that one (the
    DIP's, from `GET /dip/{env}/api/dip-certificates`)."""
    report = message_signature.check("POST", url, body, headers, now_real=now, now_sandbox=now,
                                     skew_seconds=skew_seconds)
    if report.ok and trusted_pem and report.certificate is not None and \
            report.certificate.public_bytes(Encoding.PEM).decode().strip() != trusted_pem.strip():
        report.fail("certificate", "signed with a certificate that is not the DIP's signing certificate")
    return report


def delivered_items(body: bytes) -> list:
    try:
        items = json.loads(body)
    except ValueError:
        return []
    return items if isinstance(items, list) else [items]


def transaction_id(item) -> str | None:
    try:
        return item["payload"]["CommonBlock"]["D0"]["transactionID"]
    except (KeyError, TypeError):
        return None


def _recipient(item) -> str | None:
    try:
        return item["payload"]["CommonBlock"]["A0"]["primaryRecipients"][0]
    except (KeyError, IndexError, TypeError):
        return None


def answer(items: list, report: SignatureReport, now: datetime) -> tuple[int, bytes]:
    """(status, body): 201 with RCP0000 per message when the signature is good, else 400 with RCP9999 — a
    StandardResponse of the official types (the answering recipient as senderID)."""
    code = "RCP0000" if report.ok else "RCP9999"
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    body = {"messageArray": [response_item(code, report.message, stamp=stamp, sender_id=_recipient(item),
                                           transactionID=transaction_id(item)) for item in (items or [{}])],
            "timestamp": stamp}
    return (201 if report.ok else 400), json.dumps(body).encode()
