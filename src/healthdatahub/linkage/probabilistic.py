"""Linkage with NIR reconstruction: Fellegi–Sunter with Splink on the job's in-memory DuckDB.

Inputs are ``hold_n`` and ``ref_n`` (``normalise.py``). The model has French-specific levels:
birth or usage (married) name, particles, swapped first and last names, first names in any
order or shortened, day/month swaps and a missing or 01 day. u-probabilities come from
``U_MAX_PAIRS`` random pairs, m-probabilities from EM on a sample of ``EM_MAX_PAIRS`` pairs of
each of two blocks (birth date; phonetic names), term-frequency adjustment on exact names.
``choose`` keeps, per holder row, the best candidate when its probability reaches the
threshold and the runner-up is at least ``margin`` match weight behind; closer pairs are
``ambiguous`` and stay unlinked. ``plain=True`` builds the baseline
model with Splink's stock comparisons, for the benchmark's peer comparison.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import duckdb

from healthdatahub.linkage.sql import q

log = logging.getLogger(__name__)

NAME_JW, FIRST_JW = 0.92, 0.9
#: The few functions whose names differ between DuckDB and Splink's Spark backend.
FUNCTIONS = {
    "duckdb": {"jw": "jaro_winkler_similarity", "dl": "damerau_levenshtein",
               "any": "list_has_any", "has": "list_contains", "starts": "starts_with"},
    "spark": {"jw": "jaro_winkler", "dl": "damerau_levenshtein", "any": "arrays_overlap",
              "has": "array_contains", "starts": "startswith"},
}


def one_edit(f: dict[str, str], a: str, b: str) -> str:
    """SQL: ``a`` and ``b`` are at most one edit apart (Damerau-Levenshtein <= 1).

    The distance is slow (ten times Jaro-Winkler), so two conditions that every such pair
    meets come first and spare it for most pairs: lengths at most one apart, and, from three
    letters on, the same first or the same last letter (one edit cannot change both).
    """
    ends = (f"(least(length({a}), length({b})) < 3 OR substr({a}, 1, 1) = substr({b}, 1, 1) "
            f"OR substr({a}, length({a}), 1) = substr({b}, length({b}), 1))")
    return f"(abs(length({a}) - length({b})) <= 1 AND {ends} AND {f['dl']}({a}, {b}) <= 1)"


def _name_comparison(f: dict[str, str]) -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(output_column_name="nom", comparison_levels=[
        cll.CustomLevel("nom_a_l IS NULL OR nom_a_r IS NULL", "null").configure(is_null_level=True),
        cll.CustomLevel("nom_a_l = nom_a_r", "birth name exact").configure(
            tf_adjustment_column="nom_a", tf_adjustment_weight=1.0),
        cll.CustomLevel("nom_b_l = nom_b_r OR nom_a_l = nom_b_r OR nom_b_l = nom_a_r",
                        "usage (married) name exact"),
        cll.CustomLevel("core_a_l = core_a_r OR core_b_l = core_b_r", "exact without particles"),
        cll.CustomLevel(f"{f['jw']}(nom_a_l, nom_a_r) >= {NAME_JW} "
                        f"OR {f['jw']}(nom_b_l, nom_b_r) >= {NAME_JW} "
                        f"OR {one_edit(f, 'nom_a_l', 'nom_a_r')} "
                        f"OR {one_edit(f, 'nom_b_l', 'nom_b_r')}", "typo"),
        cll.CustomLevel("ph_a_l = ph_a_r OR ph_b_l = ph_b_r", "same French phonetic code"),
        cll.CustomLevel("nom_a_l = prenom1_r OR prenom1_l = nom_a_r OR prenom1_l = nom_b_r "
                        "OR nom_b_l = prenom1_r", "swapped with first name"),
        cll.CustomLevel(f"{f['jw']}(nom_b_l, nom_b_r) >= 0.8", "close"),
        cll.ElseLevel(),
    ])


def _first_name_comparison(f: dict[str, str]) -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    prefix = ("(length(prenom1_l) >= 3 AND length(prenom1_r) >= 3 AND "
              f"({f['starts']}(prenom1_l, prenom1_r) OR {f['starts']}(prenom1_r, prenom1_l)))")
    return cl.CustomComparison(output_column_name="prenom", comparison_levels=[
        cll.CustomLevel("prenom1_l IS NULL OR prenom1_r IS NULL", "null").configure(
            is_null_level=True),
        cll.CustomLevel("prenom1_l = prenom1_r", "first first name exact").configure(
            tf_adjustment_column="prenom1", tf_adjustment_weight=1.0),
        cll.CustomLevel(f"{f['any']}(prenoms_l, prenoms_r)", "a first name in common (any order)"),
        cll.CustomLevel(f"{f['jw']}(prenom1_l, prenom1_r) >= {FIRST_JW} "
                        f"OR {one_edit(f, 'prenom1_l', 'prenom1_r')}", "typo"),
        cll.CustomLevel(f"prenom_ph_l = prenom_ph_r OR {prefix}", "phonetic or shortened"),
        cll.CustomLevel(f"{f['has']}(prenoms_l, nom_a_r) OR {f['has']}(prenoms_r, nom_a_l) "
                        f"OR {f['has']}(prenoms_l, nom_b_r) OR {f['has']}(prenoms_r, nom_b_l)",
                        "swapped with last name"),
        cll.ElseLevel(),
    ])


def _date_comparison(f: dict[str, str]) -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(output_column_name="date_naissance", comparison_levels=[
        cll.CustomLevel("dn_y_l IS NULL OR dn_y_r IS NULL", "null").configure(is_null_level=True),
        cll.CustomLevel("dn_s_l = dn_s_r", "exact"),
        cll.CustomLevel("dn_y_l = dn_y_r AND dn_d_l = dn_m_r AND dn_m_l = dn_d_r", "day/month swapped"),
        cll.CustomLevel("dn_y_l = dn_y_r AND dn_m_l = dn_m_r AND (dn_d_l IS NULL OR dn_d_r IS NULL "
                        "OR dn_d_l = 1 OR dn_d_r = 1)", "day missing or 01"),
        cll.CustomLevel(f"{f['dl']}(dn_s_l, dn_s_r) <= 1", "one digit"),
        cll.CustomLevel("dn_m_l = dn_m_r AND dn_d_l = dn_d_r AND abs(dn_y_l - dn_y_r) <= 1",
                        "year off by one"),
        cll.CustomLevel("dn_y_l = dn_y_r", "same year"),
        cll.ElseLevel(),
    ])


def _plain_comparisons() -> list[Any]:
    import splink.comparison_library as cl

    return [cl.JaroWinklerAtThresholds("nom_a", [0.92, 0.8]).configure(
                term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("prenom1", [0.9, 0.8]).configure(
                term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("dn_s", [1, 2]),
            cl.ExactMatch("sexe")]


MODEL_COLUMNS = ("unique_id", "nom_a", "nom_b", "core_a", "core_b", "ph_a", "ph_b", "sexe",
                 "dn_y", "dn_m", "dn_d", "dn_s", "prenoms", "prenom1", "prenom_ph")

BLOCKING = (
    ("dn_y", "dn_m", "dn_d"),
    ("sexe", "dn_y", "ph_a"),
    ("sexe", "dn_y", "ph_b"),
    ("sexe", "dn_y", "dn_m", "prenom_ph"),
    ("sexe", "ph_b", "prenom_ph"),
)
#: Name columns whose initials, on either side, must share a letter for the birth-date block.
INITIALS = ("nom_a", "nom_b", "prenom1")
#: Random pairs for the u-probabilities, and blocked pairs sampled for each EM session.
U_MAX_PAIRS, EM_MAX_PAIRS = 1.5e6, 5e5


def _initials_in_common() -> str:
    """A pair shares an initial of its names (surnames or first name, crossed for swaps).

    Added to the birth-date block, where each holder row meets about 30 people of a
    million-person register: a true pair without an initial in common has errors in the first
    letter of both its surname and its first name. On the benchmark it keeps every true pair
    the plain birth-date block kept, for a quarter of its pairs (docs/benchmarks.md).
    """
    return "(" + " OR ".join(f"substr(l.{a}, 1, 1) = substr(r.{b}, 1, 1)"
                             for a in INITIALS for b in INITIALS) + ")"


def _rules(plain: bool) -> list[Any]:
    from splink import block_on

    if plain:
        return [block_on(*r) for r in BLOCKING[:3]]
    date, *rest = BLOCKING
    return [" AND ".join(f"l.{c} = r.{c}" for c in date) + " AND " + _initials_in_common(),
            *(block_on(*r) for r in rest),
            # first and last names swapped (the rule is symmetric in l and r)
            "l.sexe = r.sexe AND l.dn_y = r.dn_y AND l.ph_b = r.prenom_ph AND l.prenom_ph = r.ph_b"]


@dataclass
class ProbResult:
    """Pairs scored and the candidates per holder row, in table ``prob_best``."""

    comparisons: int
    linked: int
    ambiguous: int
    unlinked: int
    model: dict[str, Any]


def settings_for(plain: bool, n_ref: int, dialect: str = "duckdb") -> Any:
    """The Splink settings of the hub's model (or the plain baseline) for one backend."""
    return _settings(plain, n_ref, FUNCTIONS[dialect])


