"""The client's session keeps its TLS connections alive across calls and threads."""

import ctypes
import datetime as dt
import http.server
import ipaddress
import ssl
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from zomanc.eeszt.client.tls import _libcrypto, session_create


def _server_context(tmp: Path) -> tuple[ssl.SSLContext, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    (tmp / "cert.pem").write_bytes(pem)
    (tmp / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp / "cert.pem", tmp / "key.pem")
    return context, pem


def test_a_stale_openssl_error_does_not_break_a_kept_alive_connection(tmp_path: Path) -> None:
    """SoftHSM2 (the eID card) leaves "no such engine" in the thread's OpenSSL error queue;
    the next call over a kept-alive connection must not fail on it."""
    lib = _libcrypto()
    # Without libcrypto the product's openssl_errors_clear does nothing: that is a failure.
    assert lib is not None, "libcrypto not found: the OpenSSL error queue cannot be cleared"
    server, ca_pem, connections = _keep_alive_server(tmp_path)
    try:
        session = session_create(context=ssl.create_default_context(cadata=ca_pem.decode()))
        url = f"https://127.0.0.1:{server.server_address[1]}/soap"
        assert session.post(url, data=b"x", timeout=10).status_code == 200
        lib.ENGINE_by_id.restype = ctypes.c_void_p
        assert lib.ENGINE_by_id(b"zomanc-no-such-engine") is None  # pushes the error
        assert lib.ERR_peek_error() != 0
        assert session.post(url, data=b"x", timeout=10).status_code == 200
        assert len(connections) == 1  # the same connection, kept alive
    finally:
        server.shutdown()
        server.server_close()


def _keep_alive_server(tmp: Path) -> tuple[http.server.ThreadingHTTPServer, bytes, list[int]]:
    connections: list[int] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as EESZT answers

        def setup(self) -> None:
            connections.append(1)
            super().setup()

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            return None

    server_context, ca_pem = _server_context(tmp)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, ca_pem, connections


def test_threads_share_one_session_without_new_handshakes(tmp_path: Path) -> None:
    server, ca_pem, connections = _keep_alive_server(tmp_path)
    try:
        session = session_create(context=ssl.create_default_context(cadata=ca_pem.decode()))
        url = f"https://127.0.0.1:{server.server_address[1]}/soap"
        errors: list[BaseException] = []
        barrier = threading.Barrier(16)

        def worker() -> None:
            try:
                for _ in range(5):
                    barrier.wait(timeout=10)  # all 16 hold a connection at the same time
                    assert session.post(url, data=b"x", timeout=10).status_code == 200
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        # 16 threads × 5 calls = 80 calls over at most one connection per thread (requests'
        # default pool of 10 discarded 6 connections after every round: ~40 handshakes).
        assert len(connections) <= 16
    finally:
        server.shutdown()
        server.server_close()
