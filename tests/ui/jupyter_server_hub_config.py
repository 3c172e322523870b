"""JupyterLab for the galata browser tests under a JupyterHub-style base URL
(``/user/alice/``), as a hub serves each user: links and the dashboard proxy must work
below it. Same settings as ``jupyter_server_test_config.py`` otherwise.

Never use this configuration elsewhere: galata removes every security protection.
"""

import os

c = get_config()  # noqa: F821  # injected by traitlets when it loads this file

load_subconfig("jupyter_server_test_config.py")  # noqa: F821  # the same folder

c.ServerApp.base_url = "/user/alice/"
# playwright.config.js picks this port (LAZYSCOPE_UI_HUB_PORT, else the main port + 1).
c.ServerApp.port = int(os.environ.get("LAZYSCOPE_UI_HUB_PORT", "8889"))
