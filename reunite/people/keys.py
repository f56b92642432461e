"""Data-key rotation: re-seal every encrypted value under the current key of the ring.

The operator puts a new key first in DATA_KEYS ("k2:...,k1:...") and runs
`reunite keys rotate`. Every EncryptedTextField of every installed model is found by
introspection (so a new model is covered by itself), plus the MFA secrets that allauth
keeps sealed inside `Authenticator.data`. Rows are re-sealed in batches by primary key,
each batch its own transaction, and only rows holding a value under an older key are
touched: an interrupted run continues where it stopped and a finished one does nothing.

Reading the sealed column without opening it: a column wrapped in
`ExpressionWrapper(F(name), output_field=TextField())` is selected as plain text, because
Django applies the converters of the wrapper's output field (a TextField has none) and
not the EncryptedTextField's `from_db_value`. Writing goes through `.update()` with
values typed as TextField, so `get_prep_value` does not seal them a second time, no
`save()` runs (no signals, no `auto_now` churn), and the associated data stays
"<db_table>.<column>" because the field's own `seal_context` is used to open and re-seal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models, transaction
from django.db.models import Case, ExpressionWrapper, F, Q, Value, When
from django.db.models.functions import Left

from reunite.accounts.adapters import MFA_DATA_CONTEXT
from reunite.audit.events import EventType
from reunite.audit.services import record
from reunite.core import crypto
from reunite.core.fields import EncryptedTextField

BATCH_SIZE = 500
MFA_LABEL = "mfa.Authenticator"
# The keys of allauth's Authenticator.data that our MFA adapter seals (TOTP secret,
# recovery-code seed, and codes migrated from older allauth versions).
MFA_SEALED_KEYS = ("secret", "seed", "migrated_codes")
UNSEALED = "unsealed"  # a value that is not a sealed token at all (status only)

Progress = Callable[[str, int, int], None]  # (model label, rows done, rows to do)


class RotationError(Exception):
    """A sealed value could not be opened with the key ring; the run stopped there."""


@dataclass
class RotationResult:
    key_id: str
    rows: dict[str, int] = field(default_factory=dict)  # label -> rows re-sealed

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def sealed_fields() -> dict[type[models.Model], list[EncryptedTextField]]:
    """Every concrete model with an EncryptedTextField of its own, with those fields.

    `local_concrete_fields` keeps a multi-table child from re-processing the columns of
    its parent (they live, and are rotated, in the parent's table)."""
    found: dict[type[models.Model], list[EncryptedTextField]] = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        columns = [
            f for f in model._meta.local_concrete_fields if isinstance(f, EncryptedTextField)
        ]
        if columns:
            found[model] = columns
    return found


def _raw(name: str) -> ExpressionWrapper:
    """The column as stored (the sealed token), not opened."""
    return ExpressionWrapper(F(name), output_field=models.TextField())


def _token_key(token: str) -> str:
    if not token.startswith(f"{crypto.PREFIX}:") or token.count(":") < 2:
        return UNSEALED
    return crypto.key_id_of(token)


def _stale_rows(model, columns: list[EncryptedTextField], current: str):
    """Rows with at least one non-empty value not sealed under `current`, raw values
    annotated as `sealed_<field>`. The prefix is compared with `=` on a substring rather
    than LIKE, which SQLite matches case-insensitively."""
    prefix = f"{crypto.PREFIX}:{current}:"
    # Prefixed aliases, so that no model field (RejectedRow.raw, say) is shadowed.
    raw = {f"sealed_{f.name}": _raw(f.name) for f in columns}
    heads = {f"head_{f.name}": Left(_raw(f.name), len(prefix)) for f in columns}
    stale = Q()
    for f in columns:
        stale |= Q(**{f"sealed_{f.name}__gt": ""}) & ~Q(**{f"head_{f.name}": prefix})
    return model._base_manager.annotate(**raw).alias(**heads).filter(stale).order_by("pk")


def reseal(token: str, *, ring: crypto.KeyRing, context: str, where: str) -> str:
    """`token` sealed again under the ring's current key, with the same context."""
    try:
        plaintext = ring.open(token, context=context)
    except crypto.DecryptionError as exc:
        # Name the row and field, never the value.
        raise RotationError(f"{where}: the value does not open with DATA_KEYS ({exc})") from exc
    return ring.seal(plaintext, context=context)


def rotate_batch(model, columns: list[EncryptedTextField], rows: list[tuple], ring) -> int:
    """Re-seal one batch of (pk, raw values...) rows; returns how many rows changed."""
    label = model._meta.label
    new: dict[str, list[When]] = {f.name: [] for f in columns}
    changed = set()
    for pk, *values in rows:
        for f, token in zip(columns, values, strict=True):
            if token and _token_key(token) != ring.current:
                sealed = reseal(
                    token, ring=ring, context=f.seal_context, where=f"{label} pk={pk} {f.name}"
                )
                new[f.name].append(When(pk=pk, then=Value(sealed, output_field=models.TextField())))
                changed.add(pk)
    updates = {
        name: Case(*whens, default=F(name), output_field=models.TextField())
        for name, whens in new.items()
        if whens
    }
    if updates:
        model._base_manager.filter(pk__in=changed).update(**updates)
    return len(changed)


def _rotate_model(model, columns, ring, *, batch_size: int, progress: Progress | None) -> int:
    label = model._meta.label
    pending = _stale_rows(model, columns, ring.current)
    to_do = pending.count()
    done = 0
    last_pk = None
    names = ["pk", *(f"sealed_{f.name}" for f in columns)]
    while done < to_do:
        with transaction.atomic():
            batch = pending if last_pk is None else pending.filter(pk__gt=last_pk)
            rows = list(batch.select_for_update().values_list(*names)[:batch_size])
            if not rows:
                break  # rows changed under us since the count: nothing left
            done += rotate_batch(model, columns, rows, ring)
            last_pk = rows[-1][0]
        if progress:
            progress(label, done, to_do)
    return done


def _mfa_model():
    try:
        return apps.get_model("mfa", "Authenticator")
    except LookupError:
        return None


def _mfa_tokens(data) -> list[str]:
    tokens = []
    for key in MFA_SEALED_KEYS:
        value = data.get(key) if isinstance(data, dict) else None
        if isinstance(value, str) and value:
            tokens.append(value)
        elif isinstance(value, list):
            tokens += [v for v in value if isinstance(v, str) and v]
    return tokens


def _mfa_resealed(data: dict, ring, *, where: str) -> dict:
    context = MFA_DATA_CONTEXT

    def again(token):
        if _token_key(token) == ring.current:
            return token
        return reseal(token, ring=ring, context=context, where=where)

    out = dict(data)
    for key in MFA_SEALED_KEYS:
        value = out.get(key)
        if isinstance(value, str) and value:
            out[key] = again(value)
        elif isinstance(value, list):
            out[key] = [again(v) if isinstance(v, str) and v else v for v in value]
    return out


def _mfa_needs(data, current: str) -> bool:
    return any(_token_key(t) != current for t in _mfa_tokens(data))


def _rotate_mfa(ring, *, batch_size: int, progress: Progress | None) -> int:
    """allauth's Authenticator.data is JSON: the sealed values cannot be selected in SQL,
    so every row is read (the table holds a few rows per user) and only stale ones are
    written."""
    model = _mfa_model()
    if model is None:
        return 0
    manager = model._base_manager
    to_do = sum(
        1
        for data in manager.values_list("data", flat=True).iterator()
        if _mfa_needs(data, ring.current)
    )
    done = 0
    last_pk = 0
    while done < to_do:
        with transaction.atomic():
            rows = list(
                manager.filter(pk__gt=last_pk)
                .order_by("pk")
                .select_for_update()
                .values_list("pk", "data")[:batch_size]
            )
            if not rows:
                break
            for pk, data in rows:
                if _mfa_needs(data, ring.current):
                    manager.filter(pk=pk).update(
                        data=_mfa_resealed(data, ring, where=f"{MFA_LABEL} pk={pk}")
                    )
                    done += 1
            last_pk = rows[-1][0]
        if progress:
            progress(MFA_LABEL, done, to_do)
    return done


def rotate(*, batch_size: int = BATCH_SIZE, progress: Progress | None = None) -> RotationResult:
    """Re-seal every value not under the current key. Resumable; idempotent.

    Records one KEYS_ROTATED audit event (row counts per model, never values) when the
    run completes having re-sealed anything."""
    ring = crypto.keyring()
    result = RotationResult(key_id=ring.current)
    for model, columns in sealed_fields().items():
        result.rows[model._meta.label] = _rotate_model(
            model, columns, ring, batch_size=batch_size, progress=progress
        )
    result.rows[MFA_LABEL] = _rotate_mfa(ring, batch_size=batch_size, progress=progress)
    if result.total:
        record(event_type=EventType.KEYS_ROTATED, data={"key": ring.current, **result.rows})
    return result


@dataclass
class ColumnStatus:
    label: str  # "people.Person.given_names"
    keys: Counter  # key id (or UNSEALED) -> non-empty values

    @property
    def total(self) -> int:
        return sum(self.keys.values())


def status() -> list[ColumnStatus]:
    """For each sealed column (and the MFA secrets), how many values each key sealed."""
    found = []
    for model, columns in sealed_fields().items():
        for f in columns:
            counter: Counter = Counter()
            values = (
                model._base_manager.annotate(sealed_token=_raw(f.name))
                .filter(sealed_token__gt="")
                .values_list("sealed_token", flat=True)
            )
            for token in values.iterator(chunk_size=2000):
                counter[_token_key(token)] += 1
            found.append(ColumnStatus(label=f"{model._meta.label}.{f.name}", keys=counter))
    model = _mfa_model()
    if model is not None:
        counter = Counter()
        for data in model._base_manager.values_list("data", flat=True).iterator():
            counter.update(_token_key(t) for t in _mfa_tokens(data))
        found.append(ColumnStatus(label=f"{MFA_LABEL}.data", keys=counter))
    return found


def rows_to_rotate() -> dict[str, int]:
    """How many rows of each model still hold a value under an older key."""
    current = crypto.keyring().current
    counts = {
        m._meta.label: _stale_rows(m, cols, current).count() for m, cols in sealed_fields().items()
    }
    model = _mfa_model()
    if model is not None:
        counts[MFA_LABEL] = sum(
            1
            for data in model._base_manager.values_list("data", flat=True).iterator()
            if _mfa_needs(data, current)
        )
    return counts
