"""JupyterLab for the galata Gateway spec (``gateway.spec.ts``): the same settings as
``jupyter_server_test_config.py``, on a port of its own. ``gateway_lab.py`` starts it with
dask-gateway's configuration (``DASK_GATEWAY__*``) of a real gateway in its environment,
as daskhub does for a single-user server and its kernels.

Never use this configuration elsewhere: galata removes every security protection.
"""

import os

c = get_config()  # noqa: F821  # injected by traitlets when it loads this file

load_subconfig("jupyter_server_test_config.py")  # noqa: F821  # the same folder

# playwright.config.js picks this port (LAZYSCOPE_UI_GATEWAY_PORT, else the main port + 3).
c.ServerApp.port = int(os.environ.get("LAZYSCOPE_UI_GATEWAY_PORT", "8891"))
