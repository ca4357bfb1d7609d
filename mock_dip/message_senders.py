"""Who is sending on the DIP message API: the mTLS certificate of the connection (a DIP certificate issued through
this environment's portal, of the sender's organisation or of a DCP nominated for the sender DIP ID), the
`X-API-Key` (primary or secondary key of the sender DIP ID) and the signature, whose certificate must be a
Signing certificate of the Market Participant that owns the sender DIP ID — also when a DCP sends."""
from __future__ import annotations

from dataclasses import dataclass

from mock_ca.keys import cert_from_pem, serial_hex
from mock_dip.context import DipContext
from mock_dip.dip_certificates import DipCertificates, purpose_by_label
from mock_dip.dip_ids import DipIds
from mock_dip.message_signature import SignatureReport
from sandbox.kernel.errors import Forbidden, Unauthorized


class SignatureRejected(Unauthorized):
    """The request's signature is missing, malformed, wrong or made with an unacceptable certificate."""


@dataclass(frozen=True)
class Sender:
    dip_id: dict                      # the DIP ID of the X-API-Key
    organisation_id: str              # its owner, the Market Participant
    connected_organisation_id: str    # whose mTLS certificate opened the connection
    dcp_organisation_id: str | None   # set when a nominated DCP connects for the MP


class MessageSenders:
    def __init__(self, ctx: DipContext, dip_ids: DipIds, certificates: DipCertificates):
        self.ctx = ctx
        self.dip_ids = dip_ids
        self.certificates = certificates

    def _organisation_name(self, organisation_id: str) -> str:
        row = self.ctx.one("select company_name from dip_organisations where id = ?", [organisation_id])
        return row["company_name"] if row else organisation_id

    def sender(self, client_serial: str, api_key: str | None) -> Sender:
        env = self.ctx.environment_name
        connection = self.certificates.find(client_serial)
        if connection is None:
            raise Forbidden(f"the client certificate {client_serial} was not issued through the DIP {env} portal: "
                            "create an mTLS certificate in the Certificates tab of this environment")
        if not api_key:
            raise Unauthorized("the X-API-Key header is required: the primary or secondary API key of the sender "
                               "DIP ID (DIP ID page, Show)")
        dip_id = self.dip_ids.by_api_key(api_key.strip())
        if dip_id is None:
            raise Unauthorized(f"the X-API-Key is not a current key of any DIP ID of the DIP {env} (keys differ per "
                               "environment; a regenerated key stops working at once)")
        owner = dip_id["organisation_id"]
        connected = connection["organisation_id"]
        if connected == owner:
            return Sender(dip_id, owner, connected, None)
        nominated = self.ctx.one("select 1 as x from dip_nominations where environment = ? and dip_id = ? and "
                                 "dcp_organisation_id = ?", [self.ctx.environment, dip_id["dip_id"], connected])
        if not nominated:
            raise Forbidden(f"the client certificate belongs to {self._organisation_name(connected)}, which neither "
                            f"owns DIP ID {dip_id['dip_id']} nor is a DCP nominated for it")
        return Sender(dip_id, owner, connected, connected)

    def judge_signature(self, sender: Sender, report: SignatureReport) -> None:
        """The signature checks of the scheme, then the signing certificate against the DIP's records."""
        if not report.ok:
            raise SignatureRejected(f"signature check failed ({report.failure}): {report.message}",
                                    details={"check": report.failure})
        cert = report.certificate
        serial = serial_hex(cert.serial_number)

        def refuse(check: str, text: str):
            report.fail(check, text)
            raise SignatureRejected(f"signature check failed ({check}): {text}", details={"check": check})

        row = self.certificates.find(serial)
        stored = row and row["certificate_pem"] and cert_from_pem(row["certificate_pem"])
        if not stored or stored != cert:  # the same DER
            refuse("certificate_unknown", f"the signing certificate {serial} was not issued through the DIP "
                                          f"{self.ctx.environment_name} portal")
        status = self.certificates.display_status(row)
        entry = self.ctx.cas.registry.find(cert.serial_number)  # also revoked through the HVCA API directly
        if entry is not None and entry.revoked and status not in ("REVOKED", "SUPERSEDED"):
            status = "REVOKED"
        if status in ("REVOKED", "SUPERSEDED"):
            refuse("certificate_revoked", f"the signing certificate {serial} is {status.lower()}: sign with a "
                                          "current certificate")
        if status == "EXPIRED" or self.ctx.clock.now() < cert.not_valid_before_utc:
            refuse("certificate_expired", f"the signing certificate {serial} is not valid in sandbox time "
                                          f"({self.ctx.clock.now().isoformat()})")
        if not purpose_by_label(row["purpose"]).signing:
            refuse("certificate_purpose", f"the signing certificate {serial} is an {row['purpose']} certificate: "
                                          "sign with a Signing or mTLS & Signing certificate")
        if row["organisation_id"] != sender.organisation_id:
            refuse("certificate_organisation",
                   f"the signing certificate {serial} belongs to {self._organisation_name(row['organisation_id'])}; "
                   f"messages of DIP ID {sender.dip_id['dip_id']} are signed with a Signing certificate of "
                   f"{self._organisation_name(sender.organisation_id)} (also when a DCP sends them)")
