"""Switchboard's benchmarks: `python -m bench` (`make bench`) prints one table and writes bench/results.json.

One module per figure (webhook_ack, latency, cold_start, requests_count, idle_cost, cost_model). Timings on a
2-core machine are noisy: each timed figure reports medians and tails over many runs, beside a floor timed
in the same run. BENCH_QUICK=1 shrinks every sample for a smoke run.
"""
