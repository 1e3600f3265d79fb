"""Side-by-side benchmarks of specforge against the tools its users would pick instead.

Run with `python -m bench [--quick]`; results go to `bench/results/latest.{md,json}`.
"""
