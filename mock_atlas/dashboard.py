"""The Atlas dashboard: the guide's tiles, each with its state, what it waits for and when that falls due.

Tile states: `locked` (an earlier step first), `waiting` (a wait of the journey is running: `due_at`),
`to_do` (the person acts now), `in_progress` (GlobalSign acts: `due_at`), `action_required`
(e.g. enter the postal challenge code), `done`. Colours as the guide shows them: to-do yellow, the
identity-profile tile mustard, the quotation tile blue.
"""
from __future__ import annotations

from mock_atlas.context import AtlasContext
from sandbox.kernel.clock import iso_unix


def _tile(tile_id: str, title: str, state: str, detail: str, colour: str, due: float | None = None) -> dict:
    return {"id": tile_id, "title": title, "state": state, "colour": colour if state not in ("done", "locked") else
            ("green" if state == "done" else "grey"), "detail": detail,
            "due_at": iso_unix(due)}


def tiles(ctx: AtlasContext, account_id: str) -> list[dict]:
    account = ctx.one("select * from atlas_accounts where id = ?", [account_id])
    profile = ctx.one("select * from atlas_identity_profiles where account_id = ? order by submitted_at desc limit 1",
                      [account_id])
    credentials = ctx.store.query("select * from atlas_credentials where account_id = ? and status != 'revoked' "
                                  "order by created_at", [account_id])
    has_cert = ctx.one("select 1 as x from atlas_client_certificates where account_id = ?", [account_id])
    out = []

    if account["payment_method"]:
        out.append(_tile("payment_method", "Set a Payment Method", "done", "Invoice (no payment is taken)", "yellow"))
    else:
        out.append(_tile("payment_method", "To Do - Set a Payment Method", "to_do", "Choose Invoice", "yellow"))

    quotation = account["quotation_status"]
    if quotation == "none":
        out.append(_tile("quotation", "View and Accept Quote", "locked", "Set a payment method first", "blue"))
    elif quotation == "pending":
        out.append(_tile("quotation", "View and Accept Quote", "waiting", "Waiting for GlobalSign's quotation",
                         "blue", account["quotation_ready_at"]))
    elif quotation == "ready":
        out.append(_tile("quotation", "View and Accept Quote", "to_do",
                         "Your quotation is ready: accept it and the Master Services Agreement", "blue"))
    else:
        out.append(_tile("quotation", "View and Accept Quote", "done", "£0 quotation accepted", "blue"))

    tile_job = next(iter(ctx.scheduler.pending_of("atlas.identity_profile_tile", account_id=account_id)), None)
    title = "Request Identity Profile"
    if quotation != "accepted":
        out.append(_tile("identity_profile", title, "locked", "Accept the quotation first", "mustard"))
    elif not account["identity_tile_ready"]:
        out.append(_tile("identity_profile", title, "waiting", "The tile turns mustard soon", "mustard",
                         tile_job["due_at"] if tile_job else None))
    elif profile is None or profile["status"] == "rejected":
        detail = "Create the IntranetSSL OV identity profile" + (
            f" (the last one was rejected: {profile['reason']})" if profile else "")
        out.append(_tile("identity_profile", title, "to_do", detail, "mustard"))
    elif profile["status"] == "pending_vetting":
        out.append(_tile("identity_profile", "Vetting in progress", "in_progress",
                         "GlobalSign is vetting your organisation (up to 72 hours)", "mustard",
                         profile["vetting_due_at"]))
    elif profile["status"] == "postal_challenge":
        letter = next(iter(ctx.scheduler.pending_of("atlas.postal_letter", profile_id=profile["id"])), None)
        if letter:
            out.append(_tile("identity_profile", "Vetting: postal challenge", "waiting",
                             "A postal challenge letter is on its way to your registered address", "mustard",
                             letter["due_at"]))
        else:
            out.append(_tile("identity_profile", "Vetting: postal challenge", "action_required",
                             "Enter the code of the postal challenge letter", "mustard"))
    else:
        out.append(_tile("identity_profile", title, "done", f"Verified: {profile['organization']}", "mustard"))

    vetted = profile is not None and profile["status"] == "active"
    if not vetted:
        out.append(_tile("api_credentials", "Generate API Credentials", "locked", "Wait for vetting to complete",
                         "yellow"))
    elif not credentials:
        out.append(_tile("api_credentials", "Generate API Credentials", "to_do", "View and Copy", "yellow"))
    elif all(c["status"] == "pending_binding" for c in credentials):
        out.append(_tile("api_credentials", "Generate API Credentials", "in_progress",
                         "GlobalSign is binding your credentials to the MHHS PKI hierarchy", "yellow",
                         min(c["binding_due_at"] for c in credentials)))
    else:
        out.append(_tile("api_credentials", "Generate API Credentials", "done", "Credentials bound", "yellow"))

    if not credentials:
        out.append(_tile("mtls_certificates", "Generate mTLS Certificates", "locked",
                         "Generate API credentials first (and wait for their binding)", "yellow"))
    elif not has_cert:
        out.append(_tile("mtls_certificates", "Generate mTLS Certificates", "to_do", "Directly via the API", "yellow"))
    else:
        out.append(_tile("mtls_certificates", "Generate mTLS Certificates", "done", "Client certificate issued",
                         "yellow"))
    return out


def journey_state(account: dict) -> dict:
    """How an account described by Atlas.describe reads on the console's journey map: its state in words (an
    account whose user set a password is no longer "invited") and who acts next, on which tile."""
    users, tiles_ = account["users"], account["tiles"]
    state = account["status"]
    if state == "invited" and any(u["status"] == "active" for u in users):
        state = "signed up"
    person = next((u for u in users if u["primary"]), users[0] if users else None)
    todo = next((t for t in tiles_ if t["state"] in ("to_do", "action_required")), None)
    busy = next((t for t in tiles_ if t["state"] in ("waiting", "in_progress")), None)
    if todo is not None:
        who = person["email"] if person else "the account's admin"
        next_action = {"who": who, "what": todo["title"], "detail": todo["detail"], "path": "/atlas/dashboard"}
    elif busy is not None:
        next_action = {"who": "GlobalSign", "what": busy["title"], "detail": busy["detail"], "path": None}
    else:
        next_action = None
    return {"state": state, "next": next_action}
