"""The benchmark's ratio to bare Django: within each round, then the median over the rounds."""

from bench.report import ratio


def test_ratio_is_the_median_of_each_rounds_ratio():
    # The API's CPU drifts from 2 to 4 ms between rounds, as bare Django's does in the same rounds.
    assert ratio((2.2, 4.4, 3.0), (2.0, 4.0, 2.0)) == "1.10x (1.10 1.10 1.50)"


def test_ratio_of_one_round_has_no_list():
    assert ratio((3.0,), (2.0,)) == "1.50x"


def test_ratio_without_a_baseline_in_every_round_is_empty():
    assert ratio((3.0, 3.0), None) == ""
    assert ratio((3.0, 3.0), (2.0,)) == ""
    assert ratio((3.0, 3.0), (2.0, 0.0)) == ""
