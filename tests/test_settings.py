"""Settings: one source of defaults and of the settings block; refused when the metrics or
the statistics would refuse them."""

import inspect
import json
import math

import pytest
from click.testing import CliRunner

from aflfp_bench import api
from aflfp_bench.cli import main
from aflfp_bench.scoring.metrics import MATRIX_THRESHOLD, auc
from aflfp_bench.scoring.settings import DEFAULTS, MetricSettings, Settings
from aflfp_bench.scoring.stats import make_bootstrap, paired_comparison

BAD = [
    ({"threshold": math.inf}, "threshold must be a positive number, got inf"),
    ({"threshold": math.nan}, "threshold must be a positive number, got nan"),
    ({"threshold": 0}, "threshold must be a positive number, got 0"),
    ({"threshold": "0.1"}, "threshold must be a positive number, got '0.1'"),
    ({"threshold": True}, "threshold must be a positive number, got True"),
    ({"norm": "box"}, "norm must be one of bbox, inter-ocular, inter-pupil, diagonal; got 'box'"),
    ({"agg": None}, "agg must be one of frobenius, spectral, mean; got None"),
    ({"alpha": 1.0}, r"alpha must be in \(0, 1\), got 1.0"),
    ({"alpha": "0.05"}, r"alpha must be in \(0, 1\), got '0.05'"),
    ({"resamples": 0}, "resamples must be an integer from 1 to 1000000, got 0"),
    ({"resamples": 10.0}, "resamples must be an integer from 1 to 1000000, got 10.0"),
    ({"resamples": 1_000_001}, "resamples must be an integer from 1 to 1000000, got 1000001"),
    ({"seed": -1}, "seed must be a non-negative integer, got -1"),
    ({"seed": 1.5}, "seed must be a non-negative integer, got 1.5"),
]


@pytest.mark.parametrize(("changes", "message"), BAD)
def test_a_setting_the_metrics_or_statistics_refuse_is_refused_when_made(changes, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        Settings(**changes)


def test_the_checkers_are_the_metrics_and_statistics_own():
    """What Settings refuses, the function that would use it refuses too."""
    with pytest.raises(ValueError, match="threshold must be a positive number, got inf"):
        auc([0.1], threshold=math.inf)
    boot = make_bootstrap(["a", "b", "c"], n_resamples=5, seed=0)
    with pytest.raises(ValueError, match=r"alpha must be in \(0, 1\), got 0"):
        paired_comparison([1, 2, 3], [1, 2, 3], ["a", "b", "c"], boot, alpha=0)
    with pytest.raises(ValueError, match="seed must be a non-negative integer, got -1"):
        make_bootstrap(["a"], seed=-1)


def test_the_threshold_defaults_to_the_readings_own_and_is_a_float():
    assert DEFAULTS.threshold == MATRIX_THRESHOLD
    assert Settings(agg="mean").threshold == 0.08
    assert type(Settings(threshold=1).threshold) is float


def test_the_settings_block_is_the_metric_settings_dict():
    block = Settings(norm="inter-ocular", agg="mean").metric().to_dict()
    assert block == {"norm": "inter-ocular", "agg": "mean",
                     "reading": "NME = mean_k ||p_k - g_k|| / d(outer eye corners) (per-point "
                                "mean, the 300-W convention)",
                     "threshold": 0.08, "std_ddof": 1, "percentiles": "linear"}
    assert MetricSettings.from_dict(json.loads(json.dumps(block))) == \
        Settings(norm="inter-ocular", agg="mean").metric()


@pytest.mark.parametrize("name", ["compare", "leaderboard", "gate", "score"])
def test_the_api_takes_its_defaults_from_the_settings(name):
    params = inspect.signature(getattr(api, name)).parameters
    for field in ("norm", "agg", "alpha", "resamples", "seed"):
        if field in params:
            assert params[field].default == getattr(DEFAULTS, field), (name, field)
    assert params["threshold"].default is None           # the reading's own


@pytest.mark.parametrize("command", ["score", "report", "leaderboard", "gate"])
def test_the_commands_take_their_defaults_from_the_settings(command):
    params = {p.name: p for p in main.commands[command].params}
    for field in ("norm", "agg", "alpha", "resamples", "seed"):
        if field in params:
            assert params[field].default == getattr(DEFAULTS, field), (command, field)


@pytest.mark.parametrize("value", ["inf", "nan"])
def test_a_threshold_the_metrics_refuse_is_a_usage_error(value):
    res = CliRunner().invoke(main, ["score", "preds.csv", "--threshold", value])
    assert res.exit_code == 2
    assert res.output.splitlines()[-1] == f"Error: threshold must be a positive number, got {value}"
