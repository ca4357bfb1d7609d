"""`dip-sandbox dip issue-certificate | revoke-certificate | delivery`: certificates in one call each and where a
message stands in delivery, on the control API (mock_dip.ready_organisations, DipCertificates.revoke_now,
mock_dip.delivery_report)."""
from __future__ import annotations

import click

from sandbox.cli_counterparts import ENVIRONMENT

REASONS = ["unspecified", "keyCompromise", "affiliationChanged", "superseded", "cessationOfOperation"]


def register_certificate_commands(dip_group: click.Group, client_command) -> None:
    @client_command(dip_group, "issue-certificate", "Another DIP certificate for ORGANISATION (a new key): mTLS, "
                    "Signing or mTLS & Signing.", "POST",
                    lambda env, organisation, purpose, expired: f"/dip/{env}/organisations/{organisation}/certificates",
                    lambda env, organisation, purpose, expired: {"purpose": purpose, "expired": expired})
    @ENVIRONMENT
    @click.argument("organisation")
    @click.option("--purpose", type=click.Choice(["mTLS", "Signing", "mTLS & Signing"]), default="mTLS & Signing",
                  show_default=True)
    @click.option("--expired", is_flag=True, help="a certificate whose validity ended a second ago")
    def _issue_certificate():
        pass

    @client_command(dip_group, "revoke-certificate", "Revoke the DIP certificate SERIAL now: the DIP refuses it at "
                    "once.", "POST", lambda env, serial, reason: f"/dip/{env}/certificates/{serial}/revoke",
                    lambda env, serial, reason: {"reason": reason})
    @ENVIRONMENT
    @click.argument("serial")
    @click.option("--reason", type=click.Choice(REASONS), default="keyCompromise", show_default=True)
    def _revoke_certificate():
        pass

    @client_command(dip_group, "delivery", "Where message TRANSACTION_ID stands in delivery, and why (each "
                    "recipient).", "GET", lambda env, transaction_id: f"/dip/{env}/messages/{transaction_id}")
    @ENVIRONMENT
    @click.argument("transaction_id")
    def _delivery():
        pass
