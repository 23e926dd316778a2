"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

from booking_app import create_app

app = create_app()
