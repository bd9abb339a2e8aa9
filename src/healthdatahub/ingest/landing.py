"""Valid rows landed as Parquet, rejected rows with their reasons written to quarantine."""

from __future__ import annotations

from pathlib import Path

from healthdatahub.engine import Engine
from healthdatahub.engine.base import sql_string
from healthdatahub.ingest.checks import quote_ident
from healthdatahub.ingest.scan import ROW_BASE
from healthdatahub.ingest.validate import POS, TableRun


def _flagged(run: TableRun) -> tuple[str, str]:
    """(condition true on rows to quarantine, list expression of their reasons)."""
    extra = [f"{POS} IN (SELECT pos FROM {t})" for t in run.bad_tables]
    cond = " OR ".join([run.compiled.any_error(), *extra])
    reasons = run.compiled.reasons()
    for t in run.bad_tables:
        label = "key:duplicate" if t.startswith("dup_") else "key:orphan"
        reasons = (f"list_concat({reasons}, CASE WHEN {POS} IN (SELECT pos FROM {t}) "
                   f"THEN ['{label}'] ELSE CAST([] AS VARCHAR[]) END)")
    return f"({cond})", reasons


def _line_fix_table(engine: Engine, run: TableRun) -> str:
    """A small table (position after which, lines to add) turning row numbers into lines."""
    from healthdatahub.ingest.scan import corrections

    name = f"linefix_{run.table}"
    rows = []
    for f in run.files:
        if f.unit == "line":
            for after, add in corrections([r["line"] for r in f.rejects], f.newline_rows):
                rows.append(f"({f.index * ROW_BASE + after}, {add})")
        else:  # Parquet and SAS rows have no header line: __line is the row number
            rows.append(f"({f.index * ROW_BASE}, -1)")
    values = ", ".join(rows) or "(-1, 0)"
    engine.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM (VALUES {values}) "
                   "t(after_pos, add_lines)")
    return name


def land_table(engine: Engine, run: TableRun, lake_dir: Path) -> int:
    """Write the table's valid rows (typed) to ``lake_dir/<table>/``; return the row count."""
    if not run.rows_in_error and not run.bad_tables:
        # Clean: every value passed its check, so plain casts give the typed values; the
        # parallel, unnumbered scan; the strict typed expressions are pruned from the view.
        return engine.write_parquet(f"SELECT {run.compiled.select_clean()} FROM {run.fast_view}",
                                    lake_dir / run.table)
    bad, _ = _flagged(run)
    return engine.write_parquet(f"SELECT {run.compiled.select_output()} FROM {run.view} "
                                f"WHERE NOT {bad}", lake_dir / run.table)


def quarantine_table(engine: Engine, run: TableRun, dest: Path) -> int:
    """Write the table's rejected rows (text as delivered, reasons, file, line) to ``dest``."""
    bad, reasons = _flagged(run)
    fix = _line_fix_table(engine, run)
    files = ", ".join(f"{sql_string(f.source.rel)}" for f in run.files)
    cols = ", ".join(quote_ident(c) for c in run.compiled.typed)
    line = (f"__row + 1 + coalesce((SELECT sum(add_lines) FROM {fix} WHERE after_pos < {POS} "
            f"AND after_pos >= __f * {ROW_BASE}), 0)")
    sql = (f"SELECT list_extract([{files}], __f + 1) AS __file, {line} AS __line, "
           f"{reasons} AS __reasons{', ' + cols if cols else ''} FROM {run.view} WHERE {bad}")
    return engine.write_parquet(sql, dest / run.table)
