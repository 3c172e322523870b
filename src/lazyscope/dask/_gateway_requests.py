"""What a client may ask the Jupyter server about a Dask Gateway cluster (create, scale,
adapt): checked here, before anything reaches the gateway, each refusal one sentence that
says what is allowed. The cluster options themselves are checked against the gateway's
declaration (`_gateway_options`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lazyscope._clusters import SourceError

__all__ = ["MAX_WORKERS", "Create", "checked_create", "checked_scaling"]

# A sanity bound only: the gateway enforces its own limits (cluster_max_workers).
MAX_WORKERS = 1000
_CREATE = ("engine", "gateway", "options", "workers", "adapt", "keep")


@dataclass(frozen=True)
class Create:
    options: dict[str, Any]  # the gateway's cluster options asked for (checked later)
    scaling: dict[str, Any]  # {} or {"workers": N} or {"adapt": [MIN, MAX]}
    keep: bool  # outlives the Jupyter server


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_WORKERS


def checked_scaling(body: dict[str, Any]) -> dict[str, Any]:
    """`{"workers": N}`, `{"adapt": [MIN, MAX]}` or `{}` (the gateway's default size)."""
    if "workers" in body and "adapt" in body:
        raise SourceError("Give either workers (a fixed size) or adapt ([MIN, MAX]), not both.")
    if "workers" in body:
        if not _count(body["workers"]):
            raise SourceError(
                f"workers must be an integer from 0 to {MAX_WORKERS}, not {body['workers']!r}."
            )
        return {"workers": body["workers"]}
    if "adapt" in body:
        adapt = body["adapt"]
        if not (
            isinstance(adapt, list)
            and len(adapt) == 2
            and all(map(_count, adapt))
            and adapt[0] <= adapt[1]
        ):
            raise SourceError(
                f"adapt must be [MIN, MAX], integers with 0 <= MIN <= MAX <= {MAX_WORKERS}, "
                f"not {adapt!r}."
            )
        return {"adapt": list(adapt)}
    return {}


def checked_create(body: dict[str, Any]) -> Create:
    """A create request for a Gateway cluster (`{"engine": "dask", "gateway": true, ...}`)."""
    unknown = sorted(set(body) - set(_CREATE))
    if unknown:
        raise SourceError(
            f"A Dask Gateway cluster does not take {', '.join(unknown)}; it takes "
            f"{', '.join(_CREATE)} (the gateway names its clusters itself)."
        )
    if body.get("engine") != "dask":
        raise SourceError(f"A Gateway cluster is a Dask cluster: engine must be 'dask', "
                          f"not {body.get('engine')!r}.")  # fmt: skip
    options = body.get("options", {})
    if not isinstance(options, dict) or not all(isinstance(k, str) for k in options):
        raise SourceError(
            "options must be a JSON object of the gateway's cluster options (GET "
            "lazyscope/api/gateway/options lists them)."
        )
    keep = body.get("keep", False)
    if not isinstance(keep, bool):
        raise SourceError(f"keep must be true or false, not {keep!r}.")
    if body.get("gateway") is not True:
        raise SourceError('gateway must be true for a Dask Gateway cluster ({"gateway": true}).')
    return Create(dict(options), checked_scaling(body), keep)
