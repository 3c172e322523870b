"""Dask's options in `%config Lazyscope` (`lazyscope.dask.config`) and in the Jupyter
server's `ClusterManager` (`lazyscope.dask.server_config`)."""

from __future__ import annotations

from typing import Any

from traitlets import CInt, Dict, Unicode

__all__ = ["config", "server_config"]


def config() -> dict[str, Any]:
    return {
        "dask_workers": CInt(2, help="Worker processes of `%dask start`.").tag(config=True),
        "dask_threads": CInt(0, help="Threads per Dask worker (0: cores / workers).").tag(
            config=True
        ),
        "dask_memory": Unicode("auto", help="Memory limit per Dask worker, e.g. '2GiB'.").tag(
            config=True
        ),
    }


def server_config() -> dict[str, Any]:
    return {
        "dask_factory": Unicode(
            "distributed.LocalCluster",
            help="Dotted path of the Dask cluster class, e.g. dask_jobqueue.SLURMCluster; "
            "any class other than LocalCluster is built from dask_kwargs and then scaled.",
        ).tag(config=True),
        "dask_kwargs": Dict(help="Extra keyword arguments for the Dask cluster class.").tag(
            config=True
        ),
    }
