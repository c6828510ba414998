"""Jupyter server configuration for the Galata UI tests (never use it outside tests).

`playwright.config.ts` starts `../.venv/bin/jupyter lab --config jupyter_server_test_config.py`.
The server listens on 127.0.0.1:8888 only, with no token, xsrf check or update check, and serves a
fresh temporary copy of `notebooks/` so the tests never write into the repository.
"""

import atexit
import shutil
import tempfile
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

_HERE = Path(__file__).resolve().parent
_root = Path(tempfile.mkdtemp(prefix="jupyterlab-webrtc-ui-"))
shutil.copytree(_HERE / "notebooks", _root, dirs_exist_ok=True)
_settings = Path(tempfile.mkdtemp(prefix="jupyterlab-webrtc-ui-settings-"))
atexit.register(shutil.rmtree, _root, ignore_errors=True)
atexit.register(shutil.rmtree, _settings, ignore_errors=True)

configure_jupyter_server(c)  # noqa: F821 (c is the config object jupyter passes in)

c.ServerApp.ip = "127.0.0.1"  # noqa: F821
c.ServerApp.root_dir = str(_root)  # noqa: F821
# Nothing from the developer's ~/.jupyter/lab/user-settings, no calls to outside hosts.
c.LabApp.user_settings_dir = str(_settings)  # noqa: F821
c.LabApp.news_url = None  # noqa: F821
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"  # noqa: F821
# The test machines run everything as root (and only inside the loopback-only namespace).
c.ServerApp.allow_root = True  # noqa: F821
