"""The mixed model's small-sample inference: CR2 errors with effective degrees of freedom
(Bell & McCaffrey 2002, Imbens & Kolesár 2016), and within parts that are rounding noise."""

import numpy as np
import pandas as pd
import pytest
from scipy import linalg, stats

from analysis.stats.cohort import (
    cluster_robust_dof,
    mixed_model,
    within_between,
    working_covariance,
)


def _brute_force(y, design, groups, blocks, kind):
    """CR2/CR3 variances and Satterthwaite df written out with n × n matrices: the
    variance of coefficient j is Σ_g (q_g'y)², q_g = (I − H)' A_g' W_g X_g P e_j, and
    df = (tr B)² / tr B² with B = Q'VQ (Bell & McCaffrey 2002, Imbens & Kolesár 2016)."""
    n, p = design.shape
    v = linalg.block_diag(*blocks)
    w = np.linalg.inv(v)
    bread = np.linalg.inv(design.T @ w @ design)
    beta = bread @ design.T @ w @ y
    hat = design @ bread @ design.T @ w
    names = list(dict.fromkeys(groups))
    variances, dofs = [], []
    for j in range(p):
        q = np.zeros((n, len(names)))
        for k, name in enumerate(names):
            rows = np.flatnonzero(groups == name)
            x, v_g, w_g = design[rows], v[np.ix_(rows, rows)], w[np.ix_(rows, rows)]
            if kind == "CR3":
                adjust = np.linalg.inv(np.eye(len(rows)) - hat[np.ix_(rows, rows)])
            else:  # A_g (V_g − X_g P X_g') A_g' = V_g (Pustejovsky & Tipton 2018)
                lower = np.linalg.cholesky(v_g)
                inner = np.linalg.inv(lower) @ (v_g - x @ bread @ x.T) @ np.linalg.inv(lower).T
                adjust = lower @ np.linalg.inv(linalg.sqrtm(inner).real) @ np.linalg.inv(lower)
            weights = bread[j] @ x.T @ w_g @ adjust  # on the group's residuals
            select = np.zeros((len(rows), n))
            select[np.arange(len(rows)), rows] = 1
            q[:, k] = weights @ select @ (np.eye(n) - hat)
        variances.append(float(np.sum((q.T @ y) ** 2)))
        b = q.T @ v @ q
        dofs.append(np.trace(b) ** 2 / np.trace(b @ b))
    return beta, np.array(variances), np.array(dofs)


def _toy():
    """Three clusters, one long with a wide x (it carries the slope), two short."""
    rng = np.random.default_rng(11)
    sizes, spread = (12, 4, 5), (3.0, 0.3, 0.5)
    groups = np.repeat(np.array(["a", "b", "c"]), sizes)
    x = np.concatenate([rng.normal(0, s, k) for s, k in zip(spread, sizes, strict=True)])
    design = np.column_stack([np.ones(len(x)), x])
    y = 1 + 0.2 * x + rng.normal(size=len(x))
    return y, design, groups


@pytest.mark.parametrize("kind", ["CR2", "CR3"])
def test_effective_dof_matches_the_n_by_n_formulas_under_least_squares(kind):
    y, design, groups = _toy()
    beta, variances, dofs = _brute_force(y, design, groups,
                                         [np.eye(k) for k in (12, 4, 5)], kind)
    fitted, cov, dof = cluster_robust_dof(y, design, groups, kind=kind)
    np.testing.assert_allclose(fitted, beta, rtol=1e-10)
    np.testing.assert_allclose(np.diag(cov), variances, rtol=1e-8)
    np.testing.assert_allclose(dof, dofs, rtol=1e-8)
    assert dof[1] < 1.5  # one cluster carries the slope: far below G − 1 = 2


def test_effective_dof_under_a_random_intercept_and_slope_working_covariance():
    y, design, groups = _toy()
    random = design  # intercept and slope per cluster
    cov_re, scale = np.diag([0.4, 0.05]), 0.8
    blocks = [random[groups == g] @ cov_re @ random[groups == g].T + scale * np.eye(k)
              for g, k in zip("abc", (12, 4, 5), strict=True)]
    beta, variances, dofs = _brute_force(y, design, groups, blocks, "CR2")
    fitted, cov, dof = cluster_robust_dof(y, design, groups, random, cov_re, scale,
                                          kind="CR2")
    np.testing.assert_allclose(fitted, beta, rtol=1e-10)
    np.testing.assert_allclose(np.diag(cov), variances, rtol=1e-8)
    np.testing.assert_allclose(dof, dofs, rtol=1e-8)


def test_balanced_mean_has_g_minus_one_degrees_of_freedom():
    # The mean of G equal clusters: B ∝ I − J/G, so (tr B)² / tr B² = (G − 1)² / (G − 1).
    groups = np.repeat(np.arange(4), 3)
    y = np.arange(12.0) ** 1.5
    _, cov, dof = cluster_robust_dof(y, np.ones((12, 1)), groups, kind="CR2")
    assert dof[0] == pytest.approx(3.0, rel=1e-12)
    # CR2 of the mean: Σ_g (Σ_i e_gi)² / (1 − n_g/N) / N²  with n_g/N = 1/4
    sums = (y - y.mean()).reshape(4, 3).sum(axis=1)
    assert cov[0, 0] == pytest.approx(np.sum(sums ** 2) / 0.75 / 144, rel=1e-12)


def _few_informative_panel(seed: int = 2) -> pd.DataFrame:
    """Two long runners with a wide exposure and four short narrow ones (the demo's shape)."""
    rng = np.random.default_rng(seed)
    frames = []
    for k, (weeks, sd) in enumerate([(70, 20.0), (60, 20.0), (12, 5.0), (14, 5.0),
                                     (10, 5.0), (15, 5.0)]):
        x = rng.normal(20, 10) + rng.normal(0, sd, weeks)
        frames.append(pd.DataFrame({"athlete_id": f"r{k}", "x": x,
                                    "pain": 2 + rng.normal(0, 1, weeks)}))
    return pd.concat(frames, ignore_index=True)


