"""The sandbox's own webhook server (harness, benchmarks, tests): a client that disconnects mid-request is not an
error worth a traceback (`make bench` printed ConnectionResetError in the middle of its table), while a real
error in a handler still is."""
import socket
import struct
import time

from mock_dip.webhook_server import WebhookHandler, WebhookServer


class Handler(WebhookHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if body == b"fail":
            raise RuntimeError("a bug in the handler")
        self.send_answer(201, b"{}")


def _reset_mid_body(port: int) -> None:
    client = socket.create_connection(("127.0.0.1", port))
    client.sendall(b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + b"x" * 10)
    time.sleep(0.1)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
    client.close()


def _post(port: int, body: bytes) -> None:
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        client.recv(1000)


def test_a_reset_is_quiet_and_a_handler_error_is_not(capfd):
    server = WebhookServer(Handler)
    try:
        port = server.server_address[1]
        _reset_mid_body(port)
        time.sleep(0.3)
        assert "Traceback" not in capfd.readouterr().err
        _post(port, b"fail")
        time.sleep(0.3)
        assert "RuntimeError: a bug in the handler" in capfd.readouterr().err
        _post(port, b"ok")  # and it still serves
    finally:
        server.close()
