"""Composition: checkpoints — one more organisation, ready for a given step of the guide, added to what is there
(a scenario replaces everything; a checkpoint never touches the other organisations). Built from the services'
own operations: the DIP Manager's invitation, the one-call organisation, the webhook inbox, a counterpart's
message."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from mock_dip.ready_organisations import onboard_organisation
from sandbox.kernel.errors import InvalidInput


@dataclass(frozen=True)
class Checkpoint:
    name: str
    step: str
    doc: str
    build: Callable[..., dict]


def _domain(company: str) -> str:
    return "".join(c for c in company.lower() if c.isalnum())[:30] + ".example"


def _invited(sandbox, dip, company: str) -> dict:
    manager = dip.identity.manager()
    made = dip.organisations.invite(manager, {"company_name": company, "company_number": dip.ctx.random.digits(8),
                                              "primary_admin": {"first_name": "Pat", "last_name": "Admin",
                                                                "email": f"pat@{_domain(company)}"}})
    return {"organisation_id": made["id"], "next": f"open the invitation email to pat@{_domain(company)} (Outbox)"}


def _dip_ids(sandbox, dip, company: str) -> dict:
    made = onboard_organisation(dip, {"company_name": company, "dip_ids": []})
    return {"organisation_id": made["organisation_id"],
            "next": f"sign in as {made['members'][0]['email']} (password {made['members'][0]['password']}) and "
                    "create a DIP ID"}


def _message_channels(sandbox, dip, company: str) -> dict:
    made = onboard_organisation(dip, {"company_name": company})
    return {"organisation_id": made["organisation_id"],
            "next": f"sign in as {made['members'][0]['email']} (password {made['members'][0]['password']}) and set "
                    f"the webhooks of DIP ID {made['dip_ids'][0]['dip_id']} (Message Channels)"}


def _promotion(sandbox, dip, company: str) -> dict:
    made = onboard_organisation(dip, {"company_name": company, "dip_ids": [{"role_code": "ADS"}]})
    dip_id = made["dip_ids"][0]["dip_id"]
    for channel in dip.channels.receivable("ADS"):
        dip.webhooks.set(dip_id, channel["channel"], {"callbackURL": dip.inbox.url(dip_id)}, "checkpoint")
    dip.publisher.publish({"to": dip_id, "interface": "IF-041"})
    return {"organisation_id": made["organisation_id"],
            "next": "UIT is complete: the Production DIP Manager promotes it (DIP Production portal, Market "
                    "Participant Organisation)"}


CHECKPOINTS = (
    Checkpoint("b1-invited", "B.1", "invited by the DIP Manager: the Primary Admin's invitation email waits",
               _invited),
    Checkpoint("b5-dip-ids", "B.5", "details verified, a certificate issued, no DIP ID yet", _dip_ids),
    Checkpoint("b7-message-channels", "B.7", "a DIP ID with its API keys, no webhook yet", _message_channels),
    Checkpoint("c-promotion", "C", "UIT complete: webhooks on the sandbox inbox and a message delivered",
               _promotion),
)


def add_checkpoint(sandbox, name: str, company: str, environment: str = "uit") -> dict:
    """One organisation named `company` in `environment`, ready for the checkpoint's step."""
    chosen = next((c for c in CHECKPOINTS if c.name == name), None)
    if chosen is None:
        raise InvalidInput(f"no checkpoint {name!r}: one of {', '.join(c.name for c in CHECKPOINTS)}",
                           field="checkpoint")
    if environment not in sandbox.dip or (chosen.name == "c-promotion" and environment != "uit"):
        raise InvalidInput("a checkpoint is for uit or prod (promotion: uit)", field="environment")
    company = company.strip()
    if not company:
        raise InvalidInput("the company name is required", field="company_name")
    dip = sandbox.dip[environment]
    return {"checkpoint": chosen.name, "step": chosen.step, "company_name": company, "environment": environment,
            **chosen.build(sandbox, dip, company)}
