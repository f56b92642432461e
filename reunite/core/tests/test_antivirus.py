"""The clamd client (ASVS 5.4.3): INSTREAM spoken right, a clean file passes, the EICAR
test file is found, and a scanner that is down, slow or talking nonsense fails closed."""

import logging
import socket
import time

import pytest

from reunite.core import antivirus
from reunite.core.errors import Invalid, Unavailable
from reunite.core.tests import fake_clamd
from reunite.core.tests.fake_clamd import EICAR, SIGNATURE

clamd, clamd_down, clamd_silent = fake_clamd.clamd, fake_clamd.clamd_down, fake_clamd.clamd_silent

CLEAN = "Declaración jurada, San Marcos\n".encode()


def test_a_clean_file_is_clean(clamd):
    assert antivirus.scan(CLEAN, url=clamd.url, timeout=5) is None
    assert clamd.scanned == [CLEAN]


def test_the_eicar_test_file_is_found_by_its_signature(clamd):
    assert antivirus.scan(b"prefix " + EICAR, url=clamd.url, timeout=5) == SIGNATURE


def test_a_file_larger_than_one_chunk_is_sent_in_chunks(clamd):
    data = b"a" * 2_500 + EICAR + b"b" * 1_000
    assert antivirus.scan(data, url=clamd.url, timeout=5, chunk_bytes=1_024) == SIGNATURE
    assert clamd.chunks == [1_024, 1_024, 1_024, len(data) - 3 * 1_024]
    assert clamd.scanned == [data]
    antivirus.scan(b"x" * 100_000, url=clamd.url, timeout=5)
    assert clamd.chunks[4:] == [antivirus.CHUNK_BYTES, 100_000 - antivirus.CHUNK_BYTES]


def test_a_scanner_that_is_down_gives_no_verdict(clamd_down):
    with pytest.raises(antivirus.ScannerError, match="unreachable"):
        antivirus.scan(CLEAN, url=clamd_down, timeout=5)


def test_a_scanner_slower_than_the_timeout_gives_no_verdict(clamd_silent):
    started = time.monotonic()
    with pytest.raises(antivirus.ScannerError, match="timed out"):
        antivirus.scan(CLEAN, url=clamd_silent.url, timeout=0.3)
    assert time.monotonic() - started < 3


@pytest.mark.parametrize(
    "reply",
    [
        b"INSTREAM size limit exceeded. ERROR\0",
        b"stream: OK-ish\0",
        b"stream:  FOUND\0",
        b"",  # the connection closed without an answer
    ],
)
def test_an_answer_not_understood_gives_no_verdict(clamd, reply):
    clamd.reply = reply
    with pytest.raises(antivirus.ScannerError, match="unexpected reply"):
        antivirus.scan(CLEAN, url=clamd.url, timeout=5)


def test_a_signature_name_is_kept_printable_and_bounded(clamd):
    clamd.reply = b"stream: Evil<script>\x1b[31m" + b"A" * 500 + b" FOUND\0"
    signature = antivirus.scan(CLEAN, url=clamd.url, timeout=5)
    assert signature.startswith("Evil_script__") and len(signature) == 200


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("tcp://127.0.0.1:3310", (socket.AF_INET, ("127.0.0.1", 3310))),
        ("tcp://[::1]:3310", (socket.AF_INET6, ("::1", 3310))),
        ("unix:///run/clamav/clamd.ctl", (socket.AF_UNIX, "/run/clamav/clamd.ctl")),
    ],
)
def test_addresses(url, expected):
    assert antivirus.address(url) == expected


@pytest.mark.parametrize("url", ["http://x:1", "tcp://host", "unix://relative", "3310"])
def test_bad_addresses_are_refused(url):
    with pytest.raises(ValueError):
        antivirus.address(url)
    with pytest.raises(antivirus.ScannerError, match="misconfigured"):
        antivirus.scan(b"x", url=url, timeout=1)


def test_a_unix_socket_scanner(tmp_path):
    """The same protocol over a unix socket (the Debian clamd default)."""
    import socketserver
    import threading

    from reunite.core.tests.fake_clamd import _Handler

    class UnixClamd(socketserver.ThreadingUnixStreamServer):
        daemon_threads = True

    path = tmp_path / "clamd.ctl"
    server = UnixClamd(str(path), _Handler)
    server.chunks, server.scanned, server.reply = [], [], None
    server.silent, server.release = threading.Event(), threading.Event()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert antivirus.scan(EICAR, url=f"unix://{path}", timeout=5) == SIGNATURE
    finally:
        server.shutdown()
        server.server_close()


# --- scan_upload: the settings, the refusals ---------------------------------------------


def test_no_scanner_configured_scans_nothing(settings):
    settings.UPLOAD_SCAN_CLAMD = ""
    found = []
    antivirus.scan_upload(EICAR, on_infected=found.append)
    assert found == []


def test_an_infected_upload_is_refused_and_reported_once(clamd, caplog):
    found = []
    with caplog.at_level(logging.DEBUG), pytest.raises(Invalid) as refused:
        antivirus.scan_upload(EICAR, on_infected=found.append)
    assert refused.value.code == "infected"
    assert "malware" in refused.value.message
    assert found == [SIGNATURE]
    assert SIGNATURE not in caplog.text  # the signature goes to the audit event only
    antivirus.scan_upload(CLEAN, on_infected=found.append)
    assert found == [SIGNATURE]


@pytest.mark.parametrize("scanner", ["clamd_down", "clamd_silent"])
def test_a_scanner_without_a_verdict_fails_closed(request, scanner):
    request.getfixturevalue(scanner)
    found = []
    with pytest.raises(Unavailable) as refused:
        antivirus.scan_upload(CLEAN, on_infected=found.append)
    assert refused.value.code == "scan_unavailable"
    assert "try again later" in refused.value.message
    assert found == []
