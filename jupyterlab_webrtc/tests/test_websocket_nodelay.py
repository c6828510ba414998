"""The server extension that turns Nagle's algorithm off on kernel websockets (websocket_nodelay.py).

The unit tests wrap fake connection classes; the last test starts a real Jupyter server with the
extension, opens a real kernel's websocket and reads the option back from the server's socket
(the server logs what getsockopt says; TCP_NODELAY is not visible from outside the process).
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
import websocket

import jupyterlab_webrtc
from jupyterlab_webrtc.websocket_nodelay import with_nodelay

ROOT = Path(__file__).resolve().parents[2]


class FakeHandler:
    def __init__(self, calls):
        self.calls = calls
        self.kernel_id = "k1"

    def set_nodelay(self, value):
        self.calls.append(("set_nodelay", value))


class ZmqLike:
    """Like ZMQChannelsWebsocketConnection: connect() is synchronous and returns a future."""

    def __init__(self, calls):
        self.calls = calls
        self.websocket_handler = FakeHandler(calls)
        self.log = SimpleNamespace(debug=lambda *a: calls.append(("debug",) + a))

    def connect(self):
        self.calls.append(("connect",))
        return "future"


class GatewayLike(ZmqLike):
    """Like GatewayWebSocketConnection: connect() is a coroutine."""

    async def connect(self):
        self.calls.append(("connect",))
        return "connected"


def test_nagle_goes_off_before_the_base_connects_and_its_result_is_passed_on():
    calls = []
    conn = with_nodelay(ZmqLike)(calls)
    assert conn.connect() == "future"
    names = [c[0] for c in calls]
    assert ("set_nodelay", True) in calls
    assert names.index("set_nodelay") < names.index("connect")


def test_a_coroutine_connect_is_still_awaited():
    calls = []
    conn = with_nodelay(GatewayLike)(calls)
    assert asyncio.run(conn.connect()) == "connected"
    assert ("set_nodelay", True) in calls and ("connect",) in calls


def test_wrapping_twice_gives_the_same_class():
    once = with_nodelay(ZmqLike)
    assert with_nodelay(once) is once
    assert issubclass(once, ZmqLike)


def fake_serverapp(settings, configured=ZmqLike):
    logged = []
    log = SimpleNamespace(info=lambda *a: logged.append(a), warning=lambda *a: logged.append(a))
    app = SimpleNamespace(web_app=SimpleNamespace(settings=settings), log=log)
    if configured is not None:
        app.kernel_websocket_connection_class = configured
    return app, logged


def test_the_extension_wraps_the_class_in_the_settings_first():
    app, _ = fake_serverapp({"kernel_websocket_connection_class": GatewayLike})
    jupyterlab_webrtc._load_jupyter_server_extension(app)
    cls = app.web_app.settings["kernel_websocket_connection_class"]
    assert issubclass(cls, GatewayLike) and cls is not GatewayLike


def test_the_extension_falls_back_to_the_configured_class():
    app, _ = fake_serverapp({})
    jupyterlab_webrtc._load_jupyter_server_extension(app)
    assert issubclass(app.web_app.settings["kernel_websocket_connection_class"], ZmqLike)


def test_a_class_another_extension_sets_after_us_is_wrapped_at_start():
    app, logged = fake_serverapp({})
    jupyterlab_webrtc._load_jupyter_server_extension(app)
    app.web_app.settings["kernel_websocket_connection_class"] = GatewayLike  # an extension loaded later
    asyncio.run(jupyterlab_webrtc._start_jupyter_server_extension(app))
    cls = app.web_app.settings["kernel_websocket_connection_class"]
    assert issubclass(cls, GatewayLike) and cls is not GatewayLike
    asyncio.run(jupyterlab_webrtc._start_jupyter_server_extension(app))  # already wrapped: kept
    assert app.web_app.settings["kernel_websocket_connection_class"] is cls
    assert len(logged) == 2  # one line per class wrapped


def test_a_server_without_the_class_is_left_alone_with_a_warning():
    app, logged = fake_serverapp({}, configured=None)
    jupyterlab_webrtc._load_jupyter_server_extension(app)
    assert "kernel_websocket_connection_class" not in app.web_app.settings
    assert any("no kernel websocket connection class" in a[0] for a in logged)


def test_the_extension_point_names_this_module():
    assert jupyterlab_webrtc._jupyter_server_extension_points() == [{"module": "jupyterlab_webrtc"}]


def test_the_install_config_enables_it():
    config = json.loads((ROOT / "jupyter-config" / "server-config" / "jupyterlab_webrtc.json").read_text())
    assert config == {"ServerApp": {"jpserver_extensions": {"jupyterlab_webrtc": True}}}


class ServerLog:
    """The server's stderr, line by line, read in a thread (so a wait can end on a line or a deadline)."""

    def __init__(self, proc):
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=self._read, args=(proc.stderr,), daemon=True).start()

    def _read(self, stream):
        for line in stream:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, text, timeout=60):
        """The first line containing `text`; fails when the server exits or `timeout` s pass first."""
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                pytest.fail(f"no server log line with {text!r} in {timeout} s; log:\n" + "".join(self.seen[-40:]))
            if line is None:
                pytest.fail(f"the server exited before logging {text!r}; log:\n" + "".join(self.seen[-40:]))
            self.seen.append(line)
            if text in line:
                return line


def wait_until_listening(port, timeout=60):
    """The server logs its URL before its loop binds the port: connect until it accepts, or fail."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
            return
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not listen on port {port} within {timeout} s")
            time.sleep(0.05)  # a retry interval, not a wait for a result


def test_a_real_servers_kernel_websocket_has_nagle_off(tmp_path):
    token = secrets.token_hex(16)
    env = dict(os.environ, PYTHONPATH=str(ROOT), JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            "--ServerApp.ip=127.0.0.1",
            "--ServerApp.port=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={tmp_path}",
            "--ServerApp.open_browser=False",
            "--ServerApp.allow_root=True",
            '--ServerApp.jpserver_extensions={"jupyterlab_webrtc": True}',
            "--ServerApp.log_level=DEBUG",
        ],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        log = ServerLog(proc)
        log.wait_for("jupyterlab_webrtc: kernel websockets send without Nagle's delay")
        # the line "[I ... ServerApp] http://127.0.0.1:PORT/?token=..." says where it listens
        port = int(log.wait_for("] http://127.0.0.1:").split("http://127.0.0.1:")[1].split("/")[0])
        headers = {"Authorization": f"token {token}"}
        wait_until_listening(port)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/kernels", data=b"{}", headers=headers, method="POST"
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            kernel_id = json.load(response)["id"]
        # as JupyterLab connects: with a session id and the v1 subprotocol. (A bare connection without
        # them happened to find TCP_NODELAY still on here, so it could not show the fix; this is the
        # case the browser meets.) The option is read back in connect(), after tornado's handshake.
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels?session_id={secrets.token_hex(8)}",
            header=[f"Authorization: token {token}"],
            subprotocols=["v1.kernel.websocket.jupyter.org"],
            timeout=60,
        )
        try:
            line = log.wait_for(f"kernel websocket {kernel_id} sends without Nagle's delay")
            assert "TCP_NODELAY=1" in line
        finally:
            ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
