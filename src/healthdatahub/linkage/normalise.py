"""French civil-status normalisation and a French phonetic code, as DuckDB SQL macros.

Names (``hdh_fold``): upper case; Œ→OE, Æ→AE; accents removed; every run of characters other
than A-Z (hyphens, apostrophes, spaces, digits) becomes one space. ``hdh_key`` is the folded
name without spaces (``Le Prince`` = ``LEPRINCE``); ``hdh_core`` also drops particles
(DE, DU, DES, D, LE, LA, LES, L, DI, DA, DEL, DELLA, DOS, VAN, VON, DER, DEN, TER) and reads ST
as SAINT. First names are split into tokens (``Marc-André`` → MARC, ANDRE): the first token,
the set of tokens (order-free) and the concatenation are compared. The birth name and the
usage (married) name of the reference are both kept.

``hdh_phon`` is a French phonetic code in the spirit of Soundex-FR / FONEM: a fixed chain of
rewrite rules (``PHONETIC_RULES``, applied in order) on the name key, then repeated letters
collapsed. DUPONT and DUPOND give DUP3, LEFEBVRE and LEFÈVRE give LEFEVR, BEAUMONT and
BAUMON give BOM3, PHILIPPE and FILIPE give FILIP (digits 1, 2, 3 mark the nasal vowels).
"""

from __future__ import annotations

import duckdb

from healthdatahub.linkage.sql import q

PARTICLES = ("DE", "DU", "DES", "D", "LE", "LA", "LES", "L", "DI", "DA", "DEL", "DELLA", "DOS",
             "VAN", "VON", "DER", "DEN", "TER")

#: (pattern, replacement) applied in this order (RE2 syntax, \1 = first group).
PHONETIC_RULES: tuple[tuple[str, str], ...] = (
    ("X$", ""), ("X", "KS"), ("PH", "F"), ("SCH", "X"), ("CHR", "KR"), ("[CS]H", "X"),
    ("GU([EIY])", r"G\1"), ("GE([AOU])", r"J\1"), ("G([EIY])", r"J\1"),
    ("QU", "K"), ("Q", "K"), ("C([EIY])", r"S\1"), ("CK", "K"), ("C", "K"),
    ("TH", "T"), ("H", ""), ("W", "V"), ("Y", "I"), ("Z", "S"), ("BV", "V"),
    ("EAU", "O"), ("AU", "O"), ("OU", "U"),
    ("[AE]IN([^AEIOU]|$)", r"1\1"), ("(IN|IM|UN|UM)([^AEIOU]|$)", r"1\2"),
    ("(AN|AM|EN|EM)([^AEIOU]|$)", r"2\2"), ("(ON|OM)([^AEIOU]|$)", r"3\2"),
    ("AI|EI", "E"), ("(ER|ET|ES)$", "E"), ("([^AEIOU])E$", r"\1"),
    ("[STDX]$", ""), ("[STD]$", ""),
)


#: The characters a phonetic code can hold (a name key's letters and the nasal-vowel digits).
PHONETIC_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ123"


def _phonetic_sql(arg: str) -> str:
    expr = arg
    for pattern, repl in PHONETIC_RULES:
        expr = f"regexp_replace({expr}, '{pattern}', '{repl}', 'g')"
    return expr


def _collapse_runs_sql(arg: str) -> str:
    """SQL that collapses each run of one repeated character of PHONETIC_ALPHABET to one.

    RE2 has no back-references, so each character gets its own group (``(A)A+|(B)B+|…``),
    rewritten to the concatenation of the groups (an unmatched group is empty); a rewrite
    allows nine groups, hence one regexp per nine characters. The argument appears once, so
    DuckDB evaluates it once (a lambda over the characters re-evaluated the whole rule chain
    for every character: 5x slower).
    """
    expr = arg
    for start in range(0, len(PHONETIC_ALPHABET), 9):
        chars = PHONETIC_ALPHABET[start:start + 9]
        pattern = "|".join(f"({c}){c}+" for c in chars)
        rewrite = "".join(f"\\{i + 1}" for i in range(len(chars)))
        expr = f"regexp_replace({expr}, '{pattern}', '{rewrite}', 'g')"
    return expr


