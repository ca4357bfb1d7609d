"""Who may do what in the DIP portal: the guide's role table as data.

Where the guide contradicts itself (its text gives the User Admin "manage DIPIDs", its table gives DIP IDs to
the Message Admin), the sandbox follows the table. Viewing the organisation (details, members) is open to
every role; the audit log of the organisation to User Admins. The DIP Manager acts through its own operations.
"""
from __future__ import annotations

import json

from sandbox.kernel.errors import Forbidden

USER_ADMIN = "MP User Admin"
CERTIFICATE_ADMIN = "MP Certificate Admin"
MESSAGE_ADMIN = "MP Message Admin"
ANALYTICS_READER = "MP Analytics Reader"
ROLES = (USER_ADMIN, CERTIFICATE_ADMIN, MESSAGE_ADMIN, ANALYTICS_READER)

PERMISSIONS: dict[str, frozenset[str]] = {
    "organisation.view": frozenset(ROLES),
    "organisation.verify_details": frozenset({USER_ADMIN}),
    "organisation.request_dcp_status": frozenset({USER_ADMIN}),
    "members.view": frozenset(ROLES),
    "members.manage": frozenset({USER_ADMIN}),
    "audit.view": frozenset({USER_ADMIN}),
    "certificates.view": frozenset(ROLES),
    "certificates.manage": frozenset({CERTIFICATE_ADMIN}),
    "api_keys.manage": frozenset({CERTIFICATE_ADMIN}),
    "dip_ids.manage": frozenset({MESSAGE_ADMIN}),
    "channels.manage": frozenset({MESSAGE_ADMIN}),
    "messages.view": frozenset({MESSAGE_ADMIN}),
    "messages.send_test": frozenset({MESSAGE_ADMIN}),
    "performance.view": frozenset({MESSAGE_ADMIN, ANALYTICS_READER}),
}

WHAT = {
    "organisation.view": "view the organisation", "organisation.verify_details": "verify the company details",
    "organisation.request_dcp_status": "request DIP Connection Provider status",
    "members.view": "view members", "members.manage": "create, edit, extend or offboard members",
    "audit.view": "read the organisation's audit log", "certificates.view": "view the Certificates tab",
    "certificates.manage": "manage certificates (API credentials, domains, create, download, revoke, reissue)",
    "api_keys.manage": "view or regenerate API keys", "dip_ids.manage": "request, edit or delete DIP IDs",
    "channels.manage": "configure message channels", "messages.view": "view sent messages",
    "messages.send_test": "send a test message from the portal",
    "performance.view": "view performance reports",
}


# What a DCP member may do while acting for a Market Participant that nominated the DCP (only on the
# nominated DIP IDs): see them and their keys, and run their message channels. Never the MP's members,
# company details, audit log or DIP IDs themselves.
DCP_CONTEXT_OPERATIONS = frozenset({"organisation.view", "api_keys.manage", "channels.manage", "messages.view",
                                    "messages.send_test", "performance.view"})


def allowed(roles: list[str], operation: str) -> bool:
    return bool(PERMISSIONS[operation] & set(roles))


def may(user: dict, roles: list[str], operation: str) -> bool:
    """Whether `require` lets `user` do `operation`: what a page asks before it offers a button."""
    try:
        require(user, roles, operation)
    except Forbidden:
        return False
    return True


def roles_of(user: dict) -> list[str]:
    return json.loads(user["roles"] or "[]")


def require_manager(user: dict) -> None:
    """The DIP Manager's operations (organisations, whitelists, DCP status, effective dates, every audit log)."""
    if not user.get("is_manager"):
        raise Forbidden("only the DIP Manager can do this")


def require(user: dict, roles: list[str], operation: str) -> None:
    if user.get("is_manager"):
        raise Forbidden("the DIP Manager acts through the DIP Manager operations, not as a member")
    if user.get("dcp_context") and operation not in DCP_CONTEXT_OPERATIONS:
        raise Forbidden(f"acting for another organisation as its DIP Connection Provider, you cannot {WHAT[operation]}")
    if not allowed(roles, operation):
        needed = " or ".join(sorted(PERMISSIONS[operation]))
        raise Forbidden(f"to {WHAT[operation]} you need the role {needed}")
