"""Tables of the DIP simulation (namespace `mock_dip`). Every row belongs to one environment (uit, prod):
a user, organisation or key of one environment never works in the other."""


from mock_dip import delivery_counts


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
    def certificates(db):
        # The Certificates tab: stage 1 confirmed, the DIP's copy of the Atlas API credentials (drafts until
        # saved), domain claims made through Atlas, DIP certificates, and the DIP's own certificates.
        db["dip_certificate_onboarding"].create({
            "environment": str, "organisation_id": str, "registration_confirmed_at": float,
            "registration_confirmed_by": str}, pk=("environment", "organisation_id"))
        db["dip_atlas_credentials"].create({
            "id": str, "environment": str, "organisation_id": str, "api_key": str, "api_secret": str,
            "pfx_base64": str, "certificate_serial": str, "certificate_not_after": float, "atlas_account_id": str,
            "status": str, "validated_by": str, "validated_at": float, "saved_at": float}, pk="id")
        db["dip_atlas_credentials"].create_index(["environment", "organisation_id", "status"])
        db["dip_certificate_domains"].create({
            "environment": str, "organisation_id": str, "domain": str, "claim_id": str, "token": str,
            "status": str, "created_at": float, "created_by": str, "verified_at": float, "last_result": str,
            "last_reason": str, "last_checked_at": float}, pk=("environment", "organisation_id", "domain"))
        db["dip_certificates"].create({
            "environment": str, "serial": str, "organisation_id": str, "common_name": str, "host_name": str,
            "domain": str, "purpose": str, "status": str, "created_at": float, "created_by": str,
            "not_before": float, "not_after": float, "certificate_pem": str, "credentials_id": str,
            "reissue_of": str, "superseded_by": str, "revoked_at": float, "revocation_reason": str},
            pk=("environment", "serial"))
        db["dip_certificates"].create_index(["environment", "organisation_id"])
        db["dip_own_certificates"].create({
            "environment": str, "purpose": str, "serial": str, "certificate_pem": str, "key_pem": str,
            "created_at": float}, pk=("environment", "purpose"))
    def messages(db):
        # The message API: accepted messages (one transaction per message and primary recipient), the senders'
        # unique references, one delivery per transaction and recipient, and the webhooks.
        db["dip_messages"].create({
            "environment": str, "transaction_id": str, "interface_id": str, "event_code": str,
            "sender_dip_id": str, "sender_organisation_id": str, "sender_unique_reference": str,
            "correlation_id": str, "dcp_id": str, "primary_recipient": str, "payload": str, "mpan": str,
            "schema_version": str, "sent_timestamp": str, "received_at": float, "received_real_at": float},
            pk=("environment", "transaction_id"))
        db["dip_messages"].create_index(["environment", "sender_dip_id", "received_at"])
        db["dip_submissions"].create({"environment": str, "sender_dip_id": str, "sender_unique_reference": str,
                                      "received_at": float}, pk=("environment", "sender_dip_id",
                                                                 "sender_unique_reference"))
        db["dip_deliveries"].create({
            "id": int, "environment": str, "transaction_id": str, "publication_id": str, "recipient_dip_id": str,
            "recipient_kind": str, "interface_id": str, "state": str, "attempts": int, "next_attempt_at": float,
            "last_status": int, "last_error": str, "created_at": float, "created_real_at": float,
            "delivered_at": float, "delivered_real_at": float, "replay": int}, pk="id")
        db["dip_deliveries"].create_index(["environment", "state", "next_attempt_at"])
        db["dip_deliveries"].create_index(["environment", "recipient_dip_id", "interface_id", "id"])
        db["dip_deliveries"].create_index(["environment", "transaction_id"])
        db["dip_delivery_log"].create({"id": int, "delivery_id": int, "at": float, "state": str, "status": int,
                                       "detail": str}, pk="id")
        db["dip_delivery_log"].create_index(["delivery_id"])
        db["dip_webhooks"].create({"environment": str, "recipient_dip_id": str, "channel": str, "callback_url": str,
                                   "created_at": float, "created_by": str},
                                  pk=("environment", "recipient_dip_id", "channel"))
    def status_messages(db):
        # Business status sent back by recipients (POST /statusmessage), delivered to the original sender's
        # status webhook through the same delivery queues (channel STATUS).
        db["dip_status_messages"].create({"id": int, "environment": str, "transaction_id": str, "from_dip_id": str,
                                          "to_dip_id": str, "item": str, "received_at": float}, pk="id")
        db["dip_deliveries"].add_column("status_message_id", int)
    def promotion(db):
        db["dip_organisations"].add_column("promoted_from", str)
    def auto_replies(db):
        # Rules of mock_dip.auto_replies: on receiving on_interface, answer after after_seconds.
        db["dip_auto_replies"].create({
            "id": int, "environment": str, "organisation_id": str, "on_interface": str, "reply_interface": str,
            "reply_event": str, "status_message": int, "after_seconds": float, "created_at": float}, pk="id")
        db["dip_auto_replies"].create_index(["environment", "organisation_id", "on_interface"])
    def webhook_inbox(db):
        # What reached the sandbox's built-in webhook of a DIP ID (mock_dip.webhook_inbox), with the signature check.
        db["dip_inbox"].create({"id": int, "environment": str, "dip_id": str, "channel": str, "arrived_at": float,
                                "arrived_real_at": float, "status": int, "signature_valid": int,
                                "signature_problem": str, "transaction_ids": str, "body": str}, pk="id")
        db["dip_inbox"].create_index(["environment", "dip_id", "id"])
    def mpans(db):
        # The MPAN tab (mock_dip.mpans): messages looked up by MPAN, and MPANs a scenario seeds.
        db["dip_messages"].create_index(["environment", "mpan", "received_at"])
        db["dip_mpans"].create({"environment": str, "mpan_core": str, "gsp_group": str, "note": str,
                                "created_at": float}, pk=("environment", "mpan_core"))
    def growth_indexes(db):
        # Flat cost as the store grows (issue 19; tests/test_query_plans.py): each hot query has an index that
        # gives its rows in its order, without walking delivered or old rows.
        db.execute("drop index if exists idx_dip_deliveries_environment_recipient_dip_id_interface_id_id")
        # the delivery worker's queues: only open deliveries
        db.execute("create index dip_deliveries_open on dip_deliveries (environment, recipient_dip_id, interface_id, "
                   "id) where state in ('Pending', 'Retrying')")
        # replay and requeue: a recipient's interface by when the DIP received the message (created_at is that
        # moment for every delivery made at ingress, replay = 0)
        db.execute("create index dip_deliveries_replay on dip_deliveries (environment, recipient_dip_id, interface_id, "
                   "created_at) where replay = 0")
        # the received list: every interface of a recipient, newest first
        db.execute("create index dip_deliveries_received on dip_deliveries (environment, recipient_dip_id, "
                   "created_at) where replay = 0 and status_message_id is null")
        # the Performance page and the journey map read running totals (mock_dip.delivery_counts)
        db["dip_deliveries"].add_column("latency_ms", float)
        db["dip_deliveries"].add_column("latency_bucket", int)
        db.execute("update dip_deliveries set latency_ms = (delivered_real_at - created_real_at) * 1000 "
                   "where delivered_real_at is not null")
        delivery_counts.tables(db)
        delivery_counts.backfill(db)
        for trigger in delivery_counts.triggers():
            db.execute(trigger)
    return [create_tables, organisation_details, dip_ids, dcps, certificates, messages, status_messages, promotion,
            auto_replies, webhook_inbox, mpans, growth_indexes]
