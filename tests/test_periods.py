"""The reporting calendar: six half-years from 01.07.2018 to 30.06.2021 and their Stichtage."""

import datetime as dt

import pytest

from integrationsmonitor.periods import Period, ReportingCalendar


def test_calendar_has_the_six_half_years_of_the_term(real_catalogue):
    cal = ReportingCalendar.of(real_catalogue)
    assert [p.id for p in cal.periods] == ["2018-H2", "2019-H1", "2019-H2", "2020-H1",
                                           "2020-H2", "2021-H1"]
    assert cal.baseline_stichtag == dt.date(2018, 3, 31)


def test_period_dates_labels_and_stichtag():
    p = Period.parse("2019-H2")
    assert (p.start, p.end, p.stichtag) == (dt.date(2019, 7, 1), dt.date(2019, 12, 31),
                                            dt.date(2019, 12, 31))
    assert p.label == "2. Halbjahr 2019"
    assert p.span == "01.07.2019–31.12.2019"
    assert Period.parse("2020-H1").stichtag == dt.date(2020, 6, 30)
    assert p.previous().id == "2019-H1" and p.next().id == "2020-H1"


def test_previous_period_is_none_for_the_first_report(real_catalogue):
    cal = ReportingCalendar.of(real_catalogue)
    assert cal.previous(Period.parse("2018-H2")) is None
    assert cal.previous(Period.parse("2019-H1")) == Period.parse("2018-H2")


def test_annual_reports_to_the_kreistag_end_with_the_final_report(real_catalogue):
    reports = ReportingCalendar.of(real_catalogue).annual_reports()
    assert [(r.year, [p.id for p in r.periods], r.final) for r in reports] == [
        (2018, ["2018-H2"], False), (2019, ["2019-H1", "2019-H2"], False),
        (2020, ["2020-H1", "2020-H2"], False), (2021, ["2021-H1"], True)]
    assert reports[-1].label == "Abschlussbericht 2021"
    assert reports[1].stichtag == dt.date(2019, 12, 31)


@pytest.mark.parametrize("text", ["2019-H3", "2019H1", "19-H1", "", "2019-h1x"])
def test_period_parse_rejects_malformed_ids(text):
    with pytest.raises(ValueError, match="kein Berichtszeitraum"):
        Period.parse(text)


def test_calendar_rejects_period_outside_the_term(real_catalogue):
    with pytest.raises(ValueError, match="außerhalb der Laufzeit"):
        ReportingCalendar.of(real_catalogue).check(Period.parse("2021-H2"))