def _settings(plain: bool, n_ref: int, f: dict[str, str]) -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator

    comparisons = _plain_comparisons() if plain else [
        _name_comparison(f), _first_name_comparison(f), _date_comparison(f), cl.ExactMatch("sexe")]
    return SettingsCreator(
        link_type="link_only", comparisons=comparisons,
        blocking_rules_to_generate_predictions=_rules(plain),
        probability_two_random_records_match=0.9 / max(n_ref, 1),
        retain_intermediate_calculation_columns=False, retain_matching_columns=False,
    )


def score(con: duckdb.DuckDBPyConnection, plain: bool = False, floor_weight: float = -4.0,
          seed: int = 7, timings: dict[str, float] | None = None) -> tuple[int, dict[str, Any]]:
    """Train, score blocked pairs into ``prob_pairs``; return the pair count and the model.

    ``timings``, when given, receives the seconds of each step (``train_and_predict``).
    """
    from splink import DuckDBAPI, Linker

    n_ref = int(q(con, "SELECT count(*) FROM ref_n")[0][0])
    cols = ", ".join(MODEL_COLUMNS)
    q(con, f"CREATE OR REPLACE TEMP VIEW hold_s AS SELECT {cols} FROM hold_n", step="score")
    q(con, f"CREATE OR REPLACE TEMP VIEW ref_s AS SELECT {cols} FROM ref_n", step="score")
    api = DuckDBAPI(connection=con)
    left = api.register("hold_s", dataset_display_name="hold_s")
    right = api.register("ref_s", dataset_display_name="ref_s")
    linker = Linker([left, right], settings_for(plain, n_ref), log_level=logging.WARNING)
    n_hold = int(q(con, "SELECT count(*) FROM hold_n")[0][0])
    pairs, model = train_and_predict(linker, plain, n_hold, n_ref, floor_weight, seed, timings)
    _store_pairs(con, pairs.physical_name)
    pairs.drop_table_from_database_and_remove_from_cache()
    return int(q(con, "SELECT count(*) FROM prob_pairs")[0][0]), model


