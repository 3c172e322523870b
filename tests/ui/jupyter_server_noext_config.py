"""JupyterLab for the galata browser tests with lazyscope's lab extension disabled, as a
front end that has only ipywidgets and the standard renderers (``noext.spec.ts``); the
same as ``jupyter_server_test_config.py`` otherwise (the server extension still runs).

It is what ``jupyter labextension disable lazyscope`` does, kept out of the user's own
configuration: the disabled list is this server's page config, in a folder of its own.

Never use this configuration elsewhere: galata removes every security protection.
"""

import atexit
import json
import os
import shutil
import tempfile

c = get_config()  # noqa: F821  # injected by traitlets when it loads this file

load_subconfig("jupyter_server_test_config.py")  # noqa: F821  # the same folder

# playwright.config.js picks this port (LAZYSCOPE_UI_NOEXT_PORT, else the main port + 2).
c.ServerApp.port = int(os.environ.get("LAZYSCOPE_UI_NOEXT_PORT", "8890"))
settings = tempfile.mkdtemp(prefix="lazyscope-noext-settings-")
atexit.register(shutil.rmtree, settings, ignore_errors=True)
with open(os.path.join(settings, "page_config.json"), "w", encoding="utf-8") as f:
    json.dump({"disabledExtensions": {"lazyscope": True}}, f)
c.LabApp.app_settings_dir = settings
