"""package.json holds the one version number; every other place must agree."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import lazyscope
from tests._paths import ROOT, package_json_version


def test_package_json_version_is_the_python_version() -> None:
    assert lazyscope.__version__ == package_json_version()


def test_installed_distribution_has_the_same_version() -> None:
    assert importlib.metadata.version("lazyscope") == package_json_version()


def test_built_labextension_has_the_same_version() -> None:
    # The folder the Python package points JupyterLab at (see _jupyter_labextension_paths).
    (path,) = lazyscope._jupyter_labextension_paths()
    built = Path(lazyscope.__file__).parent / path["src"] / "package.json"
    assert built.is_file(), "lab extension not built: run `pip install -e .` or `jlpm build`"
    assert package_json_version(built) == package_json_version()
    assert built.resolve().is_relative_to(ROOT / "src" / "lazyscope")
