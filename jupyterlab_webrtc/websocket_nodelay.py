"""Kernel websockets that send at once: TCP_NODELAY on the socket between Jupyter server and browser.

Tornado leaves Nagle's algorithm on for a websocket once its upgrade is answered. Kernel messages
to the browser are small writes, so each one after the first waits until the browser's TCP
acknowledges the one before; the browser delays that acknowledgement (Linux: 40 ms at least, up
to 200 ms) unless it has something of its own to send. Over the kernel transport (issue 12) the
kernel's frames went out every 33 ms and each waited for the browser's next camera frame to carry
the acknowledgement: on loopback, kernel send → browser receive took p50 29 ms with Nagle and
3.5 ms without, and the glass-to-glass p50 fell from 70-71 to 51-56 ms, +22 to +29 ms over
WebRTC in the same runs (bench/page/run.js, identity-kernel, 640x480; kernel-bridge/bench/README.md).
The browser side already sends without delay (Chromium sets TCP_NODELAY); the kernel's zeromq
sockets do too.

Jupyter server has no setting for it, so the server extension (``_load_jupyter_server_extension``
in ``__init__.py``) wraps whichever kernel websocket connection class the server uses (ZMQ
channels, or a gateway's) in a subclass that turns Nagle off when the connection starts.
"""

from __future__ import annotations

import socket
from typing import Any

#: Set on the classes made here, so loading the extension twice does not wrap twice.
MARKER = "_jupyterlab_webrtc_nodelay"


def with_nodelay(base: type) -> type:
    """A subclass of the kernel websocket connection class ``base`` that sets TCP_NODELAY on connect."""
    if getattr(base, MARKER, False):
        return base

    class NoDelayConnection(base):  # type: ignore[misc, valid-type]
        """``base``, with the websocket's socket sending each message at once."""

        def connect(self) -> Any:
            # connect() is called from the handler's open(), after the upgrade was answered and
            # tornado set Nagle back on: the stream is the websocket's from here on.
            handler = self.websocket_handler
            handler.set_nodelay(True)
            self.log.debug(
                "jupyterlab_webrtc: kernel websocket %s sends without Nagle's delay (TCP_NODELAY=%s)",
                getattr(handler, "kernel_id", "?"),
                nodelay_of(handler),
            )
            # ZMQ channels return a Future, a gateway's connect is a coroutine: either is awaited by the handler
            return super().connect()

    setattr(NoDelayConnection, MARKER, True)
    NoDelayConnection.__name__ = NoDelayConnection.__qualname__ = f"NoDelay{base.__name__}"
    NoDelayConnection.__module__ = __name__
    return NoDelayConnection


def nodelay_of(handler: Any) -> int | None:
    """The TCP_NODELAY option read back from the websocket's socket (None when there is none to read)."""
    try:
        sock = handler.ws_connection.stream.socket
        return int(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
    except (AttributeError, OSError):
        return None
