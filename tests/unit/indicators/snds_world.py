"""Hand-built SNDS tables of a few named patients, for rule tests (imported by the tests here)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from healthdatahub.snds.schema import JOIN_KEYS

YEAR = 2023
#: Fictional CIP13 codes: (ATC, large pack) — one small and one large pack per class used.
DRUGS = {
    "C09_S": ("C09AA05", 0), "C09_L": ("C09AA05", 1), "C03_S": ("C03CA01", 0),
    "C07_S": ("C07AB07", 0), "C02_S": ("C02AC01", 0), "C08_S": ("C08CA01", 0),
    "C01_S": ("C01AA05", 0), "A10_S": ("A10BA02", 0),
    "J05AP_S": ("J05AP08", 0), "J05AP_L": ("J05AP08", 1), "J05AF_S": ("J05AF07", 0),
    "J05AE_S": ("J05AE10", 0),
    "R06AX_S": ("R06AX27", 0), "R06AX_L": ("R06AX27", 1), "R06AE_S": ("R06AE07", 0),
    "R01AD_S": ("R01AD09", 0), "R06AA_S": ("R06AA02", 0), "V01AA_S": ("V01AA02", 0),
    "V01AB_S": ("V01AB01", 0),
    "N06DA_S": ("N06DA02", 0), "N06DA_L": ("N06DA02", 1), "N06DX_S": ("N06DX01", 0),
    "N06DX_L": ("N06DX01", 1), "N06AB_S": ("N06AB04", 0),
}
CIP = {name: f"34009{i:08d}" for i, name in enumerate(DRUGS, start=1)}


@dataclass
class World:
    """Hand-built SNDS tables of a few patients, registered with an engine."""

    deliveries: list[tuple[str, str, str, int, int]] = field(default_factory=list)
    alds: list[tuple[str, str, int, str, str | None]] = field(default_factory=list)
    stays: list[tuple[str, int, str | None, str | None, str | None, bool]] = field(
        default_factory=list)
    people: dict[str, dict[str, Any]] = field(default_factory=dict)

    def person(self, name: str, born: int = 1950, sex: int = 1, dpt: str = "075",
               death: str | None = None, nir_ano: str | None = None) -> None:
        """A beneficiary's IR_BEN_R row (people only named elsewhere get the defaults)."""
        self.people[name] = {"BEN_NAI_ANN": born, "BEN_SEX_COD": sex, "BEN_RES_DPT": dpt,
                             "BEN_DCD_DTE": dt.date.fromisoformat(death) if death else None,
                             "BEN_NIR_ANO": nir_ano}

    def drug(self, patient: str, day: str, drug: str, qty: int = 1, dpn_qlf: int = 0) -> None:
        """A delivery of ``drug`` (a key of DRUGS) on ``day``; negative ``qty`` cancels."""
        self.deliveries.append((patient, day, drug, qty, dpn_qlf))

    def ald(self, patient: str, cim10: str, nature: int = 41, start: str = "2019-01-01",
            end: str | None = None) -> None:
        """A long-term condition (ALD) with its exoneration nature and dates."""
        self.alds.append((patient, cim10, nature, start, end))

    def stay(self, patient: str, dp: str | None = None, dr: str | None = None,
             das: str | None = None, year: int = YEAR, link_error: bool = False) -> None:
        """An MCO stay of the year's tables, its diagnoses and exit year."""
        self.stays.append((patient, year, dp, dr, das, link_error))

    def named(self) -> set[str]:
        """Every patient name used by the world."""
        return ({d[0] for d in self.deliveries} | {a[0] for a in self.alds}
                | {s[0] for s in self.stays} | set(self.people))

    def register(self, engine) -> None:
        n = len(self.deliveries)
        keys = {k: list(range(n)) if k == "DCT_ORD_NUM" else [1] * n for k in JOIN_KEYS}
        keys["FLX_DIS_DTD"] = [dt.date(2024, 1, 1)] * n
        keys["FLX_TRT_DTD"] = [dt.date(2024, 1, 1)] * n
        keys["ORG_CLE_NUM"] = ["01C011000"] * n
        engine.register_arrow("ER_PRS_F", pa.table({
            **keys, "BEN_NIR_PSA": pa.array([d[0] for d in self.deliveries], pa.string()),
            "BEN_RNG_GEM": pa.array([1] * n, pa.int64()),
            "EXE_SOI_DTD": pa.array([dt.date.fromisoformat(d[1]) for d in self.deliveries],
                                    pa.date32()),
            "DPN_QLF": pa.array([d[4] for d in self.deliveries], pa.int64())}))
        engine.register_arrow("ER_PHA_F", pa.table({
            **keys, "PHA_PRS_C13": pa.array([int(CIP[d[2]]) for d in self.deliveries], pa.int64()),
            "PHA_ACT_QSN": pa.array([d[3] for d in self.deliveries], pa.int64())}))
        engine.register_arrow("medicaments", pa.table({
            "CIP13": [CIP[k] for k in DRUGS], "ATC": [v[0] for v in DRUGS.values()],
            "GRAND_COND": pa.array([v[1] for v in DRUGS.values()], pa.int8())}))
        engine.register_arrow("IR_IMB_R", pa.table({
            "BEN_NIR_PSA": pa.array([a[0] for a in self.alds], pa.string()),
            "BEN_RNG_GEM": pa.array([1] * len(self.alds), pa.int64()),
            "MED_MTF_COD": pa.array([a[1] for a in self.alds], pa.string()),
            "IMB_ETM_NAT": pa.array([a[2] for a in self.alds], pa.int64()),
            "IMB_ALD_DTD": pa.array([dt.date.fromisoformat(a[3]) for a in self.alds], pa.date32()),
            "IMB_ALD_DTF": pa.array([dt.date.fromisoformat(a[4]) if a[4] else None
                                     for a in self.alds], pa.date32())}))
        ids = [str(i) for i in range(len(self.stays))]
        engine.register_arrow("T_MCO23B", pa.table({
            "ETA_NUM": pa.array(ids, pa.string()), "RSA_NUM": pa.array(ids, pa.string()),
            "DGN_PAL": pa.array([s[2] for s in self.stays], pa.string()),
            "DGN_REL": pa.array([s[3] for s in self.stays], pa.string()),
            "SOR_ANN": pa.array([s[1] for s in self.stays], pa.int64())}))
        engine.register_arrow("T_MCO23C", pa.table({
            "ETA_NUM": pa.array(ids, pa.string()), "RSA_NUM": pa.array(ids, pa.string()),
            "NIR_ANO_17": pa.array([s[0] for s in self.stays], pa.string()),
            "NIR_RET": pa.array([s[5] for s in self.stays], pa.bool_()),
            "RNG_NAI": pa.array([1] * len(self.stays), pa.int64())}))
        das = [(i, s[4]) for i, s in zip(ids, self.stays, strict=True) if s[4]]
        engine.register_arrow("T_MCO23D", pa.table({
            "ETA_NUM": pa.array([i for i, _ in das], pa.string()),
            "RSA_NUM": pa.array([i for i, _ in das], pa.string()),
            "ASS_DGN": pa.array([c for _, c in das], pa.string())}))
        everyone = sorted(self.named())
        rows = [{"BEN_NIR_PSA": p, "BEN_RNG_GEM": 1, **self.people.get(p, {})} for p in everyone]
        default = {"BEN_NAI_ANN": 1950, "BEN_SEX_COD": 1, "BEN_RES_DPT": "075",
                   "BEN_DCD_DTE": None, "BEN_NIR_ANO": None}
        types = {"BEN_NIR_PSA": pa.string(), "BEN_RNG_GEM": pa.int64(), "BEN_NAI_ANN": pa.int64(),
                 "BEN_SEX_COD": pa.int64(), "BEN_RES_DPT": pa.string(),
                 "BEN_DCD_DTE": pa.date32(), "BEN_NIR_ANO": pa.string()}
        engine.register_arrow("IR_BEN_R", pa.table({
            col: pa.array([r.get(col, default.get(col)) for r in rows], kind)
            for col, kind in types.items()}))
