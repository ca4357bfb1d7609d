"""A fully onboarded organisation in one call, for CI pipelines, trainers and tests (control API
`POST /_sandbox/dip/{env}/organisations`): details verified, a Primary Admin with every role (password set;
MFA enrolment at first sign-in), DIP IDs with the roles asked for — exact DIP ID values when given, so fixture
files with fixed IDs work —, with `dcp: true` approved DCP status and a DCP ID, an mTLS & Signing certificate
and its key (issued by the DIP CA directly: the Atlas journey is what the portal rehearses, not what a CI job
needs), and webhooks when given."""
from __future__ import annotations

import base64
import json
import hashlib
import re
from datetime import timedelta

from mock_ca.csr import build_csr
from mock_ca.keys import key_to_pem
from mock_ca.pkcs12 import write_pfx
from mock_dip.dip_certificates import PURPOSES, SubjectName, purpose_of
from mock_dip.permissions import ROLES
from mock_dip.service import Dip
from sandbox.kernel import form_checks as f
from sandbox.kernel.clock import real_now
from sandbox.kernel.errors import InvalidInput
from sandbox.kernel.passwords import hash_password

DEFAULT_PASSWORD = "sandbox-password-1"


_COMMON_NAME_MAX = 64  # X.509 upper bound of a common name (RFC 5280 ub-common-name)
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _domain_of(company: str, longest: int) -> str:
    """A domain for a company without one: its words (no Ltd, plc...), cut to fit the certificate's common
    name; a name without Latin letters or digits ("日本語 Ltd") gets a stable label made from it."""
    words = [w for w in re.findall(r"[a-z0-9]+", company.lower()) if w not in ("ltd", "limited", "plc", "co")]
    label = "-".join(words) or "org-" + hashlib.sha256(company.encode()).hexdigest()[:10]
    label = label[:min(63, longest - len(".example"))].strip("-")
    return label + ".example"


def _domain(ctx, payload: dict, company: str) -> str:
    """The organisation's domain: given (a host name that fits the common name) or derived from the company."""
    longest = _COMMON_NAME_MAX - len(f"{ctx.certificate_prefix}.sandbox.")
    given = payload.get("domain")
    if not given:
        return _domain_of(company, longest)
    domain = str(given).strip().lower()
    if not _HOSTNAME.match(domain):
        raise InvalidInput(f"domain {given!r} is not a host name (e.g. super-energy.example)", field="domain")
    if len(domain) > longest:
        raise InvalidInput(f"domain {given!r} is {len(domain)} characters; here it can have at most {longest}: the "
                           f"certificate's common name {ctx.certificate_prefix}.sandbox.<domain> has at most "
                           f"{_COMMON_NAME_MAX}", field="domain")
    return domain


def onboard_organisation(dip: Dip, payload) -> dict:
    payload = f.form(payload)
    ctx = dip.ctx
    company = str(payload.get("company_name") or f"Sandbox Participant {ctx.random.hex(3, upper=True)}")
    domain = _domain(ctx, payload, company)
    dip_id_specs = payload.get("dip_ids", [{"role_code": "SUP"}])
    if not isinstance(dip_id_specs, list) or not all(isinstance(d, dict) for d in dip_id_specs):
        raise InvalidInput("dip_ids is a list of {\"role_code\", \"dip_id\"?, \"mpid\"?, \"effective_from\"?, "
                           "\"webhooks\"?: {\"IF-041\": url}}", field="dip_ids")
    webhooks = payload.get("webhooks") or {}
    if not isinstance(webhooks, dict):
        raise InvalidInput("webhooks maps an interface (IF-041), STATUS or * (every interface and STATUS) to a "
                           "callback URL", field="webhooks")
    password = str(payload.get("password") or DEFAULT_PASSWORD)
    key, csr, subject = _key_and_request(ctx, domain)  # before the transaction: making a key takes a while
    now = ctx.clock.now_unix()
    email = str(payload.get("admin_email") or f"admin@{domain}")
    with ctx.store.transaction():
        organisation_id = dip.organisations.create(
            company, status="active", company_number=str(payload.get("company_number") or ctx.random.digits(8)),
            description="onboarded in one call", dcp_status="approved" if payload.get("dcp") else "none",
            domains=[domain], verified=True)
        user = dip.identity.create_user(organisation_id, email, "Primary", "Admin", list(ROLES), primary=True,
                                        expires_at=now + ctx.profile.wait("member_access").total_seconds())
        _activate(dip, user["id"], password)
        actor = _actor(organisation_id, email)
        dip_ids = []
        for index, spec in enumerate(dip_id_specs):
            values = {"role_code": spec.get("role_code", "SUP"),
                      "mpid": spec.get("mpid") or f"{ctx.random.hex(2, upper=True)}",
                      "effective_from": spec.get("effective_from") or ctx.clock.now().date().isoformat(),
                      "effective_to": spec.get("effective_to")}
            created = dip.dip_ids.create(actor, values, fixed_dip_id=spec.get("dip_id"))
            for name, url in {**webhooks, **(spec.get("webhooks") or {})}.items():
                for channel in dip.webhooks.channels(name):
                    dip.webhooks.set(created["dip_id"], channel, {"callbackURL": url}, email)
            dip_ids.append(_with_keys(dip, actor, created))
        dcp_id = dip.dcps.create_dcp_id(actor)["dcp_id"] if payload.get("dcp") else None
        certificate = _issue(dip, organisation_id, email, key, csr, subject)
        dip.audit.record("control API", "organisation onboarded in one call", organisation_id,
                         dip_ids=[d["dip_id"] for d in dip_ids])
    dip.delivery.wake()
    return {"organisation_id": organisation_id, "environment": ctx.environment, "company_name": company,
            "domain": domain, "dip_ids": dip_ids, "dcp_id": dcp_id, **certificate,
            "members": [{"email": email, "password": password, "roles": list(ROLES)}]}


