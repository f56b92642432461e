"""The matching engine: pure Python, no Django, no other reunite package.

Public API (what the Django side calls):

- ``Record``, ``PartialDate``: the person record; ``Record.from_mapping(row)`` parses
  canonical CSV fields.
- ``Scorer`` / ``score_pair(a, b) -> Match``: Fellegi-Sunter score of two records with
  ``match_probability``, ``match_weight``, ``contributions`` and ``explanation``.
- ``record_blocking_keys(record)`` / ``record_query_keys(record)``: blocking keys as
  strings, to be stored (and looked up) as HMAC blind indexes.
- ``Index``: in-memory candidate index; ``Index.query(record, top=10, threshold=0.0)``.
- ``link(left, right, ...)``, ``dedupe(records, ...)``: pairs best first.
- ``link.link_files(left.csv, right.csv)`` (what ``reunite link`` runs): the same model and
  rule for large lists, vectorised over numpy columns (``table.py``, ``batch.py``).
- ``Weights``: the versioned model (``data/weights-v2.json``; ``Weights.load("weights-v1.json")`` loads the
  previous one); ``train`` re-estimates it. An ``Index`` weighs exact name agreement by how
  common the name is among the records it holds (term frequencies); ``score_pair`` cannot.
- ``cli.main_link/main_dedupe/main_synth/main_evaluate/main_train``: CLI entry points.
"""

from .block import Index, record_blocking_keys, record_query_keys
from .errors import (
    BadRows,
    CsvError,
    InvalidDate,
    InvalidValue,
    MatchingError,
    UnknownColumn,
    UnreadableFile,
    WeightsError,
)
from .link import dedupe, link
from .record import PartialDate, Record
from .score import Contribution, Match, Scorer, Weights, score_pair

__all__ = [
    "BadRows", "Contribution", "CsvError", "Index", "InvalidDate", "InvalidValue", "Match", "MatchingError",
    "PartialDate", "Record", "Scorer", "UnknownColumn", "UnreadableFile", "Weights", "WeightsError",
    "dedupe", "link", "record_blocking_keys", "record_query_keys", "score_pair",
]
