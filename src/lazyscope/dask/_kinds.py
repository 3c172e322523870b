"""Dask expression classes and task-key prefixes -> DAG node kinds (the vocabulary is
shared with Spark, so a join is drawn as a join whichever engine planned it)."""

from __future__ import annotations

import re

__all__ = ["kind_of"]

# First matching rule wins; words come from names like "sum-partial", "ReadParquet".
_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("write", ("to", "store", "write")),
    (
        "scan",
        (
            "read",
            "from",
            "ones",
            "zeros",
            "empty",
            "full",
            "arange",
            "linspace",
            "random",
            "timeseries",
            "array",
            "range",
            "frompandas",
            "fromarray",
            "fromgraph",
        ),
    ),
    ("shuffle", ("shuffle", "rechunk", "repartition", "set", "rearrange", "p2p", "partition")),
    ("join", ("merge", "join")),
    ("union", ("concat", "stack", "union")),
    ("sort", ("sort", "nlargest", "nsmallest", "topk", "argtopk")),
    (
        "aggregate",
        (
            "sum",
            "mean",
            "count",
            "reduce",
            "reduction",
            "aggregate",
            "agg",
            "groupby",
            "max",
            "min",
            "std",
            "var",
            "size",
            "nunique",
            "quantile",
            "partial",
            "combine",
            "tree",
            "chunk",
            "prod",
            "any",
            "all",
            "len",
            "cov",
            "corr",
        ),
    ),
    ("filter", ("filter", "query", "dropna", "where", "mask", "isin")),
    ("udf", ("lambda", "apply", "map", "overlap", "udf", "func")),
    ("project", ("projection", "getitem", "columns", "index", "rename", "astype")),
    ("limit", ("head", "tail", "limit", "blocks", "partitions", "slice")),
    (
        "map",
        (
            "blockwise",
            "elemwise",
            "fused",
            "assign",
            "add",
            "sub",
            "mul",
            "truediv",
            "floordiv",
            "pow",
            "neg",
            "gt",
            "lt",
            "ge",
            "le",
            "eq",
            "ne",
            "and",
            "or",
            "transpose",
            "ones_like",
            "like",
            "abs",
            "sqrt",
            "exp",
            "log",
        ),
    ),
)
_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def kind_of(name: str) -> str:
    words = [w.lower() for w in _WORDS.findall(name)]
    for kind, keys in _RULES:
        if any(w in keys for w in words):
            return kind
    return "other"
