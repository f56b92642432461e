"""Tracing's blind indexes: a person's blocking keys, rebuilt together from the person's
record (see reunite.people.blind_indexes)."""

from reunite.people import blind_indexes
from reunite.people.models import Person
from reunite.tracing.matching_adapter import to_record
from reunite.tracing.models import BlockKey
from reunite.tracing.services import block_keys_of, with_record


def _recompute_block_keys(ids: list[int]) -> int:
    """What candidates_refresh stores, for every person (deleted ones too: their keys
    are kept, unused, until they are restored or wiped). The people are locked, so a
    refresh running meanwhile waits or is waited for."""
    people = list(with_record(Person._base_manager.select_for_update().filter(pk__in=ids)))
    BlockKey.objects.filter(person_id__in=ids).delete()
    BlockKey.objects.bulk_create(
        (
            BlockKey(person_id=person.pk, digest=d)
            for person in people
            for d in sorted(block_keys_of(to_record(person)))
        ),
        ignore_conflicts=True,  # as candidates_refresh, which may have run meanwhile
    )
    return len(people)


blind_indexes.register(
    BlockKey, columns=("digest",), owner="person", recompute=_recompute_block_keys
)
