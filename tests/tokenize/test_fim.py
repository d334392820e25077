"""FIM draws: deterministic per (seed, document id), at the asked rates, cut points uniform."""

import numpy as np

from pipeline.tokenize.fim import NONE, PSM, SPM, plan_fim, rebuild_text

IDS = [f"doc-{i}" for i in range(10_000)]
LENGTHS = np.full(len(IDS), 1000)


def test_same_seed_and_id_same_plan_whatever_the_batch():
    whole = plan_fim(IDS, LENGTHS, seed=42, fim_rate=0.5, spm_rate=0.3)
    part = plan_fim(IDS[5000:5100][::-1], LENGTHS[:100], seed=42, fim_rate=0.5, spm_rate=0.3)
    assert np.array_equal(part.mode, whole.mode[5000:5100][::-1])
    assert np.array_equal(part.lo, whole.lo[5000:5100][::-1])
    assert np.array_equal(part.hi, whole.hi[5000:5100][::-1])


def test_another_seed_changes_the_plan():
    a = plan_fim(IDS, LENGTHS, seed=1, fim_rate=0.5, spm_rate=0.0)
    b = plan_fim(IDS, LENGTHS, seed=2, fim_rate=0.5, spm_rate=0.0)
    assert 0.4 < np.mean(a.mode != b.mode) < 0.6


def test_rates_within_tolerance_over_10k_documents():
    plan = plan_fim(IDS, LENGTHS, seed=42, fim_rate=0.5, spm_rate=0.25)
    fim = plan.mode != NONE
    # binomial standard deviation at n=10k, p=0.5 is 0.005: 4 sigma
    assert abs(fim.mean() - 0.5) < 0.02
    assert abs(np.mean(plan.mode[fim] == SPM) - 0.25) < 0.03
    assert set(np.unique(plan.mode)) == {NONE, PSM, SPM}


def test_edge_rates():
    assert np.all(plan_fim(IDS[:500], LENGTHS[:500], 0, 0.0, 0.5).mode == NONE)
    assert np.all(plan_fim(IDS[:500], LENGTHS[:500], 0, 1.0, 0.0).mode == PSM)
    assert np.all(plan_fim(IDS[:500], LENGTHS[:500], 0, 1.0, 1.0).mode == SPM)


def test_cut_points_uniform_over_characters():
    plan = plan_fim(IDS, LENGTHS, seed=7, fim_rate=1.0, spm_rate=0.0)
    assert np.all((0 <= plan.lo) & (plan.lo <= plan.hi) & (plan.hi <= LENGTHS))
    # min and max of two uniforms on [0, n]: means n/3 and 2n/3
    assert abs(plan.lo.mean() - 1000 / 3) < 15
    assert abs(plan.hi.mean() - 2000 / 3) < 15
    assert plan.lo.min() < 5
    assert plan.hi.max() > 995


def test_rebuild_inverts_both_layouts():
    assert rebuild_text(["ab", "ef", "cd"], PSM) == "abcdef"
    assert rebuild_text(["ef", "abcd"], SPM) == "abcdef"
    assert rebuild_text(["abc"], NONE) == "abc"
