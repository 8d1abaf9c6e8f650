"""Serve the app on a loopback port and talk to it as a browser's page would, without a browser.

For the tests and the benchmark: ``serve`` starts ``streamlit run`` on a free port and stops it;
``Session`` speaks Streamlit's websocket protocol (``/_stcore/stream``: ``BackMsg`` protobufs up,
``ForwardMsg`` down, the messages of the installed streamlit's ``proto`` package), so that one
process can hold tens of sessions and measure the server rather than a browser.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

STARTED = 60.0  # seconds a server may take to answer /_stcore/health


class ServerError(RuntimeError):
    """The server stopped or did not answer in time (the message ends with its log)."""


@dataclass
class Server:
    url: str
    port: int
    log: Path
    process: subprocess.Popen


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(journal illisible)"


@contextlib.contextmanager
def serve(script: Path, db: Path, folder: Path, *, env: dict[str, str] | None = None,
          secrets: Path | None = None) -> Iterator[Server]:
    """``streamlit run script`` on a free loopback port, with the accounts of ``secrets`` (none
    by default: the local demo mode, whatever ~/.streamlit holds), until /_stcore/health says
    ok; stopped on exit."""
    folder.mkdir(parents=True, exist_ok=True)
    if secrets is None:
        secrets = folder / "secrets.toml"
        secrets.write_text("# vide : mode démonstration locale\n", encoding="utf-8")
    port = free_port()
    log = folder / f"streamlit-{port}.log"
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.address", "127.0.0.1",
           "--server.port", str(port), "--server.headless", "true",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
           "--secrets.files", str(secrets)]
    # the child's environment: this one's, passed on (settings are read in the child)
    environment = dict(os.environ, **(env or {}), OBSERVATORY_DB=str(db),
                       OBSERVATORY_SECRETS=str(secrets), PYTHONUNBUFFERED="1")
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, cwd=script.parent, env=environment, stdout=out,
                                   stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTED
        while True:
            if process.poll() is not None:
                raise ServerError(f"server stopped (code {process.returncode}):\n{log_tail(log)}")
            with contextlib.suppress(urllib.error.URLError, OSError), urllib.request.urlopen(
                    f"{url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200 and reply.read().strip() == b"ok":
                    break
            if time.monotonic() > deadline:
                raise ServerError(f"no answer in {STARTED:.0f} s on {url}:\n{log_tail(log)}")
            time.sleep(0.2)
        yield Server(url, port, log, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass
class Run:
    """What one script run sent: its elements by type, the selectboxes, errors, its duration."""

    seconds: float
    status: str
    messages: int = 0
    bytes: int = 0
    elements: dict[str, int] = field(default_factory=dict)
    metrics: dict[str, str] = field(default_factory=dict)  # label → displayed value
    selectboxes: dict[str, Any] = field(default_factory=dict)  # label → Selectbox proto
    errors: list[str] = field(default_factory=list)


class Session:
    """One page's session on a server, over its websocket (async; ``async with``)."""

    def __init__(self, url: str, page: str = "", query: str = "", timeout: float = 300.0) -> None:
        self.url, self.page, self.query, self.timeout = url, page, query, timeout
        self.page_hash = ""
        self.widgets: dict[str, str] = {}  # widget id → the value sent with every rerun
        self._ws: Any = None
        self._last = Run(float("nan"), "")  # the previous run: its widgets, to choose one

    async def __aenter__(self) -> Session:
        from websockets.asyncio.client import connect
        from websockets.typing import Origin, Subprotocol

        ws_url = self.url.replace("http://", "ws://") + "/_stcore/stream"
        self._ws = await connect(ws_url, subprotocols=[Subprotocol("streamlit")],
                                 origin=Origin(self.url), max_size=None,
                                 open_timeout=self.timeout)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._ws.close()

    async def run(self, widget: tuple[str, str] | None = None) -> Run:
        """Ask for a rerun of the page (with ``widget`` = (selectbox label, option) chosen, as a
        reader's click does) and read the messages until the script has finished."""
        import asyncio

        msg = BackMsg()
        state = msg.rerun_script
        state.query_string, state.page_name = self.query, self.page
        state.page_script_hash = self.page_hash
        state.context_info.timezone, state.context_info.locale = "Europe/Paris", "fr-FR"
        if widget is not None:
            box = self._last.selectboxes[widget[0]]
            self.widgets[box.id] = widget[1]
        for key, value in self.widgets.items():
            state.widget_states.widgets.add(id=key, string_value=value)
        started = time.perf_counter()
        await self._ws.send(msg.SerializeToString())
        run = Run(float("nan"), "")
        async with asyncio.timeout(self.timeout):
            while True:
                data = await self._ws.recv()
                reply = ForwardMsg()
                reply.ParseFromString(data)
                run.messages += 1
                run.bytes += len(data)
                kind = reply.WhichOneof("type")
                if kind == "new_session":
                    self.page_hash = reply.new_session.page_script_hash or self.page_hash
                elif kind == "navigation":
                    self.page_hash = reply.navigation.page_script_hash or self.page_hash
                elif kind == "page_info_changed":
                    self.query = reply.page_info_changed.query_string
                elif kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
                    self._element(reply.delta.new_element, run)
                elif kind == "script_finished":
                    status = ForwardMsg.ScriptFinishedStatus.Name(reply.script_finished)
                    if status == "FINISHED_EARLY_FOR_RERUN":
                        continue
                    run.status = status
                    break
        run.seconds = time.perf_counter() - started
        if run.status != "FINISHED_SUCCESSFULLY":
            run.errors.append(f"script {run.status}")
        self._last = run
        return run

    @staticmethod
    def _element(element: Any, run: Run) -> None:
        kind = element.WhichOneof("type")
        run.elements[kind] = run.elements.get(kind, 0) + 1
        if kind == "exception":
            run.errors.append(f"{element.exception.type}: {element.exception.message}"[:300])
        elif kind == "metric":
            run.metrics[element.metric.label] = element.metric.body
        elif kind == "selectbox":
            run.selectboxes[element.selectbox.label] = element.selectbox
