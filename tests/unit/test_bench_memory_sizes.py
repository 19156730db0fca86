"""bench/memory_sizes.py's rule: the cheapest memory size whose modelled duration stays within 10% of the
template's size, never below a function's memory floor; CPU scales with memory up to one vCPU, AWS round
trips do not."""

from __future__ import annotations

from bench.cost_model import PriceBook
from bench.memory_sizes import model


def test_a_call_bound_function_keeps_the_smallest_size() -> None:
    # 1 ms of our CPU and a 100 ms AWS call: 256 MB adds ~5 ms to ~102 ms, and costs least
    row = model("TwilioWebhookFn", {"our_cpu_ms": 1.0, "aws_calls": 1}, 1024, PriceBook.load(), call_ms=100)
    assert row["chosen_mb"] == 256
    assert row["sizes"]["256"]["duration_ms"] == round(1769 / 256 + 100, 1)
    assert row["saves_usd_per_million"] > 0


def test_a_cpu_bound_function_keeps_its_size_when_a_smaller_one_is_slower() -> None:
    # 100 ms of CPU at a full vCPU: 512 MB is about twice as slow as 1,024 MB, so 1,024 stays
    row = model("SmsSenderFn", {"our_cpu_ms": 100.0, "aws_calls": 2}, 1024, PriceBook.load(), call_ms=8)
    assert row["sizes"]["512"]["duration_ms"] > 1.1 * row["sizes"]["1024"]["duration_ms"]
    assert row["chosen_mb"] == 1024 and row["saves_usd_per_million"] == 0


def test_no_size_below_a_functions_memory_floor_is_tried() -> None:
    row = model("InboundConsumerFn", {"our_cpu_ms": 0.1, "aws_calls": 1}, 1024, PriceBook.load(), call_ms=8)
    assert set(row["sizes"]) == {"512", "1024"} and row["chosen_mb"] == 512
