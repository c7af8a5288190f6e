"""German number words in generated sentences: singular/plural and case."""

import pytest

from integrationsmonitor import formatting as fmt


@pytest.mark.parametrize("args, kw, expected", [
    ((1, "Veranstaltung", "Veranstaltungen"), {}, "1 Veranstaltung"),
    ((0, "Veranstaltung", "Veranstaltungen"), {}, "0 Veranstaltungen"),
    ((2, "Veranstaltung", "Veranstaltungen"), {"case": "dat"}, "2 Veranstaltungen"),
    ((23.4, "Prozentpunkt", "Prozentpunkte", 1), {"case": "dat"}, "23,4 Prozentpunkten"),
    ((23.4, "Prozentpunkt", "Prozentpunkte", 1), {}, "23,4 Prozentpunkte"),
    ((1, "Prozentpunkt", "Prozentpunkte", 1), {}, "1,0 Prozentpunkte"),  # 1,0 is plural
    ((3, "Halbjahr", "Halbjahre"), {"case": "dat"}, "3 Halbjahren"),
    ((1, "Halbjahr", "Halbjahre"), {"case": "dat"}, "1 Halbjahr"),
    ((1, "Kurs", "Kurse"), {"case": "acc", "gender": "m"}, "einen Kurs"),
    ((1, "Kurs", "Kurse"), {"case": "dat", "gender": "m"}, "einem Kurs"),
    ((1, "Veranstaltung", "Veranstaltungen"), {"case": "acc", "gender": "f"},
     "eine Veranstaltung"),
    ((4, "Kurs", "Kurse"), {"case": "acc", "gender": "m"}, "4 Kurse"),
    ((1500, "Teilnahme", "Teilnahmen"), {}, "1.500 Teilnahmen"),
])
def test_count_agrees_in_number_and_case(args, kw, expected):
    assert fmt.count(*args, **kw) == expected


def test_count_rejects_unknown_case_and_gender():
    with pytest.raises(ValueError):
        fmt.count(1, "Kurs", "Kurse", case="akk")
    with pytest.raises(ValueError):
        fmt.count(1, "Kurs", "Kurse", gender="x")


def test_agree_picks_the_verb_form():
    assert [fmt.agree(n, "ist", "sind") for n in (0, 1, 2)] == ["sind", "ist", "sind"]
