"""The DIP simulation of one environment: its parts wired together."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from certifi import where as certifi_where

from sandbox.kernel import form_checks as f
from sandbox.kernel.errors import Forbidden, InvalidInput
from seed_data.role_codes import role

from mock_dip.atlas_connection import AtlasConnection
from mock_dip.audit import Audit
from mock_dip.auto_replies import AutoReplies
from mock_dip.certificate_onboarding import CertificateOnboarding
from mock_dip.context import DipContext
from mock_dip.dcps import Dcps
from mock_dip.dip_certificates import DipCertificates
from mock_dip.delivery import DeliveryPolicy, DeliveryWorker
from mock_dip.delivery_report import DeliveryReport
from mock_dip.dip_ids import DipIds
from mock_dip.identity import Identity
from mock_dip.members import Members
from mock_dip.mishaps import DipMishaps
from mock_dip.mpans import Mpans
from mock_dip.message_channels import MessageChannels
from mock_dip.message_composer import MessageComposer
from mock_dip.message_ingress import MessageIngress
from mock_dip.message_senders import MessageSenders
from mock_dip.organisations import Organisations
from mock_dip.own_certificates import OwnCertificates
from mock_dip.publisher import Publisher
from mock_dip.replay import Replay
from mock_dip.status_messages import StatusMessages
from mock_dip.webhook_inbox import WebhookInbox
from mock_dip.webhooks import Webhooks


class Dip:
    def __init__(self, ctx: DipContext, delivery_policy: DeliveryPolicy = DeliveryPolicy(),
                 trust_bundle: Callable[[], Path] | None = None, record: Callable[..., object] | None = None):
        self.ctx = ctx
        self.audit = Audit(ctx)
        self.identity = Identity(ctx, self.audit)
        self.organisations = Organisations(ctx, self.identity, self.audit)
        self.members = Members(ctx, self.identity, self.organisations, self.audit)
        self.dip_ids = DipIds(ctx, self.audit)
        self.dcps = Dcps(ctx, self.organisations, self.dip_ids, self.audit)
        self.certificate_onboarding = CertificateOnboarding(ctx, self.audit, AtlasConnection(ctx))
        self.certificates = DipCertificates(ctx, self.audit, self.certificate_onboarding)
        self.own_certificates = OwnCertificates(ctx)
        self.senders = MessageSenders(ctx, self.dip_ids, self.certificates)
        self.ingress = MessageIngress(ctx, ctx.messages.signature_skew)
        self.webhooks = Webhooks(ctx)
        self.replay = Replay(ctx, self.webhooks)
        self.status_messages = StatusMessages(ctx)
        self.inbox = WebhookInbox(ctx, self.own_certificates)
        self.channels = MessageChannels(ctx, self.dip_ids, self.webhooks, self.inbox)
        self.delivery_report = DeliveryReport(ctx, self.webhooks)
        self.delivery = DeliveryWorker(ctx, self.own_certificates, delivery_policy,
                                       trust_bundle or (lambda: Path(certifi_where())), record)
        self.publisher = Publisher(ctx, self.ingress, self.counterpart, self.delivery.wake, record)
        self.auto_replies = AutoReplies(ctx, self.publisher, self.status_messages) if ctx.scheduler else None
        self.mpans = Mpans(ctx)
        self.mishaps = DipMishaps(ctx, self.audit, self.certificates)
        self.composer = MessageComposer(ctx, self.publisher, self.dip_ids.list, self.counterpart)

    def create_central_dip_id(self, manager: dict, payload) -> dict:
        """A DIP ID of a central service (MDS, VAS, REGS, ...) in its DIP-Manager-owned organisation, so that
        messages to and from central services can be simulated."""
        if not manager["is_manager"]:
            raise Forbidden("only the DIP Manager creates central services")
        payload = f.form(payload)
        entry = role(str(payload.get("role_code", "")))
        if entry is None:
            raise InvalidInput("role_code is a DIP role code (e.g. VAS, MDS, REGS, ISD)", field="role_code")
        organisation = self.organisations.central_organisation(manager, entry.role_id, entry.service_name,
                                                               entry.central_service)
        acting = {"email": manager["email"], "organisation_id": organisation["id"], "is_manager": 1}
        created = self.dip_ids.create(acting, {**payload, "role_code": entry.role_id}, central=True)
        return {**created, "organisation": self.organisations.describe(organisation)}

    def counterpart(self, role_code: str) -> dict:
        """An effective DIP ID of `role_code` in a DIP-Manager-owned organisation (a central service or a sandbox
        counterpart), made on first use: who the sandbox sends as."""
        today = self.ctx.clock.now().date().isoformat()
        row = self.ctx.one("select d.* from dip_ids d join dip_organisations o on o.id = d.organisation_id where "
                           "d.environment = ? and d.role_code = ? and o.kind = 'central' and d.effective_from <= ? "
                           "and (d.effective_to is null or d.effective_to >= ?) order by d.dip_id",
                           [self.ctx.environment, role_code, today, today])
        if row is not None:
            return row
        created = self.create_central_dip_id(self.identity.manager(), {"role_code": role_code, "effective_from": today})
        return self.ctx.one("select * from dip_ids where environment = ? and dip_id = ?",
                            [self.ctx.environment, created["dip_id"]])
