"""Tables of the DIP simulation (namespace `mock_dip`). Every row belongs to one environment (uit, prod):
a user, organisation or key of one environment never works in the other."""


def migrations():
    def create_tables(db):
        db["dip_organisations"].create({
            "id": str, "environment": str, "company_name": str, "company_number": str, "kind": str,
            "status": str, "description": str, "dcp_status": str, "created_at": float,
        }, pk="id")
        db["dip_users"].create({
            "id": str, "environment": str, "organisation_id": str, "email": str, "first_name": str,
            "last_name": str, "roles": str, "is_manager": int, "is_primary": int, "status": str,
            "password_hash": str, "totp_secret": str, "mfa_enrolled": int, "tou_accepted_at": float,
            "failed_attempts": int, "locked_until": float, "expires_at": float, "created_at": float,
        }, pk="id")
        db["dip_users"].create_index(["environment", "email"])
        db["dip_invitations"].create({"token": str, "user_id": str, "created_at": float, "used_at": float},
                                     pk="token")
        db["dip_sign_in_challenges"].create({"token": str, "user_id": str, "step": str, "created_at": float,
                                             "expires_at": float}, pk="token")
        db["dip_sessions"].create({"token_hash": str, "user_id": str, "created_at": float, "expires_at": float},
                                  pk="token_hash")
        db["dip_audit"].create({"id": int, "environment": str, "at": float, "actor": str, "organisation_id": str,
                                "action": str, "detail": str}, pk="id")
        db["dip_audit"].create_index(["environment", "organisation_id"])
    def organisation_details(db):
        db["dip_whitelisted_domains"].create({"organisation_id": str, "domain": str, "created_at": float},
                                             pk=("organisation_id", "domain"))
        db["dip_organisations"].add_column("details_verified_at", float)
        db["dip_users"].add_column("dip_id_scope", str)
    def dip_ids(db):
        db["dip_ids"].create({
            "dip_id": str, "environment": str, "organisation_id": str, "role_code": str, "mpid": str,
            "mp_role_code": str, "effective_from": str, "effective_to": str, "primary_key": str,
            "secondary_key": str, "created_at": float,
        }, pk=("environment", "dip_id"))
        db["dip_ids"].create_index(["organisation_id"])
        db["dip_ids"].create_index(["primary_key"])
        db["dip_ids"].create_index(["secondary_key"])
    def dcps(db):
        db["dip_dcp_ids"].create({"dcp_id": str, "environment": str, "organisation_id": str, "created_at": float},
                                 pk=("environment", "dcp_id"))
        db["dip_nominations"].create({"environment": str, "dip_id": str, "dcp_id": str, "dcp_organisation_id": str,
                                      "mp_organisation_id": str, "created_at": float},
                                     pk=("environment", "dip_id", "dcp_id"))
    return [create_tables, organisation_details, dip_ids, dcps]
