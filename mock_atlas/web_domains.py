"""The Atlas pages of an account's domains and users: claim a domain, verify its DNS TXT record (or get a new
code, or delete it), and the Atlas admin users (add by invitation, remove)."""
from __future__ import annotations

from flask import Blueprint, g, request

from mock_atlas.atlas_pages import account_id, act, page
from mock_atlas.portal_requests import atlas_of_app


def add_domain_and_user_pages(bp: Blueprint) -> None:
    # -- domains and users ---------------------------------------------------------------------------
    def domains_context():
        domains = atlas_of_app().domains
        listed = [{**d, "token": domains.token(account_id(), d["id"]) if d["status"] != "VERIFIED" else None}
                  for d in domains.list(account_id())[0]]
        return {"title": "Domains", "current": "domains", "domains": listed}

    @bp.route("/domains", methods=["GET", "POST"])
    def domains():
        if request.method == "GET":
            return page("domains.html", errors={}, values={}, **domains_context())
        return act(lambda: atlas_of_app().domains.claim(account_id(), request.form.get("domain", "")),
                   lambda claimed: f"Domain {claimed['domain']} added: publish its DNS verification code as a TXT "
                                   "record.", ".domains", "domains.html", domains_context)

    @bp.post("/domains/<claim_id>/<action>")
    def domain_action(claim_id: str, action: str):
        domains = atlas_of_app().domains
        operations = {"verify": (lambda: domains.verify_dns(account_id(), claim_id),
                                 lambda checked: f"Verification: {checked['result']}."),
                      "reset": (lambda: domains.reassert(account_id(), claim_id), "New verification code issued."),
                      "delete": (lambda: domains.delete(account_id(), claim_id), "Domain deleted.")}
        if action not in operations:
            return page("domains.html", errors={"_form": f"unknown action {action}"}, values={},
                        **domains_context()), 404
        operation, success = operations[action]
        return act(operation, success, ".domains", "domains.html", domains_context)

    # -- users -------------------------------------------------------------------------------------
    def users_context():
        return {"title": "Users", "current": "users", "users": atlas_of_app().users.list(account_id())}

    @bp.route("/users", methods=["GET", "POST"])
    def users():
        if request.method == "GET":
            return page("users.html", errors={}, values={}, **users_context())
        payload = {k: request.form.get(k, "") for k in ("email", "first_name", "last_name")}
        return act(lambda: atlas_of_app().users.add_admin_user(g.atlas_page_user, payload),
                   lambda added: f"Atlas admin user {added['email']} added: an invitation email was sent.", ".users",
                   "users.html", users_context)

    @bp.post("/users/<user_id>/delete")
    def remove_user(user_id: str):
        return act(lambda: atlas_of_app().users.remove(g.atlas_page_user, user_id), "User removed.", ".users",
                   "users.html", users_context)
