"""Scenario files: every kind of bad input gets its own clear message (file, field path, allowed)."""

from __future__ import annotations

import pytest

from ftzsim import FTZModel, load_scenario
from ftzsim.scenario import ScenarioError, bundled_scenarios

GOOD = """
[scenario]
name = "t"
zones = ["Shanghai", "Zhejiang", "Yunnan"]
n_firms = 300
quarters = 8
"""


def problems(write_scenario, text, **overrides):
    path = write_scenario(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, **overrides)
    msg = str(info.value)
    assert str(path) in msg  # names the file
    return info.value, msg


def test_good_file_loads(write_scenario):
    sc = load_scenario(write_scenario(GOOD))
    assert sc.zones == ("Shanghai", "Zhejiang", "Yunnan") and sc.levers["data_openness"] == 0.0


def test_all_bundled_scenarios_validate():
    names = set(bundled_scenarios())
    assert {"baseline", "classroom", "data_corridor", "infrastructure_first"} <= names
    for n in names:
        assert load_scenario(n).name == n


def test_baseline_has_all_zones_and_forty_quarters():
    sc = load_scenario("baseline")
    assert len(sc.zones) == 22 and sc.quarters == 40 and sc.start == (2021, 1) and sc.n_firms >= 20_000


def test_unknown_key(write_scenario):
    _, msg = problems(write_scenario, GOOD + "\n[levers]\ndata_opennes = 0.5\n")
    assert "levers.data_opennes" in msg and "unknown key" in msg and "did you mean 'data_openness'" in msg


def test_unknown_top_level_table(write_scenario):
    _, msg = problems(write_scenario, GOOD + "\n[policy]\nx = 1\n")
    assert "policy: unknown key" in msg and "levers" in msg


def test_out_of_range_value_names_the_allowed_range(write_scenario):
    _, msg = problems(write_scenario, GOOD + "\n[levers]\ndata_openness = 1.5\n")
    assert "levers.data_openness" in msg and "[0, 1]" in msg


def test_out_of_range_uncertainty(write_scenario):
    _, msg = problems(write_scenario, GOOD + "\n[uncertainties]\ntrade_elasticity = 9\n")
    assert "uncertainties.trade_elasticity" in msg and "[2, 6]" in msg


def test_bad_type(write_scenario):
    _, msg = problems(write_scenario, GOOD + '\n[levers]\nsingle_window = "high"\n')
    assert "levers.single_window" in msg and "'high'" in msg and "[0, 1]" in msg


def test_integer_expected(write_scenario):
    _, msg = problems(write_scenario, GOOD + "\n[levers]\nreplication_lag = 2.5\n")
    assert "levers.replication_lag" in msg and "integer" in msg


def test_unknown_zone(write_scenario):
    _, msg = problems(write_scenario, GOOD.replace('"Yunnan"', '"Yunan"'))
    assert "scenario.zones[2]" in msg and "did you mean 'Yunnan'" in msg


def test_zone_override_for_a_zone_not_in_the_run(write_scenario):
    _, msg = problems(write_scenario, GOOD + "\n[zone.Beijing]\ndata_openness = 0.5\n")
    assert "zone.Beijing" in msg and "not in scenario.zones" in msg


def test_unknown_bloc(write_scenario):
    _, msg = problems(write_scenario, GOOD + "\n[levers.rule_alignment]\nasean = 0.5\n")
    assert "levers.rule_alignment.asean" in msg and "rcep" in msg


def test_malformed_toml(write_scenario):
    _, msg = problems(write_scenario, GOOD + "\n[levers\n")
    assert "malformed TOML" in msg and "line" in msg


def test_wrong_encoding(tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes(GOOD.encode() + "\n# caf\xe9\n".encode("latin-1"))
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(path)


def test_missing_required_field(write_scenario):
    _, msg = problems(write_scenario, GOOD.replace('name = "t"\n', ""))
    assert "scenario.name" in msg and "missing" in msg


def test_schedule_outside_the_run(write_scenario):
    text = GOOD + '\n[[schedule]]\nat = "2030Q1"\nset = { data_openness = 0.5 }\n'
    _, msg = problems(write_scenario, text)
    assert "schedule[0].at" in msg and "2021Q1 to 2022Q4" in msg


def test_schedule_bad_period_and_lever(write_scenario):
    text = (
        GOOD + '\n[[schedule]]\nat = "2022-1"\nset = { x = 1 }\n[[schedule]]\nat = "2022Q1"\nset = { bass_q = 0.5 }\n'
    )
    err, msg = problems(write_scenario, text)
    paths = [p for p, _ in err.problems]
    assert "schedule[0].at" in paths and "schedule[1].set.bass_q" in paths
    assert "not a schedulable lever" in msg


def test_sector_shares_must_add_up(write_scenario):
    text = GOOD + "\n[constants.sector_shares]\ngoods = 0.6\necommerce = 0.3\ndigital_services = 0.3\n"
    _, msg = problems(write_scenario, text)
    assert "constants.sector_shares" in msg and "add up to 1.2" in msg


def test_too_many_firms_refused_up_front(write_scenario):
    _, msg = problems(write_scenario, GOOD.replace("n_firms = 300", "n_firms = 50000000"))
    assert "scenario.n_firms" in msg and "2000000" in msg


def test_unknown_outcome(write_scenario):
    _, msg = problems(write_scenario, GOOD + '\n[outcomes]\nreport = ["ds_export"]\n')
    assert "outcomes.report[0]" in msg and "did you mean 'ds_exports'" in msg


def test_several_problems_reported_together(write_scenario):
    err, _ = problems(write_scenario, GOOD + "\n[levers]\ndata_openness = 2\nsingle_window = -1\n")
    assert {p for p, _ in err.problems} == {"levers.data_openness", "levers.single_window"}


def test_override_errors_name_the_key(write_scenario):
    path = write_scenario(GOOD)
    with pytest.raises(ScenarioError) as info:
        FTZModel(path, rng=1, data_openness=3, bass_qq=0.1, **{"zone.Shangai.single_window": 0.5})
    paths = {p for p, _ in info.value.problems}
    assert paths == {"data_openness", "bass_qq", "zone.Shangai.single_window"}
    assert "(override)" in str(info.value)


def test_extends_merges_and_checks_parent(write_scenario):
    child = write_scenario('[scenario]\nextends = "classroom"\nname = "child"\n[levers]\ndata_openness = 0.5\n')
    sc = load_scenario(child)
    assert sc.name == "child" and sc.levers["data_openness"] == 0.5
    assert sc.zones == load_scenario("classroom").zones
    bad = write_scenario('[scenario]\nextends = "nope"\nname = "x"\n', name="bad.toml")
    with pytest.raises(ScenarioError, match=r"scenario\.extends"):
        load_scenario(bad)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "none.toml")
    with pytest.raises(ScenarioError, match="is a directory"):
        load_scenario(tmp_path)
    with pytest.raises(ScenarioError, match="bundled: baseline"):
        load_scenario("baselin")


def test_content_hash_ignores_spelling(write_scenario):
    a = load_scenario(write_scenario(GOOD, "a.toml"))
    b = load_scenario(write_scenario(GOOD + "\n# a comment\n[levers]\ndata_openness = 0.0\n", "b.toml"))
    assert a.content_hash() == b.content_hash()
    assert a.content_hash() != a.with_overrides(data_openness=0.2).content_hash()
