"""Mutual TLS with the institution's WAF-SSL certificate, loaded from memory, CA pinned.

The PKCS#12 comes out of the vault as bytes. Python's ssl module only loads keys from a path,
so the key is handed over through an anonymous in-memory file (memfd): it never touches a
disk. Only the EESZT CA given in the settings is trusted — not the system bundle, and not
REQUESTS_CA_BUNDLE (which requests would otherwise apply silently)."""

import ctypes
import ctypes.util
import functools
import os
import ssl
from typing import Any

import requests
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
    pkcs12,
)
from requests.adapters import HTTPAdapter


def ssl_context_create(*, pkcs12_data: bytes, password: str, ca_pem: bytes) -> ssl.SSLContext:
    """A client SSLContext presenting the PKCS#12's certificate and trusting only `ca_pem`.

    Raises ValueError when the PKCS#12 cannot be opened with `password`."""
    key, cert, extra_certs = pkcs12.load_key_and_certificates(pkcs12_data, password.encode())
    if key is None or cert is None:
        raise ValueError("A PKCS#12 fájl nem tartalmaz kulcsot és tanúsítványt.")
    one_time = os.urandom(24)
    pem = key.private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(one_time)
    ) + cert.public_bytes(Encoding.PEM)
    for extra in extra_certs:
        pem += extra.public_bytes(Encoding.PEM)

    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cadata=ca_pem.decode())
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    fd = os.memfd_create("eeszt-client-cert", os.MFD_CLOEXEC)
    try:
        os.write(fd, pem)
        context.load_cert_chain(f"/proc/self/fd/{fd}", password=one_time)
    finally:
        os.close(fd)
    return context


@functools.cache
def _libcrypto() -> Any:
    """The libcrypto Python's ssl module runs on (same soname: dlopen returns the loaded
    one), or None where it cannot be found."""
    name = ctypes.util.find_library("crypto")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def openssl_errors_clear() -> None:
    """Empties this thread's OpenSSL error queue.

    Other OpenSSL users in the process leave errors behind there: SoftHSM2 (the eID card
    through PKCS#11) fails to load its GOST engine on every session and never clears the
    "no such engine" it pushed. Python's ssl module reads that queue after a read or write on
    an established connection, so the next call over a kept-alive connection failed with
    `SSLError: [ENGINE: NO_SUCH_ENGINE]` (a new connection's handshake clears the queue, which
    hid it until EESZT — and the sandbox — kept connections alive)."""
    lib = _libcrypto()
    if lib is not None:
        lib.ERR_clear_error()


class PinnedTlsAdapter(HTTPAdapter):
    """Uses our SSLContext for every connection and nothing requests would add to it."""

    def __init__(self, context: ssl.SSLContext, **kwargs: Any) -> None:
        self._context = context
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["ssl_context"] = self._context
        return super().proxy_manager_for(*args, **kwargs)

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        openssl_errors_clear()
        return super().send(request, *args, **kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # requests would load its own CA bundle into the connection here; the pinned
        # context already verifies the server against the EESZT CA alone.
        return None


# Connections kept open per EESZT host: at least the worker's threads (ox_worker
# --concurrency, 16 in the reliability scenario). requests' default of 10 made every thread
# beyond the tenth throw its connection away after each call ("Connection pool is full,
# discarding connection") and pay a new TCP + mutual-TLS handshake on the next one.
POOL_MAXSIZE = 32


def session_create(*, context: ssl.SSLContext) -> requests.Session:
    """One keep-alive session (the caller caches it per certificate and endpoint, and shares
    it between threads): its pool keeps up to POOL_MAXSIZE open TLS connections."""
    session = requests.Session()
    session.trust_env = False  # no REQUESTS_CA_BUNDLE, no proxies from the environment
    session.mount("https://", PinnedTlsAdapter(context, pool_maxsize=POOL_MAXSIZE))
    return session
