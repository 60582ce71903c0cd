"""Arrow schemas of the batches the warehouse lands, derived from the records' own fields: a column is declared
once, in its record (schemas/), and the lake's tables are checked against them (tests/test_columns.py)."""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Literal, Union, get_args, get_origin, get_type_hints

import pyarrow as pa

# A record field's Python type -> the Arrow type it lands as (DuckDB: VARCHAR, INTEGER, DOUBLE, BOOLEAN,
# TIMESTAMPTZ, VARCHAR[]). A field of any other type is an error, not a guess.
ARROW_TYPES: dict[object, pa.DataType] = {
    str: pa.string(),
    int: pa.int32(),
    float: pa.float64(),
    bool: pa.bool_(),
    datetime: pa.timestamp("us", tz="UTC"),
    list[str]: pa.list_(pa.string()),
}


def arrow_type(annotation: object) -> pa.DataType:
    """The Arrow type of a field annotated `annotation`: `X | None` lands as X (every column is nullable in
    Arrow), a Literal of strings as a string."""
    origin, args = get_origin(annotation), [a for a in get_args(annotation) if a is not type(None)]
    if origin in (Union, types.UnionType) and len(args) == 1:
        return arrow_type(args[0])
    if origin is Literal and args and all(isinstance(a, str) for a in args):
        return pa.string()
    try:
        return ARROW_TYPES[annotation]
    except (KeyError, TypeError):
        raise TypeError(f"a record field of type {annotation!r} has no Arrow type: add one to ARROW_TYPES") from None


def columns(record: type, *, only: Collection[str] | None = None, exclude: Collection[str] = (),
            rename: Mapping[str, str] | None = None) -> list[pa.Field]:
    """The Arrow fields of a record's fields (a pydantic model or a dataclass), in declaration order: `only`
    or all but `exclude`, each named as `rename` says (default its own name)."""
    hints = get_type_hints(record)
    if dataclasses.is_dataclass(record):
        names = [f.name for f in dataclasses.fields(record)]
    else:
        names = list(getattr(record, "model_fields"))  # noqa: B009 - a pydantic model class
    unknown = (set(only or ()) | set(exclude) | set(rename or ())) - set(names)
    if unknown:
        raise ValueError(f"{record.__name__} has no field(s) {sorted(unknown)}")
    picked = [n for n in names if (only is None or n in only) and n not in exclude]
    return [pa.field((rename or {}).get(n, n), arrow_type(hints[n])) for n in picked]
