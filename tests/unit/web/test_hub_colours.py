"""The hub's configurable colours stay readable: a too-light brand colour is refused."""

from __future__ import annotations

import pytest

from healthdatahub.config import Settings, load_settings
from healthdatahub.contrast import AA_TEXT, contrast_ratio
from healthdatahub.errors import HubError


def test_contrast_ratio_matches_wcag_reference_values() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#ffffff", "#ffffff") == 1


def test_default_colours_keep_aa_contrast_with_white() -> None:
    for name in ("hub_color_primary", "hub_color_accent"):
        default = Settings.model_fields[name].default
        assert contrast_ratio(default, "#ffffff") >= AA_TEXT, name


def test_a_light_brand_colour_is_refused_with_its_ratio(tmp_path) -> None:
    with pytest.raises(HubError, match=r"HDH_HUB_COLOR_ACCENT: .*#ffb000 contrasts 1\.\d\d:1"):
        load_settings(data_dir=tmp_path, hub_color_accent="#ffb000")
    assert load_settings(data_dir=tmp_path, hub_color_primary="#005a9c").hub_color_primary == "#005a9c"
