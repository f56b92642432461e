"""Interop's blind indexes: an imported record's row key and content digest, computed
again from the sealed normalised row (see reunite.people.blind_indexes). Records imported
before the row was kept cannot be recomputed: they are counted apart, and are stored
under the current key the next time their list is imported."""

from django.db.models import Q

from reunite.interop.models import ImportedRecord
from reunite.interop.rows import content_identity
from reunite.people import blind_indexes


def _recompute_records(ids: list[int]) -> int:
    rows = list(
        ImportedRecord._base_manager.select_for_update()
        .filter(pk__in=ids)
        .values_list("pk", "row_content")
    )
    identities = {pk: content_identity(content) for pk, content in rows if content}
    blind_indexes.update_column(
        ImportedRecord, "row_key", {pk: key for pk, (key, _digest) in identities.items()}
    )
    blind_indexes.update_column(
        ImportedRecord, "row_digest", {pk: digest for pk, (_key, digest) in identities.items()}
    )
    return len(identities)


blind_indexes.register(
    ImportedRecord,
    columns=("row_key", "row_digest"),
    recompute=_recompute_records,
    unrecomputable=Q(sealed_content=""),
    aliases={"sealed_content": blind_indexes.raw("row_content")},
)
