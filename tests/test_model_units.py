"""One unit table, one size parser, one formatter (lazyscope.model)."""

from __future__ import annotations

import pytest

from lazyscope.model import format_bytes, parse_size


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1024", 1024),  # bytes
        ("512m", 512 * 2**20),  # Spark's own spelling
        ("1g", 2**30),
        ("1gb", 2**30),
        ("2GiB", 2 * 2**30),  # Dask's
        (" 1.5 GiB ", 3 * 2**29),
        ("8.0 EiB", 8 * 2**60),  # Spark's plan statistics when it has no idea
        ("546.9 KiB", int(546.9 * 2**10)),
    ],
)
def test_sizes_as_spark_dask_and_users_write_them(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["lots", "", "1x", "-1g", "g", None])
def test_what_is_not_a_size(text: str | None) -> None:
    assert parse_size(text) is None


def test_sizes_read_in_binary_units() -> None:
    assert [format_bytes(n) for n in (None, 0, 1023, 1024, 3 * 2**29, 2**50)] == [
        "unknown",
        "0 B",
        "1023 B",
        "1.0 KiB",
        "1.5 GiB",
        "1024.0 TiB",
    ]
