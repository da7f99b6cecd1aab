"""KPI_RANK_BONUS and KPI_POOL against hand-derived numbers (SEED_RULES.md WE-20, AMB-03/08/54/78)."""

import numpy as np
import pytest

from kpi_udfs import KPI_POOL, KPI_RANK_BONUS, KpiError

# WE-20: 乙 118, 丙 112, 丁 112, 甲 101, 戊 93, 己 86; ladder 1000, 800, 600 … (step −200, AMB-03)
WE20 = [118, 112, 112, 101, 93, 86]
LADDER = [1000, 800, 600]


def amounts(result):
    return [None if v is None else (v if isinstance(v, KpiError) else float(v)) for v in result]


@pytest.mark.parametrize(
    "policy, expected, total",
    [
        ("COMPETITION", [1000, 800, 800, 400, 200, 0], 3200),
        ("AVERAGE", [1000, 700, 700, 400, 200, 0], 3000),
        ("DENSE", [1000, 800, 800, 600, 400, 0], 3600),
    ],
)
def test_we20_tie_policies_with_gate_91(policy, expected, total):
    got = KPI_RANK_BONUS(WE20, LADDER, None, policy, 91)
    assert amounts(got) == expected
    assert sum(got) == total


def test_we20_gate_80_makes_ji_eligible():
    # 己 86 is rank 6: the ladder is exhausted under COMPETITION (0), rank 5 → 200 under DENSE
    assert amounts(KPI_RANK_BONUS(WE20, LADDER, None, "COMPETITION", 80))[-1] == 0
    assert amounts(KPI_RANK_BONUS(WE20, LADDER, None, "DENSE", 80)) == [1000, 800, 800, 600, 400, 200]


def test_we20_default_tie_policy_is_competition_and_no_gate_ranks_everyone():
    assert amounts(KPI_RANK_BONUS(WE20, LADDER)) == [1000, 800, 800, 400, 200, 0]


def test_ordinal_breaks_ties_by_input_order():
    got = KPI_RANK_BONUS(WE20, LADDER, tie_policy="ORDINAL", eligible_min=91)
    assert amounts(got) == [1000, 800, 600, 400, 200, 0]
    swapped = [118, 112, 101, 112, 93, 86]
    assert amounts(KPI_RANK_BONUS(swapped, LADDER, tie_policy="ORDINAL")) == [1000, 800, 400, 600, 200, 0]


def test_tie_policy_error_names_the_tied_rows_only():
    got = KPI_RANK_BONUS(WE20, LADDER, tie_policy="ERROR", eligible_min=91)
    assert amounts(got)[0] == 1000 and amounts(got)[3:] == [400, 200, 0]
    for err in got[1:3]:
        assert err.code == "#N/A"
        assert err.reason.startswith("rows 2, 3 tie at 112 for ranks 2–3")


def test_tie_policy_error_ignores_ties_that_change_no_amount():
    # ranks 6 and 7 both pay 0 on the continued ladder, so the tie decides nothing
    got = KPI_RANK_BONUS([9, 8, 7, 6, 5, 1, 1], LADDER, tie_policy="ERROR")
    assert amounts(got) == [1000, 800, 600, 400, 200, 0, 0]


def test_s1f_ineligible_amount_and_minimum_for_eligible():
    # S1-F: < 50 → 300 (AMB-54); rank 5 would get 200 on the ladder but passing staff get at least 300
    scores = [95, 88, 76, 65, 55, 45]
    got = KPI_RANK_BONUS(scores, LADDER, eligible_min=50, ineligible_amount=300, min_amount_eligible=300)
    assert amounts(got) == [1000, 800, 600, 400, 300, 300]
    without_min = KPI_RANK_BONUS(scores, LADDER, eligible_min=50, ineligible_amount=300)
    assert amounts(without_min) == [1000, 800, 600, 400, 200, 300]


def test_s3_1_first_plus_100_last_minus_100():
    got = KPI_RANK_BONUS([80, 95, 70, 88], [100], bottom_ladder=[-100])
    assert amounts(got) == [0, 100, -100, 0]


def test_amb78_team_of_one_is_first_so_gets_the_ladder_amount():
    assert KPI_RANK_BONUS(90, [100], bottom_ladder=[-100]) == 100


def test_amb78_everyone_tied_for_last_gets_the_last_amount():
    got = KPI_RANK_BONUS([90, 80, 70, 70], [100], bottom_ladder=[-100])
    assert amounts(got) == [100, 0, -100, -100]
    # AVERAGE shares the slots 0 and −100
    got = KPI_RANK_BONUS([90, 80, 70, 70], [100], None, "AVERAGE", bottom_ladder=[-100])
    assert amounts(got) == [100, 0, -50, -50]


def test_s2b_rank_points_5_3_1_then_zero():
    assert amounts(KPI_RANK_BONUS([10, 40, 30, 20], [5, 3, 1])) == [0, 5, 3, 1]


def test_step_explicit_and_ladder_floor():
    assert amounts(KPI_RANK_BONUS([6, 5, 4, 3, 2, 1], LADDER, -100)) == [1000, 800, 600, 500, 400, 300]
    floor_100 = KPI_RANK_BONUS([7, 6, 5, 4, 3, 2, 1], LADDER, ladder_floor=100)
    assert amounts(floor_100) == [1000, 800, 600, 400, 200, 100, 100]


