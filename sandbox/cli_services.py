"""The `dip-sandbox` commands of the simulated services, over the control API: atlas (accounts, vetting, tokens,
waits) and dip (demo, onboard, certificates, counterparts and routing)."""
from __future__ import annotations

import click

from sandbox.cli_certificates import register_certificate_commands
from sandbox.cli_control import client_group, control_command
from sandbox.cli_counterparts import register_counterpart_commands


def register_service_commands(main: click.Group) -> None:
    atlas = client_group(main, "atlas", "The simulated GlobalSign Atlas.")

    @atlas.group("accounts", help="Atlas accounts.")
    def atlas_accounts():
        pass

    @control_command(atlas_accounts, "create", "An account that has completed the journey, with credentials and a "
                     "client certificate.", "POST", lambda company, email: "/atlas/accounts",
                     lambda company, email: {k: v for k, v in (("company_name", company), ("email", email)) if v})
    @click.option("--company", default=None, help="company name (default: Sandbox Energy Supply Limited)")
    @click.option("--email", default=None, help="Certificate Admin's email")
    def _atlas_accounts_create():
        pass

    @control_command(atlas_accounts, "list", "Accounts with their journey state.", "GET", lambda: "/atlas/accounts")
    def _atlas_accounts_list():
        pass

    @atlas.group("vetting", help="Choose an account's vetting outcome, or complete vetting now.")
    def atlas_vetting():
        pass

    for _outcome in ("approve", "reject", "postal-challenge", "auto"):
        control_command(atlas_vetting, _outcome, f"Vetting of ACCOUNT ends with: {_outcome}.", "POST",
                        lambda account, reason: f"/atlas/accounts/{account}/vetting",
                        lambda account, reason, _o=_outcome: {"outcome": _o, **({"reason": reason} if reason else {})})(
            click.option("--reason", default=None, help="reason given in the rejection email")(
                click.argument("account")(lambda: None)))

    @control_command(atlas_vetting, "complete-now", "Vetting of ACCOUNT completes now (no clock change).", "POST",
                     lambda account: f"/atlas/accounts/{account}/complete-now", lambda account: {"wait": "vetting"})
    @click.argument("account")
    def _atlas_vetting_complete_now():
        pass

    @control_command(atlas, "expire-tokens", "End every HVCA access token now: clients must log in again.", "POST",
                     lambda: "/atlas/tokens/expire")
    def _atlas_expire_tokens():
        pass

    @control_command(atlas, "complete-now", "Every pending wait of ACCOUNT (or --wait NAME) completes now.", "POST",
                     lambda account, wait: f"/atlas/accounts/{account}/complete-now",
                     lambda account, wait: {"wait": wait} if wait else {})
    @click.argument("account")
    @click.option("--wait", default=None, help="one wait: registration_emails, vetting, credentials_binding, ...")
    def _atlas_complete_now():
        pass

    dip_group = client_group(main, "dip", "The simulated DIP.")

    @control_command(dip_group, "demo", "Load the demo organisations and central services into an environment.",
                     "POST", lambda env: f"/dip/{env}/demo")
    @click.option("--env", type=click.Choice(["uit", "prod"]), default="uit", show_default=True)
    def _dip_demo():
        pass

    def _onboard_body(env, company, role, webhook, dcp):
        hooks = {}
        for entry in webhook:
            channel, sep, url = entry.partition("=")
            if not sep:
                raise click.BadParameter(f"{entry!r} is INTERFACE=URL, e.g. IF-041=https://127.0.0.1:9443/hook",
                                         param_hint="--webhook")
            hooks[channel] = url
        return {**({"company_name": company} if company else {}),
                "dip_ids": [{"role_code": r} for r in role or ["SUP"]], "webhooks": hooks, "dcp": dcp}

    @control_command(dip_group, "onboard", "A fully onboarded organisation in one call: DIP IDs, API keys, an mTLS & "
                     "Signing certificate with its key and PFX, webhooks.", "POST",
                     lambda env, company, role, webhook, dcp: f"/dip/{env}/organisations", _onboard_body)
    @click.option("--env", type=click.Choice(["uit", "prod"]), default="uit", show_default=True)
    @click.option("--company", default=None, help="company name (default: generated)")
    @click.option("--role", multiple=True, help="a DIP ID of this role code (repeatable; default SUP)")
    @click.option("--webhook", multiple=True, help="INTERFACE=URL webhook for every DIP ID (repeatable)")
    @click.option("--dcp", is_flag=True, help="an approved DIP Connection Provider with a DCP ID")
    def _dip_onboard():
        pass

    register_certificate_commands(dip_group, control_command)
    register_counterpart_commands(dip_group, control_command)