def test_mixed_model_uses_the_effective_dof_for_interval_and_p():
    panel = _few_informative_panel()
    rows, reason = mixed_model(panel, "x")
    assert reason is None
    split = within_between(panel, "x", np.ones(len(panel), dtype=bool))
    y = panel["pain"].to_numpy()
    design = np.column_stack([np.ones(len(y)), split.within, split.between])
    cov_re, scale = working_covariance(y, design, split.groups, split.within)
    random = design[:, :2]
    blocks = [random[split.groups == g] @ cov_re @ random[split.groups == g].T
              + scale * np.eye(int((split.groups == g).sum()))
              for g in dict.fromkeys(split.groups)]
    beta, variances, dofs = _brute_force(y, design, split.groups, blocks, "CR2")
    for i, row in enumerate(rows, start=1):
        assert row["dof"] == pytest.approx(min(dofs[i], 5), rel=1e-8)
        se = np.sqrt(variances[i])
        assert row["p_value"] == pytest.approx(
            2 * stats.t.sf(abs(beta[i] / se), dofs[i]), rel=1e-6)
        half = stats.t.ppf(0.975, dofs[i]) * se
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((beta[i] - half,
                                                                 beta[i] + half), rel=1e-8)
    assert rows[0]["dof"] < 3  # two runners carry the within part, not 6 − 1


def _flat_panel(varying: int, flat: int, noise: float) -> pd.DataFrame:
    """`varying` runners with a varying exposure, `flat` whose exposure is 97.3 up to
    `noise` (what a constant cadence's deviation from its own mean is after rounding)."""
    rng = np.random.default_rng(4)
    frames = []
    for k in range(varying + flat):
        weeks = 20
        x = (rng.normal(100, 5) + rng.normal(0, 3, weeks) if k < varying
             else 97.3 + noise * rng.choice([-1.0, 1.0], weeks))
        frames.append(pd.DataFrame({"athlete_id": f"r{k}", "x": x,
                                    "pain": 3 + rng.normal(0, 1, weeks)}))
    return pd.concat(frames, ignore_index=True)


def test_rounding_noise_is_no_within_variation():
    noisy = _flat_panel(5, 1, 1e-13)
    split = within_between(noisy, "x", np.ones(len(noisy), dtype=bool))
    flat = split.groups == "r5"
    assert (split.within[flat] == 0).all() and not split.varying[flat].any()
    assert split.varying[~flat].all()
    # the slope variance: the five varying runners' own slopes through the residuals,
    # written out group by group
    y = noisy["pain"].to_numpy()
    design = np.column_stack([np.ones(len(y)), split.within, split.between])
    resid = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    slopes, sampling, rss = [], [], 0.0
    for g in dict.fromkeys(split.groups):
        x, e = split.within[split.groups == g], resid[split.groups == g]
        if g == "r5":
            rss += np.sum((e - e.mean()) ** 2)
            continue
        slope, intercept = np.polyfit(x, e, 1)
        rss += np.sum((e - intercept - slope * x) ** 2)
        slopes.append(slope)
        sampling.append(np.sum((x - x.mean()) ** 2))
    scale = rss / (6 * 18)
    cov_re, fitted_scale = working_covariance(y, design, split.groups, split.within)
    assert fitted_scale == pytest.approx(scale, rel=1e-10)
    assert cov_re[1, 1] == pytest.approx(
        max(np.var(slopes, ddof=1) - np.mean(scale / np.array(sampling)), 0), rel=1e-8)
    # and the model is the one of an exactly constant exposure
    exact = noisy.assign(x=np.where(noisy["athlete_id"] == "r5", 97.3, noisy["x"]))
    rows, reason = mixed_model(noisy, "x")
    expected, _ = mixed_model(exact, "x")
    assert reason is None and rows[0]["n_athletes"] == 5 and rows[1]["n_athletes"] == 6
    for row, other in zip(rows, expected, strict=True):
        for key in ("estimate", "ci_low", "ci_high", "p_value", "dof"):
            assert row[key] == pytest.approx(other[key], rel=1e-9)


def test_within_row_refused_below_five_varying_runners_between_kept():
    panel = _flat_panel(4, 2, 1e-13)
    rows, reason = mixed_model(panel, "x")
    assert [row["component"] for row in rows] == ["between"]
    assert rows[0]["n_athletes"] == 6
    # the between part alone, random intercept only, CR2 and its df written out
    split = within_between(panel, "x", np.ones(len(panel), dtype=bool))
    y = panel["pain"].to_numpy()
    design = np.column_stack([np.ones(len(y)), split.between])
    cov_re, scale = working_covariance(y, design, split.groups, np.zeros(len(y)))
    assert cov_re[1, 1] == 0
    blocks = [cov_re[0, 0] + scale * np.eye(20) for _ in range(6)]
    beta, variances, dofs = _brute_force(y, design, split.groups, blocks, "CR2")
    assert rows[0]["estimate"] == pytest.approx(beta[1], rel=1e-10)
    assert rows[0]["dof"] == pytest.approx(min(dofs[1], 5), rel=1e-8)
    assert rows[0]["p_value"] == pytest.approx(
        2 * stats.t.sf(abs(beta[1]) / np.sqrt(variances[1]), dofs[1]), rel=1e-6)
    assert reason == ("mixed model, x, within athletes: 4 athletes whose value varies from "
                      "week to week (beyond rounding), needs 5")
