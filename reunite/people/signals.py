"""The registry announces changed people; matching (a layer above) listens.

Sent after the transaction commits, with the person's primary key. Receivers only
enqueue work: the logic stays in services.
"""

from django.dispatch import Signal

person_changed = Signal()