def train_and_predict(linker: Any, plain: bool, n_hold: int, n_ref: int, floor_weight: float,
                      seed: int, timings: dict[str, float] | None = None
                      ) -> tuple[Any, dict[str, Any]]:
    """Estimate u (sampling) and m (EM on two blocks), then score blocked pairs (any backend)."""
    from splink import block_on

    spent = timings if timings is not None else {}
    mark = time.perf_counter()

    def step(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        spent[name] = now - mark
        mark = now
        log.info("%s done in %.1f s", name, spent[name])

    max_pairs = max(1e5, min(U_MAX_PAIRS, n_hold * n_ref / 20))  # fast on small inputs
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed, num_chunks=1)
    step("u_s")
    names = ("nom_a", "prenom1") if plain else ("ph_b", "prenom_ph")
    for rule in (block_on("dn_y", "dn_m", "dn_d"), block_on(*names)):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, max_pairs=EM_MAX_PAIRS)
    step("em_s")
    pairs = linker.inference.predict(threshold_match_weight=floor_weight)
    step("predict_s")
    return pairs, _summary(linker.misc.save_model_to_json(out_path=None))


def _store_pairs(con: duckdb.DuckDBPyConnection, table: str) -> None:
    q(con, f"""CREATE OR REPLACE TEMP TABLE prob_pairs AS
               SELECT CASE WHEN unique_id_l > unique_id_r THEN unique_id_l ELSE unique_id_r END AS hid,
                      CASE WHEN unique_id_l > unique_id_r THEN unique_id_r ELSE unique_id_l END AS rid,
                      match_weight, match_probability, * EXCLUDE (unique_id_l, unique_id_r,
                      source_dataset_l, source_dataset_r, match_weight, match_probability)
               FROM {table}""", step="score")


