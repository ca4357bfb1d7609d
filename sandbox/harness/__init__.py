"""dip-sandbox as a test dependency: start sandboxes (in this process or as a subprocess) and drive them through a
small typed API over the control API. The pytest plugin (`sandbox.pytest_plugin`) builds its fixtures from this;
scripts can use it directly::

    from sandbox.harness import start_sandbox
    with start_sandbox(tmp_dir) as dip_sandbox:
        scenario = dip_sandbox.load_scenario("uit-onboarded")
"""
from sandbox.harness.handle import (AtlasAccount, DipIdCredentials, Email, Endpoints, Organisation, SandboxHandle,
                                    ScenarioState, ServerCertificate)
from sandbox.harness.launch import pinned_ca, start_sandbox
from sandbox.harness.message_client import DipClient
from sandbox.harness.webhook_receiver import Delivery, WebhookReceiver

__all__ = ["AtlasAccount", "Delivery", "DipClient", "DipIdCredentials", "Email", "Endpoints", "Organisation",
           "SandboxHandle", "ScenarioState", "ServerCertificate", "WebhookReceiver", "pinned_ca", "start_sandbox"]
