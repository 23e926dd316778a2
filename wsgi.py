"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

from booking_app import create_app
from booking_app.malloc import limit_malloc_arenas

limit_malloc_arenas()  # in each worker (gunicorn imports this after forking), before its threads
app = create_app()