def make_promoted_ready(dip: Dip, organisation_id: str, password: str = DEFAULT_PASSWORD) -> dict:
    """What one call makes of an organisation just promoted to this environment: its invited Primary Admin active
    with `password`, an mTLS & Signing certificate and its key, and the DIP IDs with their (new) API keys."""
    ctx = dip.ctx
    organisation = dip.organisations.get(organisation_id)
    domain = dip.organisations.whitelisted(organisation_id)[0]
    key, csr, subject = _key_and_request(ctx, domain)
    admin = ctx.one("select * from dip_users where organisation_id = ? and is_primary = 1", [organisation_id])
    with ctx.store.transaction():
        _activate(dip, admin["id"], password)
        actor = _actor(organisation_id, admin["email"])
        rows = ctx.store.query("select * from dip_ids where environment = ? and organisation_id = ? "
                               "order by created_at, dip_id", [ctx.environment, organisation_id])
        dip_ids = [_with_keys(dip, actor, row) for row in rows]
        certificate = _issue(dip, organisation_id, admin["email"], key, csr, subject)
    return {"organisation_id": organisation_id, "environment": ctx.environment,
            "company_name": organisation["company_name"], "domain": domain, "dip_ids": dip_ids, **certificate,
            "members": [{"email": admin["email"], "password": password, "roles": json.loads(admin["roles"])}]}


def _key_and_request(ctx, domain: str, purpose: str = "mtlssigning", host: str = "sandbox"):
    subject = SubjectName(host, domain, PURPOSES[purpose], f"{ctx.certificate_prefix}.{host}.{domain}")
    key = ctx.cas.keys.new_rsa_key(4096)
    csr = build_csr(key, subject.subject_name, [subject.dn_and_h, subject.subject_name])
    return key, csr, subject


def _activate(dip: Dip, user_id, password: str) -> None:
    with dip.ctx.store.transaction() as db:
        db["dip_users"].update(user_id, {"status": "active", "password_hash": hash_password(password),
                                         "dip_id_scope": "all"})


def _actor(organisation_id: str, email: str) -> dict:
    return {"email": email, "organisation_id": organisation_id, "is_manager": 0,
            "roles": json.dumps(list(ROLES)), "dip_id_scope": "all"}


def _with_keys(dip: Dip, actor: dict, created: dict) -> dict:
    keys = dip.dip_ids.api_keys(actor, created["dip_id"])
    return {"dip_id": created["dip_id"], "role": created["role_code"], "mpid": created["mpid"],
            "api_key": keys["primary"], "secondary_api_key": keys["secondary"]}


def _issue(dip: Dip, organisation_id: str, email: str, key, csr, subject, expired: bool = False) -> dict:
    ctx = dip.ctx
    if expired:  # valid for a day that ended a second ago, in sandbox and in real time
        end = min(ctx.clock.now(), real_now()) - timedelta(seconds=1)
        issued = ctx.cas.issue(subject.purpose.profile, csr, not_before=end - timedelta(days=1), not_after=end)
    else:
        issued = ctx.cas.issue(subject.purpose.profile, csr)
    certificate = dip.certificates.record_issued(organisation_id, subject, issued.pem, email)
    return {"certificate_serial": certificate["serial_number"], "certificate_pem": issued.pem, "key_pem": key_to_pem(key),
            "pfx_base64": base64.b64encode(write_pfx(key, issued.certificate)).decode(),
            "signing_certificate_pem": issued.pem,
            "chain_pem": "".join(a.pem for a in ctx.cas.chain("dip-issuing"))}


def issue_certificate(dip: Dip, organisation_id: str, payload) -> dict:
    """Another DIP certificate for an organisation, in one call (control API `POST .../organisations/{id}/
    certificates`): `purpose` mTLS, Signing or mTLS & Signing (default), a new key, issued by the DIP CA directly
    as the one-call organisation's own — `expired: true` for one whose validity has just ended, what a client's
    expiry handling needs; the files a client needs, as `onboard_organisation` answers them."""
    payload = f.form(payload)
    ctx = dip.ctx
    organisation = dip.organisations.get(organisation_id)
    purpose = purpose_of(payload.get("purpose") or "mTLS & Signing")
    key_name = next(k for k, p in PURPOSES.items() if p == purpose)
    domain = dip.organisations.whitelisted(organisation_id)[0]
    # a host name of the one-call certificate's length ("sandbox"): the domain was chosen to fit 64 characters
    key, csr, subject = _key_and_request(ctx, domain, key_name, f"c{ctx.random.hex(3)}")
    with ctx.store.transaction():
        expired = payload.get("expired", False)
        if not isinstance(expired, bool):
            raise InvalidInput("expired is true or false", field="expired")
        made = _issue(dip, organisation_id, "control API", key, csr, subject, expired)
    if "Signing" not in purpose.label:
        made["signing_certificate_pem"] = None  # an mTLS certificate does not sign messages
    return {"organisation_id": organisation_id, "environment": ctx.environment,
            "company_name": organisation["company_name"], "purpose": purpose.label, **made}
