"""Build the small Athena-format vocabulary fixture shipped in ``omop/vocab/fixture/``.

Run ``.venv/bin/python tools/build_omop_vocab.py``. The output imitates an Athena download
(tab-separated, header, no quoting, dates YYYYMMDD, gzipped) built from the project's own
nomenclatures. It holds:

- the few real OMOP concepts the ETL writes (gender, visit, type, status concepts, 0);
- French source concepts (non-standard) for CIM10, CCAM, BDPM (CIP13), UCD and ATC, with
  made-up ids in the private range ≥ 2,000,000,000 that OHDSI leaves for local concepts;
- a SYNTHETIC standard layer (vocabularies ``HDH SNOMED stand-in`` / ``HDH RxNorm stand-in``):
  one condition concept per CIM-10 category, one procedure concept per CCAM act, one
  ingredient per molecule. They are not SNOMED or RxNorm concepts: real mappings need the
  Athena download, which ``hdh omop vocab load`` takes.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pyarrow as pa

from healthdatahub.snds import nomenclatures

OUT = Path(__file__).resolve().parents[1] / "src/healthdatahub/omop/vocab/fixture"
START, END = "19700101", "20991231"
BASE = {"CIM10": 2_000_000_000, "CCAM": 2_001_000_000, "BDPM": 2_002_000_000,
        "UCD": 2_003_000_000, "ATC": 2_004_000_000, "HDH-SNOMED": 2_100_000_000,
        "HDH-PROC": 2_101_000_000, "HDH-RXNORM": 2_102_000_000, "HDH-SPEC": 2_103_000_000}
# The DQD's plausibleGenderUseDescendants groups (real SNOMED ids), with the synthetic
# stand-ins below them in CONCEPT_ANCESTOR: CIM-10 categories and CCAM act prefixes.
GENDER_GROUPS = [  # concept_id, name, domain, CIM-10 category or CCAM code prefixes
    (4090861, "Male genitalia finding", "Condition",
     ("C60", "C61", "C62", "C63") + tuple(f"N{n}" for n in range(40, 52))),
    (444094, "Finding related to pregnancy", "Condition", tuple(f"O{n:02d}" for n in range(100))),
    (4250917, "Operation on prostate", "Procedure", ("JG",)),
    (4041261, "Procedure on female genital system", "Procedure",
     ("JJ", "JK", "JL", "JM", "JN", "JQ")),
]
# One-to-many 'Maps to' (legitimate in OMOP): type 2 diabetes with renal complications maps to
# the diabetes and to the glomerular disorder (as SNOMED splits E11.2-like codes in two).
ONE_TO_MANY = {"E112": "N08"}
OMOP = [  # concept_id, name, domain, vocabulary, class, standard, code
    (0, "No matching concept", "Metadata", "None", "Undefined", "", "No matching concept"),
    (8507, "MALE", "Gender", "Gender", "Gender", "S", "M"),
    (8532, "FEMALE", "Gender", "Gender", "Gender", "S", "F"),
    (9201, "Inpatient Visit", "Visit", "Visit", "Visit", "S", "IP"),
    (9202, "Outpatient Visit", "Visit", "Visit", "Visit", "S", "OP"),
    (9203, "Emergency Room Visit", "Visit", "Visit", "Visit", "S", "ER"),
    (32810, "Claim", "Type Concept", "Type Concept", "Type Concept", "S", "OMOP4976890"),
    (32815, "Death Certificate", "Type Concept", "Type Concept", "Type Concept", "S",
     "OMOP4976895"),
    (32817, "EHR", "Type Concept", "Type Concept", "Type Concept", "S", "OMOP4976897"),
    (32818, "EHR administration record", "Type Concept", "Type Concept", "Type Concept", "S",
     "OMOP4976898"),
    (32838, "EHR prescription", "Type Concept", "Type Concept", "Type Concept", "S",
     "OMOP4976918"),
    (32879, "Registry", "Type Concept", "Type Concept", "Type Concept", "S", "OMOP4976959"),
    (32880, "Standard algorithm", "Type Concept", "Type Concept", "Type Concept", "S",
     "OMOP4976960"),
    (32902, "Primary diagnosis", "Condition Status", "Condition Status", "Condition Status",
     "S", "OMOP4976972"),
    (32908, "Secondary diagnosis", "Condition Status", "Condition Status", "Condition Status",
     "S", "OMOP4976978"),
    (32893, "Confirmed diagnosis", "Condition Status", "Condition Status", "Condition Status",
     "S", "OMOP4976963"),
    (8717, "Inpatient Hospital", "Visit", "CMS Place of Service", "Visit", "S", "21"),
    (4180190, "French language", "Observation", "SNOMED", "Qualifier Value", "S", "297484000"),
]
VOCABS = [  # vocabulary_id, name, reference
    ("None", "OMOP Standardized Vocabularies", "OMOP generated"),
    ("Gender", "OMOP Gender", "OMOP generated"), ("Visit", "OMOP Visit", "OMOP generated"),
    ("Type Concept", "OMOP Type Concept", "OMOP generated"),
    ("Condition Status", "OMOP Condition Status", "OMOP generated"),
    ("SNOMED", "SNOMED (only the French-language qualifier and the DQD's gender groups)",
     "SNOMED International"),
    ("CMS Place of Service", "Place of Service (only Inpatient Hospital)", "CMS"),
    ("CIM10", "CIM-10 (ATIH), from the SNDS nomenclatures", "ATIH"),
    ("CCAM", "CCAM (ATIH), from the SNDS nomenclatures", "ATIH"),
    ("BDPM", "BDPM presentations (CIP13), from the SNDS nomenclatures", "ANSM"),
    ("UCD", "Unités communes de dispensation, from the SNDS nomenclatures", "CIP-UCD"),
    ("ATC", "WHO ATC classes used by the SNDS nomenclatures", "WHO"),
    ("HDH SNOMED stand-in", "SYNTHETIC stand-in for SNOMED conditions/procedures (not SNOMED)",
     "healthdatahub test fixture"),
    ("HDH RxNorm stand-in", "SYNTHETIC stand-in for RxNorm ingredients (not RxNorm)",
     "healthdatahub test fixture"),
    ("HDH Specialty", "SYNTHETIC provider specialties for SNDS PSE_SPE_COD",
     "healthdatahub test fixture"),
]
DOMAINS = ["Metadata", "Gender", "Visit", "Type Concept", "Condition Status", "Condition",
           "Procedure", "Drug", "Observation", "Provider", "Measurement", "Race", "Ethnicity"]
CLASSES = ["Undefined", "Gender", "Visit", "Type Concept", "Condition Status", "Qualifier Value",
           "ICD10 code", "ICD10 Hierarchy", "Procedure", "Drug Product", "ATC 1st", "ATC 2nd",
           "ATC 3rd", "ATC 4th", "ATC 5th", "Clinical Finding", "Ingredient", "Specialty"]
RELATIONSHIPS = [  # id, name, reverse
    ("Maps to", "Non-standard to Standard map (OMOP)", "Mapped from"),
    ("Mapped from", "Standard to Non-standard map (OMOP)", "Maps to"),
    ("Is a", "Is a", "Subsumes"), ("Subsumes", "Subsumes", "Is a"),
    ("ATC - RxNorm", "ATC to RxNorm", "RxNorm - ATC"),
    ("RxNorm - ATC", "RxNorm to ATC", "ATC - RxNorm"),
]


def _tsv(name: str, header: list[str], rows: list[tuple]) -> None:
    buf = io.StringIO()
    buf.write("\t".join(header) + "\n")
    for row in rows:
        buf.write("\t".join("" if v is None else str(v) for v in row) + "\n")
    with gzip.GzipFile(OUT / f"{name}.csv.gz", "wb", mtime=0) as fh:
        fh.write(buf.getvalue().encode("utf-8"))


def _col(table: pa.Table, name: str) -> list:
    return table.column(name).to_pylist()


def build() -> dict[str, int]:
    """Write every fixture file; return the row counts."""
    OUT.mkdir(parents=True, exist_ok=True)
    concepts = [(*c, START, END, "") for c in OMOP]
    rels: list[tuple] = []
    anc: list[tuple] = []
    syn: list[tuple] = []

    def concept(cid, name, domain, vocab, klass, std, code) -> None:
        concepts.append((cid, name[:255], domain, vocab, klass, std, code, START, END, ""))

    def maps(src: int, dst: int, rel: str = "Maps to", back: str = "Mapped from") -> None:
        rels.extend([(src, dst, rel, START, END, ""), (dst, src, back, START, END, "")])

    cim = nomenclatures.load("cim10")
    cats = sorted({c[:3] for c in _col(cim, "CIM_COD")})
    cat_id = {c: BASE["HDH-SNOMED"] + i for i, c in enumerate(cats)}
    labels = dict(zip(_col(cim, "CIM_COD"), _col(cim, "LIBELLE_OMS"), strict=True))
    for c in cats:
        concept(cat_id[c], f"[synthetic] {labels.get(c) or c}", "Condition",
                "HDH SNOMED stand-in", "Clinical Finding", "S", f"HDH-C-{c}")
        anc.append((cat_id[c], cat_id[c], 0, 0))
    for gid, gname, domain, members in GENDER_GROUPS:
        concept(gid, gname, domain, "SNOMED", "Clinical Finding" if domain == "Condition"
                else "Procedure", "S", f"HDH-G-{gid}")
        anc.append((gid, gid, 0, 0))
        if domain == "Condition":
            anc.extend((gid, cat_id[c], 1, 1) for c in cats if c in members)
    for i, (code, fr, en) in enumerate(zip(_col(cim, "CIM_COD"), _col(cim, "LIBELLE"),
                                           _col(cim, "LIBELLE_OMS"), strict=True)):
        cid = BASE["CIM10"] + i
        concept(cid, en or fr or code, "Condition", "CIM10",
                "ICD10 code" if len(code) > 3 else "ICD10 Hierarchy", "", code)
        if fr:
            syn.append((cid, fr, 4180190))
        if not code.startswith("Z"):  # Z codes stay unmapped: the coverage report shows them
            maps(cid, cat_id[code[:3]])
        if code[:4] in ONE_TO_MANY:  # a second 'Maps to' target: the ETL emits two rows
            maps(cid, cat_id[ONE_TO_MANY[code[:4]]])
    ccam = nomenclatures.load("ccam")
    for i, (code, label) in enumerate(zip(_col(ccam, "CDC_ACT"), _col(ccam, "LIBELLE"),
                                          strict=True)):
        src, std = BASE["CCAM"] + i, BASE["HDH-PROC"] + i
        concept(src, label, "Procedure", "CCAM", "Procedure", "", code)
        concept(std, f"[synthetic] {label}", "Procedure", "HDH SNOMED stand-in", "Procedure",
                "S", f"HDH-P-{code}")
        anc.append((std, std, 0, 0))
        anc.extend((gid, std, 1, 1) for gid, _, domain, members in GENDER_GROUPS
                   if domain == "Procedure" and code.startswith(members))
        maps(src, std)
    med = nomenclatures.load("medicaments")
    atcs = sorted(set(_col(med, "ATC")))
    atc_id = {a: BASE["ATC"] + i for i, a in enumerate(atcs)}
    molecules = sorted(set(_col(med, "MOLECULE")))
    ing_id = {m: BASE["HDH-RXNORM"] + i for i, m in enumerate(molecules)}
    for m in molecules:
        concept(ing_id[m], f"[synthetic] {m.lower()}", "Drug", "HDH RxNorm stand-in",
                "Ingredient", "S", f"HDH-I-{m}")
        anc.append((ing_id[m], ing_id[m], 0, 0))
    atc_ing = dict(zip(_col(med, "ATC"), _col(med, "MOLECULE"), strict=True))
    for a in atcs:
        concept(atc_id[a], f"ATC {a}", "Drug", "ATC", "ATC 5th", "C", a)
        maps(atc_id[a], ing_id[atc_ing[a]], "ATC - RxNorm", "RxNorm - ATC")
        anc.append((atc_id[a], ing_id[atc_ing[a]], 1, 1))
    for i, (cip, atc, mol, label) in enumerate(zip(
            _col(med, "CIP13"), _col(med, "ATC"), _col(med, "MOLECULE"), _col(med, "LIBELLE"),
            strict=True)):
        cid = BASE["BDPM"] + i
        concept(cid, label, "Drug", "BDPM", "Drug Product", "", cip)
        if i % 5 == 4:  # one pack in five reaches its ingredient only through its ATC class
            maps(cid, atc_id[atc], "Is a", "Subsumes")
        else:
            maps(cid, ing_id[mol])
    ucd = nomenclatures.load("ucd")
    for i, (code, label) in enumerate(zip(_col(ucd, "UCD_COD"), _col(ucd, "LIBELLE"),
                                          strict=True)):
        cid = BASE["UCD"] + i
        concept(cid, label, "Drug", "UCD", "Drug Product", "", code)
        if i % 3 == 0:  # synthetic links: a third of the UCD reach an ATC class
            maps(cid, atc_id[atcs[i % len(atcs)]], "Is a", "Subsumes")
    specialties = [(1, "General practice"), (50, "Pharmacy"), (2, "Anaesthesiology"),
                   (3, "Cardiology"), (4, "Surgery"), (5, "Dermatology"), (6, "Radiology"),
                   (7, "Obstetrics and gynaecology"), (8, "Gastroenterology"),
                   (9, "Internal medicine"), (12, "Paediatrics"), (13, "Pneumology"),
                   (14, "Rheumatology"), (15, "Ophthalmology"), (32, "Neurology"),
                   (33, "Psychiatry"), (35, "Nephrology")]
    stcm = []
    for code, name in specialties:
        cid = BASE["HDH-SPEC"] + code
        concept(cid, f"[synthetic] {name}", "Provider", "HDH Specialty", "Specialty", "S",
                f"HDH-S-{code}")
        stcm.append((str(code), 0, "SNDS_PSE_SPE_COD", f"PSE_SPE_COD {code}", cid,
                     "HDH Specialty", "Provider", START, END, ""))
    # Athena's files are unquoted: a name may hold a lone double quote (the loader must cope).
    concept(BASE["HDH-SNOMED"] + 99_999, 'Quoting quirk: 5" tablet "half', "Condition",
            "HDH SNOMED stand-in", "Clinical Finding", "", "HDH-QUIRK")
    vocab_rows = [(v, n, r, "2024-fixture", 0) for v, n, r in VOCABS]
    header = ["concept_id", "concept_name", "domain_id", "vocabulary_id", "concept_class_id",
              "standard_concept", "concept_code", "valid_start_date", "valid_end_date",
              "invalid_reason"]
    _tsv("CONCEPT", header, concepts)
    _tsv("CONCEPT_RELATIONSHIP", ["concept_id_1", "concept_id_2", "relationship_id",
                                  "valid_start_date", "valid_end_date", "invalid_reason"], rels)
    _tsv("CONCEPT_ANCESTOR", ["ancestor_concept_id", "descendant_concept_id",
                              "min_levels_of_separation", "max_levels_of_separation"], anc)
    _tsv("CONCEPT_SYNONYM", ["concept_id", "concept_synonym_name", "language_concept_id"], syn)
    _tsv("VOCABULARY", ["vocabulary_id", "vocabulary_name", "vocabulary_reference",
                        "vocabulary_version", "vocabulary_concept_id"], vocab_rows)
    _tsv("DOMAIN", ["domain_id", "domain_name", "domain_concept_id"],
         [(d, d, 0) for d in DOMAINS])
    _tsv("CONCEPT_CLASS", ["concept_class_id", "concept_class_name", "concept_class_concept_id"],
         [(c, c, 0) for c in CLASSES])
    _tsv("RELATIONSHIP", ["relationship_id", "relationship_name", "is_hierarchical",
                          "defines_ancestry", "reverse_relationship_id",
                          "relationship_concept_id"],
         [(r, n, 0, 0, b, 0) for r, n, b in RELATIONSHIPS])
    _tsv("SOURCE_TO_CONCEPT_MAP", ["source_code", "source_concept_id", "source_vocabulary_id",
                                   "source_code_description", "target_concept_id",
                                   "target_vocabulary_id", "target_domain_id",
                                   "valid_start_date", "valid_end_date", "invalid_reason"], stcm)
    _tsv("DRUG_STRENGTH", ["drug_concept_id", "ingredient_concept_id", "amount_value",
                           "amount_unit_concept_id", "numerator_value",
                           "numerator_unit_concept_id", "denominator_value",
                           "denominator_unit_concept_id", "box_size", "valid_start_date",
                           "valid_end_date", "invalid_reason"], [])
    return {"concept": len(concepts), "concept_relationship": len(rels),
            "concept_ancestor": len(anc), "concept_synonym": len(syn)}


if __name__ == "__main__":
    for table, n in build().items():
        print(f"{table}: {n:,} rows")
