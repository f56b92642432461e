from django.dispatch import receiver

from reunite.people.signals import person_changed
from reunite.tracing.tasks import find_candidates


@receiver(person_changed)
def enqueue_candidate_search(sender, person_id, **kwargs):
    find_candidates.enqueue(person_id)
