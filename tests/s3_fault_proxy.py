"""A fault-injecting proxy on 127.0.0.1 in front of the moto test server, one connection a
request: it passes requests on, or freezes, refuses or breaks the ones its rule names. Used by
tests/transforms/io/test_s3_faults.py and tests/fault_matrix.py (the faults x phases of a run,
and benchmarks/fault_table.py)."""
from __future__ import annotations

import socket
import struct
import threading
import time
from typing import Callable

SLOW_DOWN_BODY = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
                  b"<Message>Please reduce your request rate.</Message></Error>")
INTERNAL_ERROR_BODY = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code>'
                       b"<Message>We encountered an internal error.</Message></Error>")


def _answer(status: str, body: bytes) -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: application/xml\r\nContent-Length: "
            f"{len(body)}\r\nConnection: close\r\n\r\n").encode() + body


# the answers of a refused request, by fault: throttling (503 SlowDown), a server error (500)
ANSWERS = {"503": (_answer("503 Slow Down", SLOW_DOWN_BODY), len(SLOW_DOWN_BODY)),
           "500": (_answer("500 Internal Server Error", INTERNAL_ERROR_BODY),
                   len(INTERNAL_ERROR_BODY))}
SLOW_DOWN = ANSWERS["503"][0]
# what a rule may return for a request (None passes it on)
FAULTS = ("freeze", "refuse", "503", "500", "reset")


class FaultProxy:
    """Passes requests to the S3 server, one connection each, and freezes, refuses, answers
    503 SlowDown or 500, or resets the ones `rule(number, method, path)` names (FAULTS; None
    passes). A frozen request's body is never read, as a hung server reads none. "refuse" resets
    the request and closes the listening socket: every later connection is refused, as when
    nothing listens any more. A thread of the test: it serves at most `limit` requests (then
    answers 503) and stops by itself after `lifetime` seconds, closing what it held."""

    def __init__(self, upstream_port: int, rule: Callable[[int, str, str], str | None],
                 limit: int = 3000, lifetime: float = 120):
        self.upstream_port, self.rule, self.limit = upstream_port, rule, limit
        self.deadline = time.monotonic() + lifetime
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.sock.settimeout(0.2)
        self.endpoint = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.requests: list[tuple[str, str, str | None]] = []   # (method, path, fault)
        self.first_freeze: float | None = None
        self.first_fault: float | None = None   # (time.monotonic())
        self._lock = threading.Lock()
        self._held: list[socket.socket] = []
        self._stopped = threading.Event()
        self._refusing = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def faults(self, kind: str) -> int:
        return sum(1 for _, _, fault in self.requests if fault == kind)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        try:
            while not self._stopped.is_set() and time.monotonic() < self.deadline:
                if self._refusing.is_set():   # nothing listens: connections are refused
                    self.sock.close()
                    self._stopped.wait(max(0.0, self.deadline - time.monotonic()))
                    break
                try:
                    conn, _ = self.sock.accept()
                except socket.timeout:
                    continue
                conn.settimeout(max(0.1, self.deadline - time.monotonic()))
                threading.Thread(target=self._handle, args=(conn,), daemon=True).start()
        finally:
            self.sock.close()
            with self._lock:
                for conn in self._held:
                    conn.close()

    def _handle(self, conn: socket.socket) -> None:
        try:
            head, rest = _read_head(conn)
            method, path = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")[:2]
            with self._lock:
                number = len(self.requests)
                fault = self.rule(number, method, path) if number < self.limit else "503"
                self.requests.append((method, path, fault))
                if fault is not None:
                    self.first_fault = self.first_fault or time.monotonic()
                if fault == "freeze":
                    self.first_freeze = self.first_freeze or time.monotonic()
                    self._held.append(conn)   # never answered; closed when the proxy stops
                    return
            if fault == "refuse":
                self._refusing.set()
            body = _read_body(conn, head, rest)
            if fault in ANSWERS:   # (the answer to a HEAD has no body)
                answer, body_length = ANSWERS[fault]
                conn.sendall(answer if method != "HEAD" else answer[:-body_length])
            elif fault in ("reset", "refuse"):   # RST, not FIN: SO_LINGER with a zero timeout
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                conn.sendall(self._forward(head, body))
        except (OSError, ValueError):
            pass
        conn.close()

    def _forward(self, head: bytes, body: bytes) -> bytes:
        lines = [line for line in head.split(b"\r\n")
                 if not line.lower().startswith((b"connection:", b"keep-alive:"))]
        with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30) as up:
            up.sendall(b"\r\n".join(lines + [b"Connection: close"]) + b"\r\n\r\n" + body)
            chunks = []
            while chunk := up.recv(1 << 16):
                chunks.append(chunk)
        return b"".join(chunks)


def _read_head(conn: socket.socket) -> tuple[bytes, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(1 << 16)
        if not chunk:
            raise ValueError("closed before a request")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def _read_body(conn: socket.socket, head: bytes, body: bytes) -> bytes:
    headers = {k.strip().lower(): v.strip() for k, _, v in
               (line.partition(b":") for line in head.split(b"\r\n")[1:])}
    chunked = headers.get(b"transfer-encoding", b"").lower() == b"chunked"
    length = int(headers.get(b"content-length", b"0"))
    while (not body.endswith(b"0\r\n\r\n")) if chunked else len(body) < length:
        chunk = conn.recv(1 << 16)
        if not chunk:
            raise ValueError("closed in the middle of a request")
        body += chunk
    return body


def lasting_from(fault: str, first: Callable[[str, str], bool]):
    """A rule: `fault` from the first request `first(method, path)` names, on every request
    after it too (a store that froze, stopped listening, or fails every request)."""
    state = {"on": False}

    def rule(number, method, path):
        state["on"] = state["on"] or first(method, path)
        return fault if state["on"] else None
    return rule


def frozen_from(first: Callable[[str, str], bool]):
    """A rule: the endpoint freezes at the first request `first(method, path)` names, and
    answers nothing after it."""
    return lasting_from("freeze", first)


def passing_after(fault: str, first: Callable[[str, str], bool], count: int):
    """A rule: `fault` for `count` requests from the first `first(method, path)` names, then
    every request passes (throttling, resets: tried again, they end)."""
    state = {"left": None}

    def rule(number, method, path):
        if state["left"] is None and first(method, path):
            state["left"] = count
        if state["left"]:
            state["left"] -= 1
            return fault
        return None
    return rule
