"""The benchmark's ratio to bare Django: within each round, then the median over the rounds."""

from bench.report import Cell, depth_note, ratio


def test_ratio_is_the_median_of_each_rounds_ratio():
    # The API's CPU drifts from 2 to 4 ms between rounds, as bare Django's does in the same rounds.
    assert ratio((2.2, 4.4, 3.0), (2.0, 4.0, 2.0)) == "1.10x (1.10 1.10 1.50)"


def test_ratio_of_one_round_has_no_list():
    assert ratio((3.0,), (2.0,)) == "1.50x"


def test_ratio_without_a_baseline_in_every_round_is_empty():
    assert ratio((3.0, 3.0), None) == ""
    assert ratio((3.0, 3.0), (2.0,)) == ""
    assert ratio((3.0, 3.0), (2.0, 0.0)) == ""


def cell(cpu, db=None):
    return Cell(1.0, 1.0, 1.0, 1.0, None, 0, cpu_by_round=cpu, db_cpu_by_round=db)


def test_depth_note_compares_the_deep_cursor_page_with_the_first_round_by_round():
    assert depth_note(cell((2.0, 4.0)), cell((2.4, 4.4)), postgresql=False) == (
        "API CPU of the deep cursor page over the first page: 1.15x (1.20 1.10)"
    )


def test_depth_note_on_postgresql_counts_the_database_too():
    note = depth_note(cell((2.0, 2.0), (1.0, 1.0)), cell((2.0, 2.0), (2.0, 2.0)), postgresql=True)

    assert note == "API app + PostgreSQL CPU of the deep cursor page over the first page: 1.33x (1.33 1.33)"


def test_depth_note_needs_both_pages():
    assert depth_note(None, cell((2.0,)), postgresql=False) is None
