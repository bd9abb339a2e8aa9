"""The linkage job's work on identities: the only code that sees them, in memory only.

For each holder upload: open it from the vault, check it, link it (direct or with
reconstruction), pseudonymise the linked NIRs, write the correspondence ``Id_acc → project
pseudonym`` and the holder's report. One private in-memory DuckDB per run, no spilling; any
failure is re-raised as a HubError naming the holder and the error type, never a value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from healthdatahub.config import Settings
from healthdatahub.errors import HubError
from healthdatahub.jobs import atomic_file
from healthdatahub.linkage import checks, direct, formats, normalise, probabilistic, pseudonymise
from healthdatahub.linkage import report as reports
from healthdatahub.linkage.sql import q


@dataclass(frozen=True)
class Reference:
    """The civil-status reference the job links against (the national register's stand-in)."""

    folder: Path

    @property
    def etat_civil(self) -> str:
        """Glob of the ETAT_CIVIL parquet files."""
        return str(self.folder / "ETAT_CIVIL" / "*.parquet")

    @property
    def correspondance(self) -> str:
        """Glob of the CORRESPONDANCE_NIR_PSA parquet files."""
        return str(self.folder / "CORRESPONDANCE_NIR_PSA" / "*.parquet")

    def check(self) -> Reference:
        """This reference, or a HubError when its folder lacks the two tables."""
        for name in ("ETAT_CIVIL", "CORRESPONDANCE_NIR_PSA"):
            if not any((self.folder / name).glob("*.parquet")):
                raise HubError(f"Civil-status reference {self.folder} has no {name} parquet files.")
        return self


@dataclass
class HolderOutcome:
    """What the job produced for one holder: counts, report and correspondence paths."""

    counts: dict[str, int]
    reasons: dict[str, int]
    report: dict[str, Any]
    paths: dict[str, str]


def _weights(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    rows = q(con, "SELECT floor(w1)::INT AS b, count(*) FROM prob_best WHERE w1 IS NOT NULL "
                  "GROUP BY b ORDER BY b")
    if not rows:
        return []
    have = dict(rows)
    return [{"low": b, "rows": int(have.get(b, 0))} for b in range(rows[0][0], rows[-1][0] + 1)]


def _link_reconstruction(con: duckdb.DuckDBPyConnection, ref: Reference, loaded: set[str],
                         threshold: float, margin: float) -> tuple[list[dict], dict]:
    normalise.normalise_holder(con)
    if "ref_n" not in loaded:
        normalise.normalise_reference(con, ref.etat_civil)
        loaded.add("ref_n")
    if int(q(con, "SELECT count(*) FROM hold_n")[0][0]) == 0:
        q(con, "CREATE OR REPLACE TEMP TABLE results AS SELECT NULL::BIGINT AS line, "
               "NULL AS id_acc, NULL AS state, NULL AS method, NULL AS nir, NULL::DOUBLE AS weight "
               "WHERE false")
        return [], {}
    _, model = probabilistic.score(con)
    probabilistic.choose(con, threshold, margin, model)
    q(con, """CREATE OR REPLACE TEMP TABLE results AS
              SELECT h.line, h.id_acc, b.state, 'probabilistic' AS method,
                     CASE WHEN b.state = 'linked' THEN r.nir END AS nir, b.w1 AS weight
              FROM hold_n h JOIN prob_best b ON b.hid = h.unique_id
              LEFT JOIN ref_n r ON r.unique_id = b.rid""", step="results")
    return _weights(con), model


def process(settings: Settings, con: duckdb.DuckDBPyConnection, plaintext: bytes, mode: str,
            ref: Reference, loaded: set[str], project_uid: str, project: str, holder: str,
            out_dir: Path, report_dir: Path,
            on_pseudonymised: Callable[[dict[str, int]], None] | None = None) -> HolderOutcome:
    """Check, link and pseudonymise one holder table; write its correspondence and report.

    ``on_pseudonymised`` is told the counts (received, rejected, accepted, pseudonymised) as
    soon as the found NIRs have become project pseudonyms, before anything is written.
    """
    from healthdatahub.linkage.keys import pseudonym_secret

    threshold, margin = settings.linkage_match_threshold, settings.linkage_ambiguity_margin
    try:
        formats.load_lines(con, plaintext, mode, f"The table of holder {holder}")
        checked = checks.run_checks(con, mode)
        q(con, "DROP TABLE src")
        weights: list[dict] = []
        model: dict = {}
        if mode == "direct":
            if "ref_d" not in loaded:
                direct.load_reference(con, ref.etat_civil, ref.correspondance)
                loaded.add("ref_d")
            direct.link_direct(con)
        else:
            weights, model = _link_reconstruction(con, ref, loaded, threshold, margin)
        pseudonymise.install(con, pseudonym_secret(settings), project_uid)
        q(con, """CREATE OR REPLACE TEMP TABLE delivered AS
                  SELECT id_acc AS "Id_acc", hdh_project(hdh_national(nir)) AS pseudonyme
                  FROM results WHERE state = 'linked' AND nir IS NOT NULL""", step="pseudonymise")
        states = dict(q(con, "SELECT state || '_' || (method IN ('nir', 'triplet'))::INT, count(*) "
                             "FROM results GROUP BY ALL"))
        pseudonymised = int(q(con, "SELECT count(*) FROM delivered")[0][0])
        if on_pseudonymised is not None:
            on_pseudonymised({"received": checked.received, "rejected": checked.rejected,
                              "accepted": checked.accepted, "pseudonymised": pseudonymised})
        target = out_dir / "correspondance.csv"
        out_dir.mkdir(parents=True, exist_ok=True)
        with atomic_file(target) as tmp:
            q(con, f"COPY (SELECT * FROM delivered ORDER BY \"Id_acc\") TO '{tmp}' "
                   "(HEADER, DELIMITER ';')", step="deliver")
    except HubError:
        raise
    except Exception as exc:  # noqa: BLE001 - the message could quote a value: keep the type
        raise HubError(f"Linkage of holder {holder} failed ({type(exc).__name__}).") from None
    finally:
        for table in ("src", "checked", "ok", "hold_n", "results", "delivered", "prob_pairs",
                      "prob_best"):
            q(con, f"DROP TABLE IF EXISTS {table}")
    counts = {
        "received": checked.received, "rejected": checked.rejected, "accepted": checked.accepted,
        "linked_direct": int(states.get("linked_1", 0)),
        "linked_probabilistic": int(states.get("linked_0", 0)),
        "ambiguous": int(states.get("ambiguous_0", 0) + states.get("ambiguous_1", 0)),
        "unlinked": int(states.get("unlinked_0", 0) + states.get("unlinked_1", 0)),
        "pseudonymised": pseudonymised,
    }
    doc = reports.build(project, holder, mode, counts, checked.reasons, checked.rejected_lines,
                        weights, threshold, margin, model)
    paths = reports.write(doc, report_dir)
    paths["correspondance"] = str(target)
    return HolderOutcome(counts, checked.reasons, doc, paths)
