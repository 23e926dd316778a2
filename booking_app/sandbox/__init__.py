"""A local, stateful imitation of bookingtime's Module API (see docs/sandbox.md)."""
