"""The benchmark's forecast perturbations: the history the policies learn from is wrong,
the stock and the scored orders are not."""

from __future__ import annotations

from bench.scenarios import Cell, ForecastError, build

CELL = Cell(10, 0.1, 1_000, 1.1, 0.8, False)


def test_a_history_off_by_thirty_percent_leaves_stock_and_orders_as_they_were() -> None:
    true = build(CELL, 2, orders=60, days=1)
    high = build(CELL, 2, orders=60, days=1, error=ForecastError(volume=1.3))
    assert high.stock == true.stock
    assert high.orders == true.orders
    assert len(high.history) == round(len(true.history) * 1.3)


def test_another_spatial_mix_moves_the_historys_customers_out_of_the_metros() -> None:
    true = build(CELL, 2, orders=60, days=1)
    rural = build(CELL, 2, orders=60, days=1, error=ForecastError(metro_share=0.0))
    assert rural.stock == true.stock
    assert len(rural.history) == len(true.history)
    true_places = {o.ship_to.location.postal_code for o in true.history}
    rural_places = {o.ship_to.location.postal_code for o in rural.history}
    assert len(rural_places & true_places) < len(true_places) / 2
