"""Benchmarks of EM Lab: ``python -m benchmarks.em``."""
