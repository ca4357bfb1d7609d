"""Tables of the Atlas simulation (namespace `mock_atlas` in the store)."""


def migrations():
    def create_tables(db):
        db["atlas_accounts"].create({
            "id": str, "created_at": float, "company_name": str, "website": str, "address_line_1": str,
            "address_line_2": str, "city": str, "postal_code": str, "country": str,
            "registered_name": str, "company_number": str, "hq_phone": str, "registered_address": str,
            "hq_puts_through": int, "status": str, "payment_method": str, "quotation_status": str,
            "quotation_ready_at": float, "quotation_accepted_at": float, "identity_tile_ready": int,
            "vetting_outcome": str, "vetting_reason": str,
        }, pk="id")
        db["atlas_users"].create({
            "id": str, "account_id": str, "email": str, "first_name": str, "last_name": str, "job_title": str,
            "phone": str, "status": str, "password_hash": str, "created_at": float, "is_primary": int,
        }, pk="id", foreign_keys=[("account_id", "atlas_accounts", "id")])
        db["atlas_users"].create_index(["email"])
        db["atlas_invitations"].create({"token": str, "user_id": str, "created_at": float, "sent_at": float,
                                        "used_at": float}, pk="token")
        db["atlas_reset_codes"].create({"id": str, "user_id": str, "code": str, "created_at": float,
                                        "expires_at": float, "used_at": float}, pk="id")
        db["atlas_sessions"].create({"token_hash": str, "user_id": str, "created_at": float, "expires_at": float},
                                    pk="token_hash")
        db["atlas_identity_profiles"].create({
            "id": str, "account_id": str, "profile_name": str, "organization": str, "locality": str, "state": str,
            "country": str, "status": str, "submitted_at": float, "vetting_due_at": float, "decided_at": float,
            "reason": str, "postal_code": str, "postal_sent_at": float,
        }, pk="id")
        db["atlas_credentials"].create({
            "api_key": str, "account_id": str, "familiar_name": str, "method": str, "service_id": str,
            "secret_salt": str, "secret_hash": str, "status": str, "created_at": float, "binding_due_at": float,
            "bound_at": float, "revoked_at": float, "created_by": str,
        }, pk="api_key")
        db["atlas_client_certificates"].create({"serial": str, "account_id": str, "api_key": str,
                                                "created_at": float}, pk="serial")
        db["atlas_domains"].create({
            "id": str, "account_id": str, "domain": str, "token": str, "status": str, "created_at": float,
            "assert_by": float, "verified_at": float, "expires_at": float, "last_method": str, "log": str,
        }, pk="id")
        db["atlas_domains"].create_index(["account_id", "domain"])
    def hvca_tables(db):
        db["atlas_accounts"].add_column("issuance_quota", int)
        db["atlas_certificates"].create({
            "serial": str, "account_id": str, "api_key": str, "profile": str, "issued_at": float, "ready_at": float,
            "not_before": float, "not_after": float, "request": str,
        }, pk="serial")
        db["atlas_certificates"].create_index(["account_id", "issued_at"])
        db["atlas_api_tokens"].create({"token_hash": str, "api_key": str, "account_id": str, "created_at": float,
                                       "expires_at": float}, pk="token_hash")
        db["atlas_domains"].add_column("check_pending_since", float)
        db["atlas_email_verifications"].create({"token": str, "claim_id": str, "address": str, "created_at": float,
                                                "used_at": float}, pk="token")
    def statistics_indexes(db):
        # GET /v2/stats/issued|expiring: an account's certificates in the window's order, from the index
        db.execute("drop index if exists idx_atlas_certificates_account_id_issued_at")
        db.execute("create index atlas_certificates_issued on atlas_certificates (account_id, issued_at, serial)")
        db.execute("create index atlas_certificates_expiring on atlas_certificates (account_id, not_after, serial)")
    def issued_counts(db):
        # the quota's count of an account's certificates, kept by SQLite as they are written: one row read per
        # order (it is read under the store's lock), however many the account has issued
        db.execute("create table atlas_issued_counts (account_id text primary key, n integer not null)")
        db.execute("insert into atlas_issued_counts select account_id, count(*) from atlas_certificates group by 1")
        db.execute("create trigger atlas_count_issued after insert on atlas_certificates begin "
                   "insert into atlas_issued_counts (account_id, n) values (new.account_id, 1) "
                   "on conflict (account_id) do update set n = n + 1; end")
    return [create_tables, hvca_tables, statistics_indexes, issued_counts]
