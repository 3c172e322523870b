"""Render a `Meta` and its findings as text, HTML (fallbacks) and the lab extension's JSON.

Everything that comes from user data (column names, plan text, file paths, values in
expression operands) goes through `escape` in the HTML: a column may be called
`<script>alert(1)</script>`.
"""

from __future__ import annotations

from dataclasses import replace
from html import escape
from typing import Any

from lazyscope.engines import package_for
from lazyscope.engines import title as engine_title
from lazyscope.model import Column, Finding, Meta, format_bytes

from ._html import root

__all__ = ["MIME_TYPE", "summary", "title", "to_html", "to_json", "to_text"]

MIME_TYPE = "application/vnd.lazyscope.describe+json"
MAX_COLUMNS = 200  # a 5,000-column schema would drown the notebook; the count is shown
_ICONS = {"warning": "\u26a0", "info": "\u2139"}  # warning sign, information source


def _fix_once(findings: list[Finding]) -> list[Finding]:
    """The findings as shown: a fix already given for the same rule is not repeated (four
    shuffles need one "fix:", not four)."""
    given: set[tuple[str, str]] = set()
    shown = []
    for f in findings:
        key = (f.rule, f.fix)
        shown.append(replace(f, fix="") if key in given else f)
        given.add(key)
    return shown


def _estimated(meta: Meta) -> bool:
    """Is the size the optimizer's estimate (its engine says so)?"""
    package = package_for(meta.engine)
    return package is not None and package.SIZE_IS_ESTIMATE


def title(meta: Meta) -> str:
    return f"{engine_title(meta.engine)} {meta.collection}"


def summary(meta: Meta, findings: list[Finding]) -> list[str]:
    parts = []
    if meta.columns:
        parts.append(f"{len(meta.columns)} column{'s' if len(meta.columns) != 1 else ''}")
    if meta.shape:
        parts.append(f"shape {meta.shape}" + (f" {meta.dtype}" if meta.dtype else ""))
    if meta.partitioned:
        n = meta.partitions
        parts.append("partitions unknown" if n is None else f"{n} partition{'s' if n != 1 else ''}")
    if meta.size_bytes is not None:
        estimate = "~" if _estimated(meta) else ""
        parts.append(f"{estimate}{format_bytes(meta.size_bytes)}")
    if meta.cached:
        parts.append("cached")
    warnings = sum(f.severity == "warning" for f in findings)
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings > 1 else ''}")
    return parts


def _facts(meta: Meta) -> list[tuple[str, str]]:
    rows = []
    if meta.partitioned:
        partitions = "unknown" if meta.partitions is None else str(meta.partitions)
        rows.append(
            (
                "partitions",
                f"{partitions} ({meta.partitions_note})" if meta.partitions_note else partitions,
            )
        )
    if meta.divisions_known is not None:
        rows.append(("divisions", "known" if meta.divisions_known else "unknown"))
    if meta.chunks:
        rows.append(("chunks", meta.chunks))
    if meta.size_bytes is not None:
        what = "estimated size (optimizer)" if _estimated(meta) else "size"
        rows.append((what, format_bytes(meta.size_bytes)))
    if meta.rows is not None:
        rows.append(("estimated rows", f"{meta.rows:,}"))
    if meta.cached is not None:
        rows.append(("cached", "yes" if meta.cached else "no"))
    if meta.expressions is not None:
        rows.append(("expressions", str(meta.expressions)))
    if meta.layers is not None:
        label = "graph layers" if meta.expressions is None else "expressions after optimization"
        rows.append((label, str(meta.layers)))
    if meta.cores:
        rows.append(("cores", str(meta.cores)))
    return rows


def _flat_columns(columns: list[Column], depth: int = 0) -> list[tuple[int, Column]]:
    out = []
    for column in columns:
        out.append((depth, column))
        out.extend(_flat_columns(list(column.children), depth + 1))
    return out


def _nullable(column: Column) -> str:
    return "" if column.nullable is None else ("nullable" if column.nullable else "not null")


def to_text(meta: Meta, findings: list[Finding]) -> str:
    lines = [f"{title(meta)}: " + " · ".join(summary(meta, findings))]
    flat = _flat_columns(meta.columns)
    if flat:
        lines.append("  columns:")
        lines += [
            f"    {'  ' * d}{c.name}  {c.dtype}  {_nullable(c)}".rstrip()
            for d, c in flat[:MAX_COLUMNS]
        ]
        if len(flat) > MAX_COLUMNS:
            lines.append(f"    ... and {len(flat) - MAX_COLUMNS} more")
    lines += [f"  {key}: {value}" for key, value in _facts(meta)]
    if meta.plan:
        lines.append("  plan:")
        lines += [f"    {'  ' * i.depth}{i.label}  {i.detail}".rstrip() for i in meta.plan]
    lines += [f"  note: {note}" for note in meta.notes]
    if findings:
        lines.append("  advisor:")
        for f in _fix_once(findings):
            lines.append(f"    {f.severity}: [{f.rule}] {f.message}")
            if f.fix:
                lines.append(f"      fix: {f.fix}")
    return "\n".join(lines)


def _html_columns(meta: Meta) -> str:
    flat = _flat_columns(meta.columns)
    rows = "".join(
        f"<tr><td style='padding-left:{4 + 14 * d}px'><code>{escape(c.name)}</code></td>"
        f"<td>{escape(c.dtype)}</td><td>{escape(_nullable(c))}</td></tr>"
        for d, c in flat[:MAX_COLUMNS]
    )
    more = (
        f"<tr><td colspan=3>... and {len(flat) - MAX_COLUMNS} more</td></tr>"
        if len(flat) > MAX_COLUMNS
        else ""
    )
    return f"<table class='lazyscope-columns'>{rows}{more}</table>" if flat else ""


def to_html(meta: Meta, findings: list[Finding]) -> str:
    head = f"<b>{escape(title(meta))}</b> · " + escape(" · ".join(summary(meta, findings)))
    facts = "".join(
        f"<tr><th style='text-align:left'>{escape(k)}</th><td>{escape(v)}</td></tr>"
        for k, v in _facts(meta)
    )
    plan = "".join(
        f"<div style='padding-left:{14 * i.depth}px'>"
        f"<b>{escape(i.label)}</b> {escape(i.detail)}</div>"
        for i in meta.plan
    )
    advice = "".join(
        f"<li>{_ICONS[f.severity]} <b>{escape(f.rule)}</b>: {escape(f.message)}"
        + (f"<br><i>fix:</i> {escape(f.fix)}" if f.fix else "")
        + "</li>"
        for f in _fix_once(findings)
    )
    notes = "".join(f"<p>{escape(n)}</p>" for n in meta.notes)
    parts = [
        f"<details open><summary>{head}</summary>",
        _html_columns(meta),
        f"<table>{facts}</table>" if facts else "",
        notes,
        f"<details><summary>plan</summary>{plan}</details>" if plan else "",
        f"<ul>{advice}</ul>" if advice else "",
        f"<details><summary>engine text</summary><pre>{escape(meta.plan_text)}</pre></details>"
        if meta.plan_text
        else "",
        "</details>",
    ]
    return root("lazyscope-describe", "".join(parts))


def to_json(meta: Meta, findings: list[Finding]) -> dict[str, Any]:
    return {
        "version": 1,
        "title": title(meta),
        "summary": summary(meta, findings),
        "facts": [[k, v] for k, v in _facts(meta)],
        "meta": meta.to_json(),
        "findings": [f.to_json() for f in _fix_once(findings)],
    }
