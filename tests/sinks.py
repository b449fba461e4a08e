"""Local stand-ins for the alert channels: a robot webhook sink (real HTTP) and an SMTP sink (aiosmtpd).

The webhook sink answers the way WeCom, DingTalk and Feishu do, and checks DingTalk's and Feishu's
signatures itself, from their documented algorithms (not from the code under test): a wrong
signature gets the platform's own error code in a 200 answer.
"""
from __future__ import annotations

import atexit
import base64
import email
import email.policy
import hashlib
import hmac
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

OK = {"wecom": {"errcode": 0, "errmsg": "ok"}, "dingtalk": {"errcode": 0, "errmsg": "ok"},
      "feishu": {"code": 0, "msg": "success", "data": {}}}
BAD_SIGN = {"dingtalk": {"errcode": 310000, "errmsg": "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"},
            "feishu": {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}}


@dataclass
class Received:
    """One request the webhook sink saw."""

    path: str
    query: dict[str, str]
    body: dict
    content_type: str
    accepted: bool = False


@dataclass
class WebhookSink:
    """A robot webhook on 127.0.0.1 (random port) that records every request and can be told to fail."""

    kind: str = "wecom"
    secret: str = ""
    received: list[Received] = field(default_factory=list)
    script: list[tuple[int, dict | str]] = field(default_factory=list)  # answers to give before answering OK

    def start(self) -> "WebhookSink":
        """Listen in a thread."""
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = sink.answer(self.path, raw, self.headers.get("Content-Type", ""))
                data = answer if isinstance(answer, str) else json.dumps(answer)
                payload = data.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and close the socket."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self) -> str:
        """A webhook URL shaped like the platform's own (its key or token in the query or path)."""
        return {"wecom": f"{self.base}/cgi-bin/webhook/send?key=test-key",
                "dingtalk": f"{self.base}/robot/send?access_token=test-token",
                "feishu": f"{self.base}/open-apis/bot/v2/hook/test-hook"}[self.kind]

    def fail(self, times: int = 1, status: int = 500, answer: dict | str | None = None) -> None:
        """Answer the next `times` requests with this status (and body) instead of OK."""
        self.script.extend([(status, answer if answer is not None else {"error": "server error"})] * times)

    @property
    def messages(self) -> list[dict]:
        """Bodies of the requests that were answered OK."""
        return [r.body for r in self.received if r.accepted]

    def answer(self, path: str, raw: bytes, content_type: str) -> tuple[int, dict | str]:
        """Record a request and decide the answer: scripted failure, bad signature, or OK."""
        parts = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            body = {"_raw": raw.decode("utf-8", "replace")}
        request = Received(parts.path, query, body, content_type)
        with self.lock:
            self.received.append(request)
            if self.script:
                return self.script.pop(0)
        if not self.signature_ok(query, body):
            return 200, BAD_SIGN[self.kind]
        request.accepted = True
        return 200, OK[self.kind]

    def signature_ok(self, query: dict, body: dict) -> bool:
        """DingTalk: timestamp (ms) and sign in the query; Feishu: timestamp (s) and sign in the body."""
        if not self.secret or self.kind == "wecom":
            return True
        if self.kind == "dingtalk":
            stamp, sign = query.get("timestamp", ""), query.get("sign", "")
            if not stamp.isdigit() or abs(time.time() * 1000 - int(stamp)) > 3600_000:
                return False
            want = hmac.new(self.secret.encode(), f"{stamp}\n{self.secret}".encode(), hashlib.sha256).digest()
        else:
            stamp, sign = str(body.get("timestamp", "")), str(body.get("sign", ""))
            if not stamp.isdigit() or abs(time.time() - int(stamp)) > 3600:
                return False
            want = hmac.new(f"{stamp}\n{self.secret}".encode(), b"", hashlib.sha256).digest()
        return hmac.compare_digest(base64.b64encode(want).decode(), sign)


@dataclass
class Mail:
    """One e-mail the SMTP sink accepted."""

    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage
    login: str = ""
    tls: bool = False

    @property
    def subject(self) -> str:
        """The decoded subject."""
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        """The decoded plain-text body."""
        return self.message.get_body(("plain",)).get_content()


class _Handler:
    """aiosmtpd handler: keep every message, or refuse the next few with a temporary error."""

    def __init__(self, sink: "SmtpSink"):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's naming)
        if self.sink.refuse_next > 0:
            self.sink.refuse_next -= 1
            return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        login = session.auth_data.login.decode() if getattr(session.auth_data, "login", None) else ""
        self.sink.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), message, login,
                                    tls=server.transport.get_extra_info("ssl_object") is not None))
        return "250 OK"


class _Controller(Controller):
    """Controller on port 0: learns the port the system chose before its readiness check connects."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpSink:
    """An SMTP server on 127.0.0.1 (random port): plain, STARTTLS or implicit TLS, optional AUTH."""

    def __init__(self, security: str = "none", cert: tuple[str, str] | None = None, users: dict | None = None):
        self.mails: list[Mail] = []
        self.refuse_next = 0
        self.users = users or {}
        kwargs: dict = {}
        if security != "none":
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*cert)
            kwargs["ssl_context" if security == "ssl" else "tls_context"] = context
            if security == "starttls":
                kwargs["require_starttls"] = True
        if self.users:  # aiosmtpd counts only STARTTLS as TLS; on implicit TLS, AUTH is offered but not required
            ssl_only = security == "ssl"
            kwargs.update(authenticator=self._authenticate, auth_required=not ssl_only, auth_require_tls=not ssl_only)
        self.controller = _Controller(_Handler(self), hostname="127.0.0.1", port=0, **kwargs)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        """Accept the configured user names and passwords."""
        ok = self.users.get(auth_data.login.decode()) == auth_data.password.decode()
        return AuthResult(success=ok, auth_data=auth_data)

    def start(self) -> "SmtpSink":
        """Listen in aiosmtpd's thread."""
        self.controller.start()
        return self

    def stop(self) -> None:
        """Stop the server and its thread."""
        self.controller.stop()

    @property
    def port(self) -> int:
        """The port it listens on."""
        return self.controller.port


_HELD: list[socket.socket] = []


def closed_port() -> int:
    """A local port nothing listens on (for connection-refused tests). It stays bound, never listening,
    until the test process ends: connecting is refused, and no parallel test (pytest-xdist) can start
    a server on it meanwhile."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    if not _HELD:
        atexit.register(lambda: [held.close() for held in _HELD])
    _HELD.append(s)
    return s.getsockname()[1]


def self_signed_cert(directory) -> tuple[str, str]:
    """A certificate and key for 127.0.0.1, written to `directory`; (cert path, key path)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


@pytest.fixture
def smtp():
    """A plain SMTP sink on 127.0.0.1 for one test."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()
