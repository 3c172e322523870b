"""A Dask Gateway's cluster options (`Gateway().cluster_options()`, as the gateway declares
them): in words for error messages, as JSON fields for the Clusters panel's form, and set
from what a user asked for, checked against them. Shared by the kernel (`%dask start
--gateway --option K=V`, `_gateway`) and the Jupyter server (`_gateway_clusters`), so both
refuse an option with the same sentence. Works on dask-gateway's `Options` objects without
importing dask-gateway (its field classes are told apart by name)."""

from __future__ import annotations

import json
from typing import Any

from lazyscope._errors import LazyscopeError

__all__ = ["allowed", "describe", "fields", "set_options"]


def describe(spec: Any) -> str:
    """What one of the gateway's cluster options takes, in words."""
    option_type = type(spec).__name__
    if option_type in ("Integer", "Float"):
        noun = "an integer" if option_type == "Integer" else "a number"
        low, high = spec.min, spec.max
        if low is not None and high is not None:
            what = f"{noun} from {low:g} to {high:g}"
        elif low is not None:
            what = f"{noun} of at least {low:g}"
        elif high is not None:
            what = f"{noun} of at most {high:g}"
        else:
            what = noun
    elif option_type == "Select":
        what = "one of " + ", ".join(spec.options)
    elif option_type == "Bool":
        what = "true or false"
    elif option_type == "Mapping":
        what = 'a JSON object (e.g. {"KEY": "VALUE"})'
    else:
        what = "any text"
    return f"{what} (default {shown_value(spec.value)})"


def shown_value(value: Any) -> str:
    """An option's value as a user would type it."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return json.dumps(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _converted(spec: Any, text: str) -> Any:
    """A typed string (`--option KEY=VALUE`, a form's text box) as the option's type; left
    as it is when it does not read as one (the option's own check then refuses it)."""
    option_type = type(spec).__name__
    if option_type == "Integer":
        return int(text)
    if option_type == "Float":
        return float(text)
    if option_type == "Bool":
        words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
        return words.get(text.lower(), text)
    if option_type == "Mapping":
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def allowed(options: Any) -> str:
    """Every option and what it takes, in one line."""
    specs = options._fields.values()  # dask-gateway's fields, as the gateway declared them
    return "; ".join(f"{s.field}: {describe(s)}" for s in specs) or "none"


def set_options(options: Any, wanted: dict[str, Any], shown_address: str, flag: str) -> None:
    """Set `wanted` on the gateway's `options`, each checked against what the gateway
    declares; a `LazyscopeError` names the first one it refuses and what it allows.
    Values are typed strings or JSON values; `flag` is how the user named an option
    (`"--option "` in a kernel, `""` in a request to the server)."""
    for key, value in wanted.items():
        spec = options._fields.get(key)
        if spec is None:
            raise LazyscopeError(
                f"The Dask Gateway at {shown_address} has no cluster option {key!r}. "
                f"It offers: {allowed(options)}."
            )
        shown = value if isinstance(value, str) else shown_value(value)
        try:
            options[key] = _converted(spec, value) if isinstance(value, str) else value
        except (TypeError, ValueError, KeyError):
            raise LazyscopeError(
                f"The Dask Gateway at {shown_address} does not allow {flag}{key}={shown}: "
                f"{key} takes {describe(spec)}."
            ) from None


_TYPES = {"Integer": "integer", "Float": "float", "Select": "select", "Bool": "bool",
          "Mapping": "mapping", "String": "string"}  # fmt: skip


def fields(options: Any) -> list[dict[str, Any]]:
    """The options as a form needs them: name, label, type (integer, float, select, bool,
    mapping, string), default (the configuration's local defaults applied, as a kernel
    gets them), min and max of numbers, choices of a select, and `allows` in words."""
    found = []
    for spec in options._fields.values():
        option_type = type(spec).__name__
        field: dict[str, Any] = {
            "name": spec.field,
            "label": spec.label,
            "type": _TYPES.get(option_type, "string"),
            "default": spec.value,
            "allows": describe(spec),
        }
        if option_type in ("Integer", "Float"):
            field.update(min=spec.min, max=spec.max)
        if option_type == "Select":
            field["choices"] = list(spec.options)
        found.append(field)
    return found
