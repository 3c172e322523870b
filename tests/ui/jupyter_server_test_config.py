"""JupyterLab server for the galata browser tests (``jlpm start``).

Never use this configuration elsewhere: galata removes every security protection.
"""

import os

from jupyterlab.galata import configure_jupyter_server

c = get_config()  # noqa: F821  # injected by traitlets when it loads this file

configure_jupyter_server(c)

# CI containers run as root, which jupyter_server refuses without this.
c.ServerApp.allow_root = True
# tests/test_ui.py picks a free port; 8888 when run by hand.
c.ServerApp.port = int(os.environ.get("LAZYSCOPE_UI_PORT", "8888"))
# The tutorials run small here, as in tests/test_notebooks.py; kernels inherit this.
os.environ.setdefault("LAZYSCOPE_TUTORIAL_SCALE", "0.02")
# Notebook 7 pages of this server (notebook.spec.ts) expose their app as the lab does.
c.JupyterNotebookApp.expose_app_in_browser = True
