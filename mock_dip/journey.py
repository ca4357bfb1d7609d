"""Where an organisation stands in its DIP onboarding (onboarding-journey.md B.1–B.7 and C), step by step, for
the sandbox console's journey map: done, to do (someone acts now), waiting (for another party) or optional."""
from __future__ import annotations

from mock_dip.permissions import roles_of
from mock_dip.permissions import CERTIFICATE_ADMIN, MESSAGE_ADMIN
from mock_dip.service import Dip


# who acts on a step that is to do, and the page where they do it
ACTORS = {"B.1": ("MP User Admin", "home"), "B.2": ("MP User Admin", "home"),
          "B.3": ("MP User Admin", "organisation?tab=members"),
          "B.4": (CERTIFICATE_ADMIN, "organisation?tab=certificates"),
          "B.5": (MESSAGE_ADMIN, "organisation?tab=dip-ids"), "B.7": (MESSAGE_ADMIN, "channels")}


def _step(number: str, title: str, state: str, detail: str) -> dict:
    return {"step": number, "title": title, "state": state, "detail": detail}


def _next_action(dip: Dip, steps: list[dict], users: list[dict]) -> dict | None:
    """The first step to do, who does it (a member with the role, the Primary Admin for B.1 and B.2) and where."""
    step = next((s for s in steps if s["state"] == "to_do"), None)
    if step is None or step["step"] not in ACTORS:
        return None
    role, path = ACTORS[step["step"]]
    primary = step["step"] in ("B.1", "B.2")
    person = next((u for u in users if (u["is_primary"] if primary else role in roles_of(u))), None) or \
        next((u for u in users if u["is_primary"]), None)
    return {"step": step["step"], "title": step["title"], "role": "Primary Admin" if primary else role,
            "email": person["email"] if person else None, "user_id": person["id"] if person else None,
            "path": f"/dip/{dip.ctx.environment}/{path}"}


def members(dip: Dip, users: list[dict]) -> list[dict]:
    """The organisation's members as the console's "Sign in as" shows them (with the code their app shows now)."""
    return [{"id": u["id"], "email": u["email"], "roles": roles_of(u), "status": u["status"],
             "ready": u["status"] == "active" and bool(u["mfa_enrolled"]) and bool(u["tou_accepted_at"]),
             "totp_now": dip.identity.totp_now(u)} for u in users]


def organisation_journey(dip: Dip, organisation_id: str) -> dict:
    ctx = dip.ctx
    organisation = dip.organisations.get(organisation_id)
    users = dip.identity.active_members(organisation_id)
    primary = next((u for u in users if u["is_primary"]), None)
    steps = []
    if primary and primary["status"] == "active":
        steps.append(_step("B.1", "Invitation and first sign-in", "done", f"{primary['email']} signed up"))
    else:
        steps.append(_step("B.1", "Invitation and first sign-in", "waiting",
                           f"{primary['email'] if primary else 'the Primary Admin'} has not set a password yet "
                           "(invitation email in the outbox)"))
    steps.append(_step("B.2", "Verify company details", "done" if organisation["details_verified_at"] else "to_do",
                       "verified" if organisation["details_verified_at"] else "the Primary Admin verifies them"))
    has = {role: any(role in roles_of(u) for u in users) for role in (CERTIFICATE_ADMIN, MESSAGE_ADMIN)}
    steps.append(_step("B.3", "Members: a Certificate Admin and a Message Admin",
                       "done" if all(has.values()) else "to_do",
                       f"{len(users)} member(s)" + ("" if all(has.values()) else "; missing: " +
                                                    ", ".join(r for r, ok in has.items() if not ok))))
    done = dip.certificate_onboarding.completed_stages(organisation_id)
    current = next((i + 1 for i, d in enumerate(done) if not d), None)
    issued = ctx.one("select count(*) as n from dip_certificates where environment = ? and organisation_id = ? "
                     "and status = 'ISSUED'", [ctx.environment, organisation_id])["n"]
    if current is not None and issued:  # onboarded in one call (control API, scenarios): the stages were skipped
        steps.append(_step("B.4", "Certificates tab (5 stages)", "done",
                           f"{issued} DIP certificate(s) issued in one call; the five stages were skipped"))
    else:
        steps.append(_step("B.4", "Certificates tab (5 stages)", "done" if current is None else "to_do",
                           "a DIP certificate is issued" if current is None else f"stage {current} of 5 is next"))
    dip_ids = ctx.store.query("select dip_id from dip_ids where environment = ? and organisation_id = ?",
                              [ctx.environment, organisation_id])
    steps.append(_step("B.5", "DIP IDs", "done" if dip_ids else "to_do",
                       f"{len(dip_ids)} DIP ID(s)" if dip_ids else "the Message Admin creates one"))
    dcp = organisation["dcp_status"]
    steps.append(_step("B.6", "DIP Connection Provider", {"approved": "done", "requested": "waiting"}.get(dcp, "optional"),
                       {"approved": "approved DCP", "requested": "waiting for the DIP Manager's decision"}.get(
                           dcp, "not requested (optional)")))
    ids = [d["dip_id"] for d in dip_ids]
    webhooks = sum(len(dip.webhooks.for_recipient(i)) for i in ids)
    sent = sum(dip.channels.counts.sent(ids).values())
    delivered = dip.channels.counts.states(ids).get("Delivered", 0)
    steps.append(_step("B.7", "Message channels", "done" if webhooks and (sent or delivered) else "to_do",
                       f"{webhooks} webhook(s), {sent} message(s) sent, {delivered} delivered to it"))
    if ctx.environment == "uit":
        promoted = ctx.one("select id from dip_organisations where environment = 'prod' and promoted_from = ?",
                           [organisation_id])
        steps.append(_step("C", "Promotion to Production", "done" if promoted else "waiting",
                           f"Production organisation {promoted['id']}" if promoted
                           else "the DIP Manager promotes it when UIT is complete"))
    atlas = ctx.one("select atlas_account_id from dip_atlas_credentials where environment = ? and organisation_id = ? "
                    "and atlas_account_id is not null order by coalesce(saved_at, validated_at) desc limit 1",
                    [ctx.environment, organisation_id])
    return {"organisation_id": organisation_id, "company_name": organisation["company_name"],
            "environment": ctx.environment, "steps": steps, "atlas_account_id": atlas["atlas_account_id"] if atlas
            else None, "next": _next_action(dip, steps, users), "members": members(dip, users)}
