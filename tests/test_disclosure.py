"""Disclosure control against hand-made tables with known correct suppression patterns."""

import numpy as np
import pandas as pd
import pytest

from integrationsmonitor.disclosure import protect, protect_share


def _t(rows, index, columns):
    return pd.DataFrame(rows, index=index, columns=columns)


def test_primary_suppression_and_zero_marker_without_totals():
    p = protect(_t([[0, 1, 5], [2, 7, 9]], ["x", "y"], ["A", "B", "C"]))
    assert p.display().values.tolist() == [["–", "*", "5"], ["*", "7", "9"]]
    assert p.primary.values.tolist() == [[False, True, False], [True, False, False]]


def test_one_small_verbandsgemeinde_is_not_recomputable_from_the_kreis_total():
    vgs = ["VG1", "VG2", "VG3", "VG4", "VG5", "VG6", "Gesamt"]
    t = _t([[10], [2], [8], [15], [12], [20], [67]], vgs, ["n"])
    shown = protect(t, total_row="Gesamt").display()["n"].tolist()
    # 2 is primary; the next smallest (8) is suppressed with it; the total stays.
    assert shown == ["10", "*", "*", "15", "12", "20", "67"]


def test_two_way_table_with_totals_gets_the_hand_computed_pattern():
    t = _t([[1, 4, 6, 11], [5, 7, 3, 15], [8, 9, 10, 27], [14, 20, 19, 53]],
           ["x", "y", "z", "Gesamt"], ["A", "B", "C", "Gesamt"])
    p = protect(t, total_row="Gesamt", total_column="Gesamt")
    assert p.display().values.tolist() == [
        ["*", "*", "6", "11"],
        ["*", "*", "3", "15"],
        ["8", "9", "10", "27"],
        ["14", "20", "19", "53"]]
    assert int(p.primary.values.sum()) == 1


def test_every_line_with_a_total_has_zero_or_at_least_two_suppressed_cells():
    rng = np.random.default_rng(7)
    for _ in range(50):
        inner = rng.integers(0, 6, size=(4, 3))
        t = pd.DataFrame(inner, index=list("abcd"), columns=list("ABC"))
        t["Gesamt"] = t.sum(axis=1)
        t.loc["Gesamt"] = t.sum()
        m = protect(t, "Gesamt", "Gesamt").suppressed
        assert set(m.sum(axis=1)) <= {0, 2, 3, 4} and set(m.sum(axis=0)) <= {0, 2, 3, 4, 5}
        assert not (t.where(~m) .isin([1, 2])).any().any()


def test_all_small_counts_are_suppressed_totals_stay_when_safe():
    t = _t([[1, 2, 3], [2, 1, 3], [3, 3, 6]], ["x", "y", "Gesamt"], ["A", "B", "Gesamt"])
    assert protect(t, "Gesamt", "Gesamt").display().values.tolist() == [
        ["*", "*", "3"], ["*", "*", "3"], ["3", "3", "6"]]


def test_zero_cells_are_known_and_the_total_is_suppressed_when_nothing_else_is_open():
    t = _t([[2], [0], [2]], ["a", "b", "Gesamt"], ["n"])
    # a=2 primary, b=0 is the only other cell: suppressing it still leaves a = total − 0,
    # so the pick goes to b and the (small) total is primary anyway.
    shown = protect(t, total_row="Gesamt").display()["n"].tolist()
    assert shown[0] == "*" and shown[2] == "*"


def test_empty_table_and_negative_counts():
    assert protect(pd.DataFrame({"n": []})).display().empty
    with pytest.raises(ValueError):
        protect(pd.DataFrame({"n": [-1]}))


def test_share_is_suppressed_with_its_numerator_or_denominator():
    num = protect(_t([[1], [5]], ["a", "b"], ["n"]))
    den = protect(_t([[10], [2]], ["a", "b"], ["n"]))
    shares = _t([[0.1], [2.5]], ["a", "b"], ["n"])
    assert protect_share(num, den, shares)["n"].isna().tolist() == [True, True]
    den_ok = protect(_t([[10], [20]], ["a", "b"], ["n"]))
    assert protect_share(num, den_ok, shares)["n"].isna().tolist() == [True, False]