def _summary(model: dict[str, Any]) -> dict[str, Any]:
    """A model's comparison levels with m and u (no data values), for clerical review."""
    out = []
    for comp in model.get("comparisons", []):
        levels = [{"label": lv.get("label_for_charts"), "m": lv.get("m_probability"),
                   "u": lv.get("u_probability")} for lv in comp.get("comparison_levels", [])]
        out.append({"comparison": comp.get("output_column_name"), "levels": levels})
    return {"comparisons": out}


def choose(con: duckdb.DuckDBPyConnection, threshold: float, margin: float,
           model: dict[str, Any] | None = None) -> ProbResult:
    """Pick each holder row's best candidate into ``prob_best`` (state linked/ambiguous/unlinked)."""
    q(con, f"""
      CREATE OR REPLACE TEMP TABLE prob_best AS
      WITH ranked AS (
        SELECT hid, rid, match_weight, match_probability,
          row_number() OVER (PARTITION BY hid ORDER BY match_weight DESC, rid) AS rk
        FROM prob_pairs),
      top2 AS (
        SELECT hid, max(CASE WHEN rk = 1 THEN rid END) AS rid,
          max(CASE WHEN rk = 1 THEN match_weight END) AS w1,
          max(CASE WHEN rk = 1 THEN match_probability END) AS p1,
          max(CASE WHEN rk = 2 THEN match_weight END) AS w2
        FROM ranked WHERE rk <= 2 GROUP BY hid)
      SELECT h.unique_id AS hid, t.rid, t.w1, t.p1, t.w2,
        CASE WHEN t.p1 IS NULL OR t.p1 < {threshold} THEN 'unlinked'
             WHEN t.w2 IS NOT NULL AND t.w1 - t.w2 < {margin} THEN 'ambiguous'
             ELSE 'linked' END AS state
      FROM hold_n h LEFT JOIN top2 t ON t.hid = h.unique_id
    """, step="choose")
    counts = dict(q(con, "SELECT state, count(*) FROM prob_best GROUP BY state"))
    comparisons = int(q(con, "SELECT count(*) FROM prob_pairs")[0][0])
    return ProbResult(comparisons, int(counts.get("linked", 0)), int(counts.get("ambiguous", 0)),
                      int(counts.get("unlinked", 0)), model or {})
