"""One source of truth: every consumer's list of parameters and outcomes is derived from the
registry (``ftzsim.levers``) and the outcome list (``ftzsim.outcomes``), never kept by hand.

Each test checks a consumer against the registry through the consumer's own behaviour, so a
second hand-written list that drifted would fail here.
"""

from __future__ import annotations

import pytest

from ftzsim import levers as L
from ftzsim import outcomes as O
from ftzsim.scenario import ScenarioError, load_scenario


@pytest.mark.parametrize("name", list(L.REGISTRY))
def test_schedule_accepts_exactly_the_schedulable_parameters(write_scenario, name):
    p = L.REGISTRY[name]
    value = p.lower if not p.integer else int(p.lower)
    path = write_scenario(
        f"""
        [scenario]
        name = "s"
        quarters = 4
        zones = ["Shanghai"]
        [[schedule]]
        at = "2021Q2"
        set = {{ "{name}" = {value} }}
        """
    )
    if p.schedulable:
        assert load_scenario(path).schedule[0].values == {name: value}
    else:
        with pytest.raises(ScenarioError, match="not a schedulable lever"):
            load_scenario(path)


@pytest.mark.parametrize("name", list(L.REGISTRY))
def test_calibration_fits_exactly_the_fittable_parameters(write_scenario, name):
    from ftzsim.calibration import candidates
    from ftzsim.calibration.simulate import LEVELS

    p = L.REGISTRY[name]
    # the calibration varies the fittable parameters and integrates the level factors
    assert (name in candidates() or name in LEVELS) == p.fittable
    path = write_scenario(
        f"""
        [scenario]
        name = "s"
        [calibration.fitted]
        "{name}" = {float(p.default)}
        """
    )
    if p.fittable:
        assert load_scenario(path).params()[name] == p.default
    else:
        with pytest.raises(ScenarioError, match="not a fittable parameter"):
            load_scenario(path)


def test_fitted_values_outside_registry_bounds_are_refused(write_scenario):
    path = write_scenario(
        """
        [scenario]
        name = "s"
        [calibration.fitted]
        level_ds_exports = 1e308
        """
    )
    with pytest.raises(ScenarioError, match=r"level_ds_exports.*allowed: a number in \[0.5, 2\]"):
        load_scenario(path)


def test_app_sliders_are_the_registry_sliders():
    pytest.importorskip("solara")
    from ftzsim.app import model_params

    params = model_params("classroom")
    shown = [k for k in params if k in L.REGISTRY]
    assert shown == L.select(slider=True)
    for name in shown:
        p = L.REGISTRY[name]
        assert (params[name]["min"], params[name]["max"]) == (p.lower, p.upper)


def test_engine_outcomes_are_the_outcome_list():
    from ftzsim.engine.spec import SUMMARY_OUTCOMES
    from ftzsim.model import FTZModel

    assert SUMMARY_OUTCOMES == O.summary_names()
    m = FTZModel("classroom", rng=1, quarters=4, build_firm_agents=False).run()
    assert list(m.summary()) == O.summary_names()
    assert list(m.national_frame().columns[4:]) == list(O.NATIONAL_OUTCOMES)
    assert list(m.zone_frame().columns[6:]) == list(O.ZONE_OUTCOMES)


def test_every_parameter_and_outcome_has_labels_in_both_languages():
    for p in L.REGISTRY.values():
        assert p.label and p.label_zh and p.label != p.name
    for name in [*O.NATIONAL_OUTCOMES, *O.ZONE_OUTCOMES, *O.summary_names(), *L.REGISTRY]:
        en, zh = O.label(name), O.label(name, "zh")
        assert en != name and zh != name and en != zh, name
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), name


def test_labels_and_units_say_which_reduction():
    assert O.label("final_ds_exports") == "Digital services exports, final year"
    assert O.label("cum_incidents", "zh") == "数据安全事件（累计）"
    assert O.unit("ds_exports") == "100 million USD per quarter"
    assert O.unit("final_ds_exports") == "100 million USD per year"
    assert O.unit("final_ds_exports", "zh") == "亿美元/年"
    assert O.unit("final_adoption_rate") == "share of firms"  # a stock has no period
    assert O.label("not_a_name") == "not_a_name"
    with pytest.raises(ValueError, match="allowed: en, zh"):
        O.label("ds_exports", "fr")
