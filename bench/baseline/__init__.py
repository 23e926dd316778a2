"""The baseline: the least a Flask app can do to serve a page of a given size."""
