"""Virus scanning of uploaded files by clamd (ASVS 5.4.3), over its INSTREAM protocol.

`scan` is the client: plain sockets, no dependency. It sends `zINSTREAM\\0`, the bytes
in chunks each led by its length (4 bytes, big-endian), then a zero length, and reads
one reply ending in NUL: `stream: OK`, or `stream: <signature> FOUND`. Anything else,
a refused connection or a scanner slower than the timeout is `ScannerError`.

`scan_upload` is what the upload services call before they parse or store a file,
with the UPLOAD_SCAN_CLAMD and UPLOAD_SCAN_TIMEOUT settings. Unset, nothing is scanned.
Set, the portal fails closed: a file that cannot be checked is refused like an infected
one, only with another message. The signature name goes to the caller's audit event
(`on_infected`), never to the log.
"""

from __future__ import annotations

import logging
import socket
import struct
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from reunite.core.errors import Invalid, Unavailable

logger = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024  # well under clamd's StreamMaxLength and its per-chunk limit
_MAX_REPLY = 4096
_SIGNATURE_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:/()+"
)


class ScannerError(Exception):
    """The scanner could not give a verdict (down, too slow, or an answer not understood)."""


def address(url: str) -> tuple[int, str | tuple[str, int]]:
    """(socket family, address) of `tcp://host:port` or `unix:///path`; ValueError else."""
    parts = urlsplit(url)
    if parts.scheme == "tcp" and parts.hostname and parts.port:
        return socket.AF_INET6 if ":" in parts.hostname else socket.AF_INET, (
            parts.hostname,
            parts.port,
        )
    if parts.scheme == "unix" and parts.path and not parts.netloc:
        return socket.AF_UNIX, parts.path
    raise ValueError(f"not a clamd address (tcp://host:port or unix:///path): {url!r}")


def scan(data: bytes, *, url: str, timeout: float, chunk_bytes: int = CHUNK_BYTES) -> str | None:
    """None when clamd finds the bytes clean, the signature name when it finds malware.
    The whole exchange must end within `timeout` seconds."""
    try:
        family, where = address(url)
    except ValueError as exc:  # a setting that passed the settings' check: fail closed
        raise ScannerError("misconfigured address") from exc
    deadline = time.monotonic() + timeout

    def remaining() -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise ScannerError("timed out")
        return left

    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(remaining())
            sock.connect(where)
            sock.sendall(b"zINSTREAM\0")
            view = memoryview(data)
            for start in range(0, len(data), chunk_bytes):
                chunk = view[start : start + chunk_bytes]
                sock.settimeout(remaining())
                sock.sendall(struct.pack("!I", len(chunk)) + chunk)
            sock.settimeout(remaining())
            sock.sendall(struct.pack("!I", 0))
            reply = b""
            while not reply.endswith(b"\0") and len(reply) < _MAX_REPLY:
                sock.settimeout(remaining())
                received = sock.recv(_MAX_REPLY)
                if not received:
                    break
                reply += received
    except TimeoutError as exc:
        raise ScannerError("timed out") from exc
    except OSError as exc:
        raise ScannerError(f"unreachable ({exc.__class__.__name__})") from exc
    return _verdict(reply)


def _verdict(reply: bytes) -> str | None:
    text = reply.rstrip(b"\0").decode("ascii", "replace").strip()
    if text == "stream: OK":
        return None
    if text.startswith("stream: ") and text.endswith(" FOUND"):
        signature = text[len("stream: ") : -len(" FOUND")].strip()
        if signature:
            # Kept as the audit log's data: printable, bounded.
            return "".join(c if c in _SIGNATURE_CHARS else "_" for c in signature)[:200]
    raise ScannerError(f"unexpected reply ({len(reply)} bytes)")


def scan_upload(data: bytes, *, on_infected: Callable[[str], object]) -> None:
    """Let the upload go on, or refuse it: Invalid (code "infected") after calling
    `on_infected(signature)`, or Unavailable (code "scan_unavailable") when the configured
    scanner gives no verdict. Does nothing when no scanner is configured."""
    url = settings.UPLOAD_SCAN_CLAMD
    if not url:
        return
    try:
        signature = scan(data, url=url, timeout=settings.UPLOAD_SCAN_TIMEOUT)
    except ScannerError as exc:
        logger.error("upload refused: the virus scanner gave no verdict: %s", exc)
        raise Unavailable(
            _("This file cannot be checked for viruses now; try again later. Nothing was saved."),
            code="scan_unavailable",
        ) from exc
    if signature is not None:
        logger.warning("upload refused: the virus scanner found malware (see the audit log)")
        on_infected(signature)
        raise Invalid(
            _("This file was refused: the virus scanner found malware in it. Nothing was saved."),
            code="infected",
        )
