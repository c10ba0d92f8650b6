"""Benchmarks of Zománc (issue 7): `make bench` / `make bench-quick`, see docs/benchmarks.md.

A top-level package next to `sandbox/`, not an app inside `zomanc/`: it is a tool that drives
the product from outside — it creates databases, starts the sandbox, workers, gunicorn and a
load generator as processes — and nothing in the product imports it or ships it."""
