"""Spark's explain text as DAG nodes (the text read by `_explain`).

Logical plans come from the "extended" text (one line per operator); the physical plan
from the "formatted" text, whose numbered detail blocks become each node's attributes.
"""

from __future__ import annotations

import re

from lazyscope.model import Dag, Edge, Node

from ._explain import clean, sections, tree
from ._kinds import describe_operator

__all__ = ["add_logical", "add_physical"]

# A tree line: "Filter (2)", with what Spark may print after the id (", ..." or
# " (columnarIn=false, columnarOut=true)" after InMemoryTableScan).
_OP_ID = re.compile(r"^(.*?) \((\d+)\)(?:,? (.*))?$")
_BLOCK = re.compile(r"^\((\d+)\) (.+?)(?: \[codegen id : (\d+)\])?$")
_ATTR = re.compile(r"^([A-Za-z][\w ]*?)(?: \[\d+\])?\s?: ?(.*)$")
_DETAIL_KEYS = ("Condition", "Arguments", "Functions", "Join type", "Output")


def _link(dag: Dag, ids: list[tuple[int, str]]) -> None:
    """Each (depth, id) line is a child of the nearest shallower line above it."""
    stack: list[tuple[int, str]] = []
    for depth, ident in ids:
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            dag.edges.append(Edge(ident, stack[-1][1]))  # data flows child -> parent
        stack.append((depth, ident))


def add_logical(dag: Dag, section: str, prefix: str) -> None:
    ids = []
    for index, (depth, text) in enumerate(tree(section)):
        ident = f"{prefix}{index}"
        kind, label, detail, attrs = describe_operator(text.lstrip("'"))
        attrs["operator"] = clean(text)
        dag.nodes.append(Node(ident, kind, label, clean(detail)[:100], {}, attrs))
        ids.append((depth, ident))
    _link(dag, ids)


def _blocks(text: str) -> dict[str, tuple[str, str | None, dict[str, str]]]:
    """Operator id -> (name, codegen stage, attributes) from the formatted detail blocks."""
    found = {}
    for block in re.split(r"\n\s*\n", text):
        lines = block.strip().splitlines()
        head = _BLOCK.match(lines[0]) if lines else None
        if head is None:
            continue
        attrs = {}
        for line in lines[1:]:
            match = _ATTR.match(line)
            if match:
                attrs[match.group(1).strip()] = clean(match.group(2))
        found[head.group(1)] = (head.group(2), head.group(3), attrs)
    return found


def add_physical(dag: Dag, formatted: str) -> None:
    main, _, subqueries = formatted.partition("===== Subqueries =====")
    body = sections(main).get("Physical Plan", main)
    blocks = _blocks(formatted)
    parts: list[tuple[str, str | None]] = [(body, None)]
    for sub in re.split(r"\n(?=Subquery:\d+ )", subqueries)[1:] if subqueries else []:
        head, _, subtree = sub.partition("\n")
        hosting = re.search(r"Hosting operator id = (\d+)", head)
        parts.append((subtree, hosting.group(1) if hosting else None))
    for part, host in parts:
        ids = []
        for depth, text in tree(part):
            if text.startswith("== Initial Plan"):  # after a run: the final plan is enough
                break
            if text.startswith("=="):  # "== Final Plan ==" marks no operator
                continue
            match = _OP_ID.match(text)
            op_id = match.group(2) if match else text
            ident = f"P:{op_id}"
            if any(n.id == ident for n in dag.nodes):  # a reused subquery's operators
                continue
            ids.append((depth, ident))
            name, codegen, attrs = blocks.get(op_id, (match.group(1) if match else text, None, {}))
            shown = match.group(1) if match else text
            kind, label, detail, extra = describe_operator(shown, name)
            detail = next((attrs[k] for k in _DETAIL_KEYS if k in attrs), detail)
            # As the one-line explain modes print it: what the advisor's findings point at.
            operator = f"{name} {attrs['Arguments']}" if "Arguments" in attrs else shown
            attrs = {**extra, **attrs, "operator id": op_id, "operator": clean(operator)}
            if codegen:
                attrs["codegen stage"] = codegen
            dag.nodes.append(Node(ident, kind, label, clean(detail)[:100], {}, attrs))
        _link(dag, ids)
        if host and ids:
            dag.edges.append(Edge(ids[0][1], f"P:{host}"))
