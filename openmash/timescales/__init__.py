"""Timescales: the working-time calendar and the deadlines computed from it.

`openmash.timescales.calendar` is pure (no ORM, no network) so deadlines can be computed and
tested without a database; the Django app that stores closure days wires it up separately.
"""
