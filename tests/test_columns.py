"""The landed columns are declared once, in the records: the loader's Arrow schemas come from their fields, and
the lake's tables (as the migrations, which are never edited, left them) hold exactly those columns."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa
import pytest

from oversight.schemas.records import Article
from oversight.warehouse import db
from oversight.warehouse.columns import arrow_type, columns
from oversight.warehouse.loader import LANDED_SCHEMAS
from tests.research_fixtures import lake_in

# Columns the warehouse fills itself when it lands a batch (warehouse/sql/land_*.sql, replay).
SET_BY_THE_WAREHOUSE = {"articles": {"landed_at"}, "events": {"landed_at"}, "dead_letters": {"replayed_at"}}


def _duckdb_types(schema: pa.Schema) -> dict[str, str]:
    """What DuckDB makes of each Arrow column: the type it lands into."""
    con = duckdb.connect()
    con.register("batch", schema.empty_table())
    return {name: kind for name, kind, *_ in con.execute("DESCRIBE batch").fetchall()}


@pytest.mark.parametrize("table", sorted(LANDED_SCHEMAS))
def test_each_landed_table_has_exactly_its_records_columns(table: str, tmp_path: Path) -> None:
    with db.writer(lake_in(tmp_path)) as con:  # a new lake: every migration applied
        in_lake = {name: kind for name, kind, *_ in con.execute(f"DESCRIBE {table}").fetchall()}
    extra = SET_BY_THE_WAREHOUSE.get(table, set())
    assert {k: v for k, v in in_lake.items() if k not in extra} == _duckdb_types(LANDED_SCHEMAS[table])
    assert extra <= set(in_lake)


def test_the_articles_batch_is_the_article_record_plus_its_tagging() -> None:
    names = LANDED_SCHEMAS["articles"].names
    assert names == [*Article.model_fields, "tag_status", "tagger_version"]


def test_field_types_map_to_arrow_and_an_unknown_type_is_an_error() -> None:
    assert arrow_type(int | None) == pa.int32()
    assert arrow_type(Literal["uses", "bans"]) == pa.string()
    assert arrow_type(list[str]) == pa.list_(pa.string())
    assert arrow_type(datetime) == pa.timestamp("us", tz="UTC")
    with pytest.raises(TypeError, match="bytes"):
        arrow_type(bytes)
    with pytest.raises(TypeError, match=re.escape("int | str")):
        arrow_type(int | str)
    with pytest.raises(ValueError, match="no field"):
        columns(Article, only=("headline",))
