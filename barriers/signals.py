"""Domain signals other apps listen to without ``barriers`` importing them.

``barrier_triaged`` is sent inside the triage transaction, after the row and its audit event are
written: a receiver's writes commit or roll back with the triage itself. Arguments: ``barrier``,
``actor``, ``sectors`` (the confirmed ``Sector`` rows), ``lead_agency``, ``cooperating_agencies``.
"""

from django.dispatch import Signal

barrier_triaged = Signal()
