"""JupyterLab WebRTC streamer widget: the prebuilt labextension, packaged for pip, and a small server
extension that makes the server send kernel messages to the browser without Nagle's delay
(websocket_nodelay.py)."""

try:
    from ._version import __version__
except ImportError:  # running from a source tree that was never built
    import warnings

    warnings.warn("Importing 'jupyterlab_webrtc' outside a proper installation.", stacklevel=2)
    __version__ = "dev"


def _jupyter_labextension_paths():
    """Where JupyterLab finds the prebuilt extension (for `jupyter labextension develop`)."""
    return [{"src": "labextension", "dest": "jupyterlab-webrtc"}]


def _jupyter_server_extension_points():
    """The server extension (enabled by etc/jupyter/jupyter_server_config.d/jupyterlab_webrtc.json)."""
    return [{"module": "jupyterlab_webrtc"}]


def _load_jupyter_server_extension(serverapp):
    """Kernel websockets send at once (websocket_nodelay.py); adds no handler and opens no port."""
    _wrap_connection_class(serverapp)


async def _start_jupyter_server_extension(serverapp):
    """Once every extension is loaded: one loaded after us may have put its own class in the
    settings; wrap that one too (a class already wrapped is left as it is)."""
    _wrap_connection_class(serverapp)


def _wrap_connection_class(serverapp):
    from .websocket_nodelay import MARKER, with_nodelay

    settings = serverapp.web_app.settings
    base = settings.get("kernel_websocket_connection_class") or getattr(
        serverapp, "kernel_websocket_connection_class", None
    )
    if base is None:  # jupyter_server < 2 has no such class: nothing to wrap, the stream still works
        serverapp.log.warning("jupyterlab_webrtc: this Jupyter server has no kernel websocket connection class")
        return
    if getattr(base, MARKER, False):
        return
    settings["kernel_websocket_connection_class"] = with_nodelay(base)
    serverapp.log.info("jupyterlab_webrtc: kernel websockets send without Nagle's delay (%s)", base.__name__)
