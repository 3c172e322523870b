"""Helpers shared by the back-ends that hand Datashader a pandas-like frame (pandas' own and
the engines' whose partitions are pandas frames)."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from lazyscope._errors import LazyscopeError

from ._spec import MAX_CATEGORIES, Spec, View

__all__ = ["canvas", "check_categories", "column_types", "finish", "per_object", "reduction"]

T = TypeVar("T")

# Cached passes (extents, categories), per DataFrame object: id -> (weakref, {key: value}).
# Keyed by identity because lazy frames are not always hashable; the entry dies with the frame.
_caches: dict[int, tuple[weakref.ref[Any], dict[Any, Any]]] = {}


def per_object(obj: object, key: object, compute: Callable[[], T]) -> T:
    entry = _caches.get(id(obj))
    if entry is None or entry[0]() is not obj:
        entry = (weakref.ref(obj), {})
        _caches[id(obj)] = entry
        weakref.finalize(obj, _caches.pop, id(obj), None)
    if key not in entry[1]:
        entry[1][key] = compute()
    value: T = entry[1][key]
    return value


def column_types(dtypes: Mapping[str, Any]) -> dict[str, str]:
    """ "numeric" | "category" | "other" for pandas dtypes (also a lazy frame's pandas meta)."""
    import pandas as pd

    api = pd.api.types
    out = {}
    for name, dt in dtypes.items():
        if isinstance(dt, pd.CategoricalDtype) or api.is_bool_dtype(dt) or api.is_string_dtype(dt):
            out[str(name)] = "category"
        elif api.is_integer_dtype(dt):
            out[str(name)] = "numeric"  # integers serve as axes and as categories
        elif api.is_float_dtype(dt):
            out[str(name)] = "numeric"
        else:
            out[str(name)] = "other"
    return out


def check_categories(spec: Spec, values: list[Any], float_by: bool) -> tuple[Any, ...]:
    if float_by:
        raise LazyscopeError(
            f"by={spec.by!r} is a float column: by= needs categories (strings, integers)."
        )
    if len(values) > MAX_CATEGORIES:
        raise LazyscopeError(
            f"by={spec.by!r} has {len(values)} distinct values; the limit is {MAX_CATEGORIES}."
        )
    if not values:
        raise LazyscopeError(f"by={spec.by!r} has only missing values: there are no categories.")
    return tuple(sorted(values, key=lambda v: (str(type(v)), v)))


def reduction(spec: Spec) -> Any:
    """The Datashader reduction for a spec (count of rows when no value column)."""
    import datashader as ds

    inner = getattr(ds, spec.agg)(spec.value)
    return ds.by(spec.by, inner) if spec.by else inner


def canvas(view: View) -> Any:
    import datashader as ds

    return ds.Canvas(
        plot_width=view.width, plot_height=view.height, x_range=view.x_range, y_range=view.y_range
    )


def finish(agg: Any, spec: Spec, view: View, engine: str, source: str) -> Any:
    """Name and annotate a grid the same way for every back-end."""
    agg.name = spec.label
    agg.attrs.update(
        x_range=view.x_range, y_range=view.y_range, agg=spec.agg, engine=engine, source=source
    )
    return agg
