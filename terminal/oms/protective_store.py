"""Protective groups in the order journal's file (table ``protections``): written BEFORE any of a group's orders is
sent and after every change, read back at start-up to re-arm the groups that were still open."""
from __future__ import annotations

from ..storage.journal import Journal
from .protective_group import OPEN_STATES, ProtectionGroup


class ProtectionStore:
    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def save(self, group: ProtectionGroup) -> None:
        """Committed before this returns (the journal's SQLite file, WAL)."""
        self.journal.record_protection(group.group_id, group.kind.value, group.symbol, group.held_by.value,
                                       group.state.value, group.data_json(), group.ts_created, group.ts_updated)

    def open_groups(self) -> list[ProtectionGroup]:
        """The groups still pending, active or triggered, oldest first."""
        return [ProtectionGroup.from_row(row) for row in self.journal.protections(OPEN_STATES)]

    def all_groups(self) -> list[ProtectionGroup]:
        return [ProtectionGroup.from_row(row) for row in self.journal.protections()]