def macros() -> list[str]:
    """The CREATE MACRO statements of the normalisation."""
    particles = "|".join(PARTICLES)
    strip = f"regexp_replace(x, ' ({particles}) ', ' ', 'g')"
    return [
        r"""CREATE OR REPLACE TEMP MACRO hdh_fold(s) AS trim(regexp_replace(strip_accents(
              replace(replace(replace(upper(coalesce(s, '')), 'Œ', 'OE'), 'Æ', 'AE'), 'ß', 'SS')),
              '[^A-Z]+', ' ', 'g'))""",
        "CREATE OR REPLACE TEMP MACRO hdh_key(s) AS nullif(replace(hdh_fold(s), ' ', ''), '')",
        f"""CREATE OR REPLACE TEMP MACRO hdh_core_of(x) AS
              nullif(replace({strip.replace('(x,', '(' + strip + ',', 1)}, ' ', ''), '')""",
        """CREATE OR REPLACE TEMP MACRO hdh_core(s) AS coalesce(
              hdh_core_of(' ' || regexp_replace(hdh_fold(s), '(^| )ST( |$)', ' SAINT ', 'g') || ' '),
              hdh_key(s))""",
        f"""CREATE OR REPLACE TEMP MACRO hdh_phon_raw(k) AS {_phonetic_sql('k')}""",
        f"""CREATE OR REPLACE TEMP MACRO hdh_collapse(k) AS {_collapse_runs_sql('k')}""",
        """CREATE OR REPLACE TEMP MACRO hdh_phon(s) AS
              nullif(hdh_collapse(hdh_phon_raw(coalesce(hdh_key(s), ''))), '')""",
        """CREATE OR REPLACE TEMP MACRO hdh_tokens(s) AS
              list_filter(string_split(hdh_fold(s), ' '), lambda t: t <> '')""",
    ]


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Create the normalisation macros on ``con``."""
    for statement in macros():
        q(con, statement, step="normalise")


def _normalise(con: duckdb.DuckDBPyConnection, target: str, rows: str, step: str) -> int:
    """Normalise ``rows`` into ``target``; return its size.

    ``rows`` yields ``unique_id``, the columns to keep, then ``nom``, ``nom_usage`` (NULL when
    there is none), ``prenoms`` (tokens), ``sexe``, ``dn_y``, ``dn_m``, ``dn_d``. Names are
    coded once per distinct value, not per row: the phonetic code is 37 regular expressions,
    and a million-person register has about 200,000 distinct surnames and 20,000 first names.
    """
    q(con, f"CREATE OR REPLACE TEMP TABLE _hdh_rows AS {rows}", step=step)
    q(con, """CREATE OR REPLACE TEMP TABLE _hdh_names AS
              SELECT raw, hdh_key(raw) AS nkey, hdh_core(raw) AS core, hdh_phon(raw) AS ph
              FROM (SELECT nom AS raw FROM _hdh_rows UNION SELECT nom_usage FROM _hdh_rows)
              WHERE raw IS NOT NULL""", step=step)
    q(con, """CREATE OR REPLACE TEMP TABLE _hdh_firsts AS
              SELECT tok, hdh_phon(tok) AS ph
              FROM (SELECT DISTINCT prenoms[1] AS tok FROM _hdh_rows) WHERE tok IS NOT NULL""",
      step=step)
    q(con, f"""
      CREATE OR REPLACE TEMP TABLE {target} AS
      SELECT r.* EXCLUDE (nom, nom_usage, prenoms, sexe, dn_y, dn_m, dn_d),
        a.nkey AS nom_a, coalesce(b.nkey, a.nkey) AS nom_b,
        a.core AS core_a, coalesce(b.core, a.core) AS core_b,
        a.ph AS ph_a, coalesce(b.ph, a.ph) AS ph_b, sexe, dn_y, dn_m, dn_d,
        printf('%04d%02d%02d', dn_y, dn_m, coalesce(dn_d, 0)) AS dn_s,
        prenoms, prenoms[1] AS prenom1, f.ph AS prenom_ph
      FROM _hdh_rows r LEFT JOIN _hdh_names a ON a.raw = r.nom
      LEFT JOIN _hdh_names b ON b.raw = r.nom_usage LEFT JOIN _hdh_firsts f ON f.tok = r.prenoms[1]
    """, step=step)
    for table in ("_hdh_rows", "_hdh_names", "_hdh_firsts"):
        q(con, f"DROP TABLE {table}", step=step)
    return int(q(con, f"SELECT count(*) FROM {target}")[0][0])


def normalise_reference(con: duckdb.DuckDBPyConnection, etat_civil: str) -> int:
    """Load and normalise the civil-status reference into ``ref_n``; return its size.

    Ids follow the NIR order, so a run gives the same pairs and weights whatever the scan order.
    """
    install(con)
    return _normalise(con, "ref_n", f"""
      SELECT row_number() OVER (ORDER BY NIR) AS unique_id, NIR AS nir, NOM AS nom,
        NOM_USAGE AS nom_usage, hdh_tokens(PRENOMS) AS prenoms, SEXE AS sexe,
        year(DATE_NAISSANCE) AS dn_y, month(DATE_NAISSANCE) AS dn_m, day(DATE_NAISSANCE) AS dn_d
      FROM read_parquet({etat_civil!r})""", "normalise reference")


def normalise_holder(con: duckdb.DuckDBPyConnection, table: str = "ok") -> int:
    """Normalise a checked reconstruction table into ``hold_n`` (ids start after 10^12)."""
    install(con)
    return _normalise(con, "hold_n", f"""
      SELECT 1000000000000 + row_number() OVER (ORDER BY line) AS unique_id, id_acc, line,
        nom, NULL::VARCHAR AS nom_usage, hdh_tokens(prenom) AS prenoms, sex AS sexe,
        dn_y, dn_m, dn_d
      FROM {table}""", "normalise holder")
