"""Template parameters are checked before anything runs: a bad value is a HubError, not a crash."""

from __future__ import annotations

import pytest

from healthdatahub.config import load_settings
from healthdatahub.errors import HubError
from healthdatahub.indicators import service
from healthdatahub.indicators.templates import parse_params


@pytest.mark.parametrize("raw", [
    {"phenotype": "crohn", "year": "20x3"}, {"phenotype": "crohn", "year": ""},
    {"phenotype": "crohn", "where": "age_min=ten"}, {"phenotype": "crohn", "by": "commune"},
    {"phenotype": "nope"},
])
def test_bad_parameters_are_refused_with_a_message(raw):
    with pytest.raises(HubError):
        parse_params("prevalence", raw)


def test_years_and_filters_are_normalised():
    clean = parse_params("prevalence", {"phenotype": "crohn", "year": "2023, 2022",
                                        "where": "region=11;age_min=18"})
    assert clean["year"] == [2022, 2023] and clean["where"] == {"region": ["11"], "age_min": 18}


@pytest.mark.parametrize("bands", ["0-17,18-", "18-", "0-39, 40-64, 65-"])
def test_age_bands_accepted(tmp_path, bands):
    raw, clean = service._split({"phenotype": "crohn", "bands": bands},
                                load_settings(data_dir=tmp_path))
    assert clean == bands.replace(" ", "") and "bands" not in raw


@pytest.mark.parametrize("bands", ["adults", "18", "0-17;18-", "-17"])
def test_bad_age_bands_are_refused(tmp_path, bands):
    with pytest.raises(HubError, match="Age bands"):
        service._split({"phenotype": "crohn", "bands": bands}, load_settings(data_dir=tmp_path))
