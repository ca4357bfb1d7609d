"""Benchmarks of dip-sandbox: `make bench` (python -m bench). Ratios against baselines measured in the same run."""
