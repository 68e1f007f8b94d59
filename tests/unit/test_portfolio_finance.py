"""Business-case arithmetic on worked examples whose values the tests work out by closed form."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from tandem_portfolio.business_cases import finance, reports
from tandem_portfolio.months import format_month, format_quarter, parse_month

D = Decimal


def test_monthly_rate_compounds_to_the_annual_one() -> None:
    assert finance.monthly_rate(0.1) == pytest.approx(1.1 ** (1 / 12) - 1)
    assert (1 + finance.monthly_rate(0.1)) ** 12 == pytest.approx(1.1)
    assert finance.annualised(finance.monthly_rate(0.07)) == pytest.approx(0.07)
    assert finance.monthly_rate(0.0) == 0.0


def test_npv_of_an_annuity_matches_the_closed_form() -> None:
    # A constant benefit C in months 1..n: NPV = C·(1 − (1+i)^−n) / i; month 0 is not discounted.
    c, n, i = 1000.0, 36, finance.monthly_rate(0.08)
    assert finance.npv([0] + [c] * n, i) == pytest.approx(c * (1 - (1 + i) ** -n) / i, rel=1e-12)
    assert finance.npv([D("-500.00"), D("0"), D("0")], i) == -500.0
    assert finance.npv([D("100"), D("100")], 0.0) == 200.0


def test_irr_of_an_annuity_reproduces_the_price() -> None:
    # −P then n equal C: at the IRR r, P = C·(1 − (1+r)^−n) / r. Priced at 1 % a month, the IRR is 1 % a month.
    c, n, r = 1000.0, 36, 0.01
    price = c * (1 - (1 + r) ** -n) / r
    result = finance.irr([-price] + [c] * n)
    assert result.monthly == pytest.approx(r, rel=1e-9) and not result.ambiguous and result.reason is None
    assert result.annual == pytest.approx(1.01 ** 12 - 1, rel=1e-9)
    assert c * (1 - (1 + result.monthly) ** -n) / result.monthly == pytest.approx(price, rel=1e-12)


def test_irr_of_a_two_month_case_solves_its_quadratic() -> None:
    # −1000, +500, +600: 600x² + 500x − 1000 = 0 with x = 1/(1+r) → r = 6.39 % a month.
    x = (-500 + math.sqrt(500**2 + 4 * 600 * 1000)) / (2 * 600)
    result = finance.irr([D(-1000), D(500), D(600)])
    assert result.monthly == pytest.approx(1 / x - 1, rel=1e-9)
    assert result.monthly == pytest.approx(0.0639, abs=1e-4)
    assert result.annual == pytest.approx(x ** -12 - 1, rel=1e-9)


def test_no_sign_change_means_no_irr() -> None:
    for flows in ([D(100), D(50)], [D(-100), D(-50)], [D(0), D(0)], []):
        result = finance.irr(flows)
        assert result.annual is None and result.roots == () and not result.ambiguous
        assert result.reason.startswith("no sign change")


def test_a_root_outside_the_searched_range_is_reported_as_none() -> None:
    # −1 then +1000 next month: 99,900 % a month, far above 1000 % a year.
    result = finance.irr([D(-1), D(1000)])
    assert result.annual is None and "no IRR in that range" in result.reason


def test_several_sign_changes_report_every_root_and_no_single_irr() -> None:
    # −100, +230, −132 = −132·(x − 1/1.1)(x − 1/1.2) with x = 1/(1+r): roots at 10 % and 20 % a month.
    result = finance.irr([D(-100), D(230), D(-132)])
    assert result.ambiguous and result.annual is None and result.monthly is None
    assert result.roots == pytest.approx([1.1 ** 12 - 1, 1.2 ** 12 - 1], rel=1e-9)
    assert "2 rates" in result.reason and "2 times" in result.reason
    # −100, +251, −151.5 = −151.5·(x − 1/1.01)(x − 1/1.5) with x = 1/(1+r): roots at 1 % and 50 % a month; 50 % a
    # month is above 1000 % a year, so the one root in range is the IRR.
    single = finance.irr([D(-100), D(251), D("-151.5")])
    assert single.annual == pytest.approx(1.01 ** 12 - 1, rel=1e-9) and not single.ambiguous
    assert single.roots == (single.annual,)


def test_payback_interpolates_within_the_month() -> None:
    # −100, then +30 a month: cumulative −100, −70, −40, −10, +20 → 3 + 10/30 months.
    assert finance.payback([D(-100)] + [D(30)] * 4) == (pytest.approx(3 + 10 / 30), None)
    assert finance.payback([D(-100), D(50), D(50)]) == (2.0, None)
    assert finance.payback([D(10), D(20)]) == (0.0, None)
    assert finance.payback([]) == (0.0, None)
    never, why = finance.payback([D(-100), D(30), D(30)])
    assert never is None and "still negative" in why
    # A later cost that pushes the sum below zero again moves the payback to the second crossing.
    assert finance.payback([D(-100), D(100), D(-50), D(100)]) == (pytest.approx(2.5), None)


def test_discounted_payback_matches_the_annuity_closed_form() -> None:
    # −P then C a month at i: the discounted sum reaches P in month k = ceil(n*), n* = −ln(1 − P·i/C) / ln(1+i);
    # within month k the payback is (k − 1) + (P − A(k−1)) / (C / (1+i)^k), A(m) = C·(1 − (1+i)^−m) / i.
    p, c, i = 1000.0, 100.0, 0.01
    k = math.ceil(-math.log(1 - p * i / c) / math.log(1 + i))
    annuity = c * (1 - (1 + i) ** -(k - 1)) / i
    expected = (k - 1) + (p - annuity) / (c / (1 + i) ** k)
    value, why = finance.discounted_payback([D(-1000)] + [D(100)] * 24, i)
    assert k == 11 and why is None and value == pytest.approx(expected, rel=1e-12)
    assert finance.payback([D(-1000)] + [D(100)] * 24) == (10.0, None)


def test_roi_and_zero_costs() -> None:
    assert finance.roi(D("150"), D("100")) == (0.5, None)
    assert finance.roi(D("50"), D("100")) == (-0.5, None)
    value, why = finance.roi(D("150"), D("0"))
    assert value is None and why == "no costs: ROI is undefined"


def test_figures_of_a_business_case() -> None:
    lines = [(0, "capex", D("1200.00")), (0, "opex", D("100.00")), (1, "opex", D("100.00")),
             (1, "benefit", D("500.00")), (3, "benefit", D("1100.00")), (3, "benefit", D("0.50"))]
    result = finance.figures(lines, 0.12)
    assert [(m.t, m.capex, m.opex, m.benefit) for m in result.months] == [
        (0, D("1200.00"), D("100.00"), D(0)), (1, D(0), D("100.00"), D("500.00")), (2, D(0), D(0), D(0)),
        (3, D(0), D(0), D("1100.50"))]
    assert (result.total_capex, result.total_opex, result.total_costs) == (D("1200.00"), D("200.00"), D("1400.00"))
    assert (result.total_benefits, result.net) == (D("1600.50"), D("200.50"))
    i = 1.12 ** (1 / 12) - 1
    assert result.monthly_rate == pytest.approx(i)
    assert result.npv == D(-1300 + 400 / (1 + i) + 1100.5 / (1 + i) ** 3).quantize(D("0.01"))
    assert result.roi == pytest.approx(200.5 / 1400)
    # Cumulative −1300, −900, −900, +200.5: paid back 2 + 900/1100.5 months in.
    assert result.payback_months == pytest.approx(2 + 900 / 1100.5)
    assert result.irr.annual is not None and result.irr.reason is None
    assert finance.npv([m.net for m in result.months], result.irr.monthly) == pytest.approx(0, abs=1e-6)
    with pytest.raises(ValueError):
        finance.monthly_flows([(-1, "capex", D(1))])


def test_months_round_trip() -> None:
    assert parse_month("2027-01") == 2027 * 12 and format_month(parse_month("2027-12")) == "2027-12"
    assert parse_month("2027-03") - parse_month("2026-12") == 3
    assert format_quarter(parse_month("2027-03") // 3) == "2027-Q1"
    assert format_quarter(parse_month("2027-04") // 3) == "2027-Q2"
    for bad in ("2027-13", "2027-00", "27-01", "2027-1", "1899-12", "abcd-ef"):
        with pytest.raises(ValueError):
            parse_month(bad)


def test_cash_flow_periods_from_yearly_sums() -> None:
    # Database rows: (currency, year, cents of capex_01..12, opex_01..12, benefit_01..12).
    def year(currency: str, number: int, **months: tuple[int, int, int]) -> tuple[str, int, tuple[int, ...]]:
        columns = [0] * 36
        for name, (capex, opex, benefit) in months.items():
            index = int(name[1:]) - 1
            columns[index], columns[12 + index], columns[24 + index] = capex, opex, benefit
        return currency, number, tuple(columns)

    sums = [year("EUR", 2026, m12=(5000, 0, 0)), year("EUR", 2027, m01=(10, 20, 0), m02=(0, 0, 1),
                                                        m05=(0, 0, 100_000)), year("USD", 2027, m03=(1, 0, 0))]
    start, end = parse_month("2027-01"), parse_month("2027-04")
    periods = reports.per_period(sums, start, end, 1)
    assert sorted(periods, key=str) == sorted([
        ("EUR", None, D("50.00"), D("0.00"), D("0.00")), ("EUR", parse_month("2027-01"), D("0.10"), D("0.20"),
                                                          D("0.00")),
        ("EUR", parse_month("2027-02"), D("0.00"), D("0.00"), D("0.01")),
        ("USD", parse_month("2027-03"), D("0.01"), D("0.00"), D("0.00"))], key=str)
    flows = reports.assemble(periods, {"EUR": 2, "USD": 1}, quarterly=False, first=start, last=end)
    eur = flows[0]
    assert (eur.currency, eur.projects, eur.opening_net) == ("EUR", 2, D("-50.00"))
    assert [(p.period, p.net, p.cumulative_net) for p in eur.periods] == [
        ("2027-01", D("-0.30"), D("-50.30")), ("2027-02", D("0.01"), D("-50.29")), ("2027-03", D("0.00"), D("-50.29")),
        ("2027-04", D("0.00"), D("-50.29"))]
    quarters = reports.assemble(reports.per_period(sums, None, None, 3), {}, quarterly=True,
                                first=None, last=None)
    assert [(p.period, p.costs, p.benefits) for p in quarters[0].periods] == [
        ("2026-Q4", D("50.00"), D("0.00")), ("2027-Q1", D("0.30"), D("0.01")), ("2027-Q2", D("0.00"), D("1000.00"))]
    assert [p.period for p in quarters[1].periods] == ["2026-Q4", "2027-Q1", "2027-Q2"]  # same periods per currency
