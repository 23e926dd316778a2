"""Manage a booking from a signed link: view it, move it to another time, cancel it.

`links` makes and checks the links; `views` holds the blueprint (registered by
create_app); `booking_app.web.once` keeps a double-submitted change from being sent twice.
"""
