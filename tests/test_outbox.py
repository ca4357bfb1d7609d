"""The outbox: what the simulation sends is kept, found by filters, and copied to an SMTP relay if set."""
import socketserver
import threading
import time

import pytest

from sandbox.app import Sandbox
from sandbox.kernel.errors import NotFound
from tests.conftest import make_settings


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) to receive one message per connection."""

    def handle(self):
        self.wfile.write(b"220 test-relay ESMTP\r\n")
        data_mode, lines = False, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            if data_mode:
                if line in (b".\r\n", b".\n"):
                    self.server.messages.append(b"".join(lines).decode())
                    data_mode = False
                    self.wfile.write(b"250 queued\r\n")
                else:
                    lines.append(line)
                continue
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 test-relay\r\n")
            elif verb == b"DATA":
                data_mode = True
                self.wfile.write(b"354 go on\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_relay():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_emails_are_kept_with_their_links_and_sandbox_time(sandbox):
    sandbox.clock.set_mode("manual")
    sandbox.scheduler.advance(3600)
    email = sandbox.outbox.send("ca@example.com", "New User Registration",
                                "Accept the invitation: https://atlas.sandbox/invite/abc.\nThen https://x.test/y")
    assert email.sent_at == sandbox.clock.now_unix()
    assert email.links == ("https://atlas.sandbox/invite/abc", "https://x.test/y")
    assert sandbox.outbox.get(email.id).subject == "New User Registration"
    with pytest.raises(NotFound):
        sandbox.outbox.get("missing")


def test_since_filter_uses_sandbox_time(sandbox):
    from sandbox.kernel.clock import iso
    sandbox.clock.set_mode("manual")
    sandbox.outbox.send("a@example.com", "first", "x")
    sandbox.scheduler.advance(60)
    cut = iso(sandbox.clock.now())
    sandbox.outbox.send("a@example.com", "second", "y")
    assert [e.subject for e in sandbox.outbox.list(since=cut)] == ["second"]


def test_copies_go_to_the_smtp_relay(tmp_path, ca_dir, smtp_relay):
    host, port = smtp_relay.server_address
    sandbox = Sandbox(make_settings(tmp_path / "d", ca_dir, smtp_relay=f"{host}:{port}"))
    sandbox.outbox.send("pa@example.com", "Password Reset Code - GlobalSign Atlas", "Your code is 123456")
    deadline = time.monotonic() + 10
    while not smtp_relay.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    sandbox.close()
    assert len(smtp_relay.messages) == 1
    message = smtp_relay.messages[0]
    assert "Subject: Password Reset Code - GlobalSign Atlas" in message
    assert "To: pa@example.com" in message and "Your code is 123456" in message


def test_an_email_of_a_rolled_back_transaction_never_reaches_the_relay(tmp_path, ca_dir, smtp_relay):
    """The relay gets a copy only once the email is committed, from the outbox's one relay worker."""
    host, port = smtp_relay.server_address
    sandbox = Sandbox(make_settings(tmp_path / "d", ca_dir, smtp_relay=f"{host}:{port}"))
    try:
        with pytest.raises(RuntimeError):
            with sandbox.store.transaction():
                sandbox.outbox.send("gone@example.com", "Never sent", "rolled back")
                raise RuntimeError("the step that sent it failed")
        with sandbox.store.transaction():
            sandbox.outbox.send("first@example.com", "First", "one")
            with pytest.raises(RuntimeError):
                with sandbox.store.transaction():  # a savepoint rolled back inside a committed transaction
                    sandbox.outbox.send("inner@example.com", "Inner", "rolled back")
                    raise RuntimeError("inner step failed")
            time.sleep(0.3)
            assert smtp_relay.messages == []  # not before the commit
        sandbox.outbox.send("second@example.com", "Second", "two")
        deadline = time.monotonic() + 10
        while len(smtp_relay.messages) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
    finally:
        sandbox.close()
    assert [m.split("Subject: ")[1].split("\n")[0].strip() for m in smtp_relay.messages] == ["First", "Second"]
    assert [e.subject for e in Sandbox(make_settings(tmp_path / "d", ca_dir)).outbox.list()] == ["First", "Second"]
