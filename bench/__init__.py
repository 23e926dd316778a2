"""Benchmarks of the widget against a baseline Flask app (`make bench`, see README.md)."""
