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


def test_every_report_of_the_term_in_the_calendar(real_catalogue):
    from integrationsmonitor.periods import all_reports, report_in

    cal = ReportingCalendar.of(real_catalogue)
    assert all_reports(cal) == ["2018-H2", "2019-H1", "2019-H2", "2020-H1", "2020-H2",
                                "2021-H1", "2018", "2019", "2020", "2018-2021"]
    annual = report_in(cal, "2019")
    assert (annual.kind, annual.anchor.id, annual.comparison.id) == ("jahr", "2019-H2", "2018-H2")
    assert [p.id for p in annual.half_years] == ["2019-H1", "2019-H2"]
    assert annual.title == "Jahresbericht 2019" and annual.span == "01.01.2019–31.12.2019"
    first = report_in(cal, "2018")
    assert first.comparison is None and first.span == "01.07.2018–31.12.2018"
    final = report_in(cal, "2018-2021")
    assert (final.anchor.id, final.comparison.id, len(final.half_years)) == ("2021-H1",
                                                                             "2018-H2", 6)
    assert final.title == "Abschlussbericht 2018–2021"


@pytest.mark.parametrize("text, message", [
    ("2021", "Für 2021 gibt es keinen Jahresbericht"),
    ("2017", "Für 2017 gibt es keinen Jahresbericht"),
    ("2018-2022", "heißt 2018-2021, nicht 2018-2022"),
    ("2019-H3", "ist kein Bericht"),
])
def test_reports_outside_the_term_are_german_errors(real_catalogue, text, message):
    from integrationsmonitor.periods import report_in

    with pytest.raises(ValueError, match=message):
        report_in(ReportingCalendar.of(real_catalogue), text)
