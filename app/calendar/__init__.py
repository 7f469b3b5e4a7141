"""Pure iCalendar building and parsing: invites, downloads, feeds and busy-time import.

No Flask and no database here (like ``app/booking/slots.py``): callers pass plain values,
so every rule is tested without a request.
"""