def test_blank_step_with_a_one_amount_ladder_pays_zero_after_it():
    assert amounts(KPI_RANK_BONUS([3, 2, 1], [500])) == [500, 0, 0]
    assert amounts(KPI_RANK_BONUS([3, 2, 1], [500], 0)) == [500, 500, 500]  # an explicit step 0 repeats


def test_step_running_against_the_ladder_is_an_error():
    err = KPI_RANK_BONUS([3, 2, 1], LADDER, 200)
    assert err.code == "#VALUE!" and "write -200" in err.reason


def test_ladder_with_trailing_blanks_is_fine_but_a_blank_inside_is_not():
    assert amounts(KPI_RANK_BONUS([3, 2], [1000, 800, None, None])) == [1000, 800]
    err = KPI_RANK_BONUS([3, 2], [1000, None, 600])
    assert err.code == "#VALUE!" and "entry 2 is blank" in err.reason


def test_order_asc_ranks_lowest_first():
    # response time in seconds: the fastest is first
    assert amounts(KPI_RANK_BONUS([30, 20, 25], [100, 50], order="ASC")) == [0, 100, 50]


def test_gate_uses_the_boundary_tolerance():
    assert amounts(KPI_RANK_BONUS([0.7 * 130, 90.99], [1000], eligible_min=91)) == [1000, 0]


def test_blank_and_error_rows_are_not_ranked_and_keep_their_blank_or_error():
    got = KPI_RANK_BONUS([118, None, "#N/A: no data", 112, "abc", 101], LADDER)
    assert got[1] is None
    assert got[2] == KpiError("#N/A", "no data")
    assert got[4].code == "#VALUE!"
    assert [got[0], got[3], got[5]] == [1000, 800, 600]


def test_an_error_in_the_ladder_is_the_result():
    assert KPI_RANK_BONUS([1, 2], [1000, "#REF!"]).code == "#REF!"


def test_bad_policy_word_is_value_error():
    err = KPI_RANK_BONUS([1, 2], LADDER, tie_policy="RANDOM")
    assert err.code == "#VALUE!" and "tie_policy" in err.reason


def test_column_input_spills_a_column():
    got = KPI_RANK_BONUS(np.array([[3.0], [1.0], [2.0]]), LADDER)
    assert got.shape == (3, 1) and got[:, 0].tolist() == [1000, 600, 800]


# ---------------------------------------------------------------------------
# KPI_POOL


def test_pool_largest_remainder_adds_up():
    # exact 166.67 / 333.33 / 500 → floors 166 / 333 / 500 = 999; the 1 left goes to .67
    assert amounts(KPI_POOL([1, 2, 3], 1000)) == [167, 333, 500]


def test_pool_equal_remainders_go_to_the_earlier_row():
    assert amounts(KPI_POOL([1, 1, 1], 100)) == [34, 33, 33]


def test_pool_round_to_10():
    assert amounts(KPI_POOL([1, 1, 1], 100, 10)) == [40, 30, 30]


def test_pool_score_times_coefficient_weights():
    # 90 × 1.2 = 108, 80 × 1.0 = 80, 70 × 0.8 = 56: 244 in all; pool 2440 → 10 per weight point
    assert amounts(KPI_POOL([90 * 1.2, 80 * 1.0, 70 * 0.8], 2440)) == [1080, 800, 560]


def test_pool_cap_redistributes_to_the_others():
    assert amounts(KPI_POOL([10, 1, 1], 1000, cap=400)) == [400, 300, 300]
    # second round: 6:3:1 of 1000 = 600 > 450 → 450; 550 split 3:1 = 412.5 / 137.5 → .5 tie → earlier row
    assert amounts(KPI_POOL([6, 3, 1], 1000, cap=450)) == [450, 413, 137]
    # a cascade: 800 > 500 pinned, then 571 > 500 pinned, 500 left split 2:1
    assert amounts(KPI_POOL([8, 4, 2, 1], 1500, cap=500)) == [500, 500, 333, 167]


def test_pool_floor_lifts_the_small_shares():
    assert amounts(KPI_POOL([10, 1, 1], 1200, floor=200)) == [800, 200, 200]
    assert amounts(KPI_POOL([1, 0], 100, floor=20)) == [80, 20]


def test_pool_infeasible_bounds_are_num_errors():
    err = KPI_POOL([1, 1, 1], 1000, cap=300)
    assert err.code == "#NUM!" and err.reason == "cap 300 × 3 staff = 900 is less than the pool 1000"
    err = KPI_POOL([1, 1, 1], 1000, floor=400)
    assert err.code == "#NUM!" and "more than the pool" in err.reason
    assert KPI_POOL([1, 0], 100, cap=60).code == "#NUM!"  # a zero weight cannot take the other 40


def test_pool_negative_weight_row_fails_alone():
    got = KPI_POOL([1, -2, 3], 400)
    assert got[1].code == "#VALUE!" and "negative" in got[1].reason
    assert [got[0], got[2]] == [100, 300]


def test_pool_blank_rows_are_blank_and_excluded():
    got = KPI_POOL([1, None, 1], 100)
    assert amounts(got) == [50, None, 50]


def test_pool_all_zero_weights_is_div0():
    got = KPI_POOL([0, 0], 100)
    assert all(e.code == "#DIV/0!" for e in got)


def test_pool_not_a_multiple_of_round_to():
    err = KPI_POOL([1, 2], 105, 10)
    assert err.code == "#VALUE!" and err.reason == "pool 105 is not a multiple of round_to 10"


def test_pool_cents():
    got = KPI_POOL([1, 1, 1], 100, 0.01)
    assert amounts(got) == [33.34, 33.33, 33.33]
