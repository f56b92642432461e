"""A fake clamd for the tests: speaks INSTREAM on 127.0.0.1, finds the EICAR test string.

The EICAR string is put together from parts here so that no file in the repository is
itself the test virus (a real scanner on a developer's machine would quarantine it).
Import the fixtures (`clamd`, `clamd_down`, `clamd_silent`) into a test module to use them.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading

import pytest

EICAR = (
    b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$"
    + b"EICAR-STANDARD-ANTIVIRUS"
    + b"-TEST-FILE!$H+H*"
)
SIGNATURE = "Eicar-Test-Signature"


class FakeClamd(socketserver.ThreadingTCPServer):
    """Answers `stream: OK`, `stream: Eicar-Test-Signature FOUND`, or `reply` when set;
    `silent` keeps it from answering at all (a scanner that hangs)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.chunks: list[int] = []  # the length of every chunk received
        self.scanned: list[bytes] = []  # every stream received whole
        self.reply: bytes | None = None
        self.silent = threading.Event()
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.server_address[1]}"


class _Handler(socketserver.BaseRequestHandler):
    def _exactly(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            received = self.request.recv(n - len(data))
            if not received:
                raise ConnectionError("client went away")
            data += received
        return data

    def handle(self):
        server: FakeClamd = self.server
        if self._exactly(len(b"zINSTREAM\0")) != b"zINSTREAM\0":
            self.request.sendall(b"UNKNOWN COMMAND\0")
            return
        stream = b""
        while True:
            (length,) = struct.unpack("!I", self._exactly(4))
            if length == 0:
                break
            server.chunks.append(length)
            stream += self._exactly(length)
        server.scanned.append(stream)
        if server.silent.is_set():
            server.release.wait(10)
            return
        if server.reply is not None:
            self.request.sendall(server.reply)
        elif EICAR in stream:
            self.request.sendall(f"stream: {SIGNATURE} FOUND\0".encode())
        else:
            self.request.sendall(b"stream: OK\0")


@pytest.fixture
def clamd(settings):
    """A running fake clamd, configured as the portal's scanner."""
    server = FakeClamd()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.UPLOAD_SCAN_CLAMD = server.url
    settings.UPLOAD_SCAN_TIMEOUT = 5
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def clamd_down(settings):
    """A scanner configured on a port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.UPLOAD_SCAN_CLAMD = f"tcp://127.0.0.1:{port}"
    return settings.UPLOAD_SCAN_CLAMD


@pytest.fixture
def clamd_silent(clamd, settings):
    """A scanner that takes the file and never answers; a short timeout."""
    clamd.silent.set()
    settings.UPLOAD_SCAN_TIMEOUT = 0.3
    return clamd
