"""Account balances for the matching engine: free and locked amounts per asset, exact and never negative."""
from __future__ import annotations

from decimal import Decimal

from terminal.model.numbers import ZERO

from .reports import EngineReject, RejectReason


class Ledger:
    """Balances of every account: ``{account_id: {asset: [free, locked]}}``.

    Mutating methods assume the caller checked the amounts (the engine validates before it changes anything);
    they still refuse to take a balance below zero, which would be an engine bug.
    """

    __slots__ = ("_accounts",)

    def __init__(self) -> None:
        self._accounts: dict[str, dict[str, list[Decimal]]] = {}

    def add_account(self, account_id: str, balances: dict[str, Decimal]) -> None:
        book = self._accounts.setdefault(account_id, {})
        for asset, amount in balances.items():
            amount = Decimal(amount)
            if amount < 0:
                raise ValueError(f"{account_id}: opening balance of {asset} is negative")
            entry = book.setdefault(asset, [ZERO, ZERO])
            entry[0] += amount

    def has(self, account_id: str) -> bool:
        return account_id in self._accounts

    def accounts(self) -> list[str]:
        return list(self._accounts)

    def require(self, account_id: str) -> dict[str, list[Decimal]]:
        try:
            return self._accounts[account_id]
        except KeyError:
            raise EngineReject(RejectReason.UNKNOWN_ACCOUNT) from None

    def book(self, account_id: str) -> dict[str, list[Decimal]]:
        """The account's mutable ``{asset: [free, locked]}`` (for the engine's settlement loop)."""
        return self._accounts[account_id]

    def entry(self, account_id: str, asset: str) -> list[Decimal]:
        """The mutable ``[free, locked]`` pair (created at zero)."""
        book = self._accounts[account_id]
        e = book.get(asset)
        if e is None:
            e = book[asset] = [ZERO, ZERO]
        return e

    def free(self, account_id: str, asset: str) -> Decimal:
        e = self._accounts[account_id].get(asset)
        return e[0] if e is not None else ZERO

    def deposit(self, account_id: str, asset: str, amount: Decimal) -> None:
        """Add to free (a negative amount withdraws; it may not exceed the free balance)."""
        e = self.entry(account_id, asset)
        if e[0] + amount < 0:
            raise EngineReject(RejectReason.INSUFFICIENT_BALANCE)
        e[0] += amount

    def lock(self, account_id: str, asset: str, amount: Decimal) -> None:
        e = self.entry(account_id, asset)
        if amount > e[0]:
            raise EngineReject(RejectReason.INSUFFICIENT_BALANCE)
        e[0] -= amount
        e[1] += amount

    def unlock(self, account_id: str, asset: str, amount: Decimal) -> None:
        e = self.entry(account_id, asset)
        if amount > e[1]:
            raise AssertionError(f"{account_id}: unlocking {amount} {asset} but only {e[1]} is locked")
        e[1] -= amount
        e[0] += amount

    def snapshot(self, account_id: str, assets: tuple[str, ...] | None = None) -> dict[str, tuple[Decimal, Decimal]]:
        book = self.require(account_id)
        if assets is None:
            return {a: (e[0], e[1]) for a, e in book.items()}
        out = {}
        for a in assets:
            e = book.get(a)
            out[a] = (e[0], e[1]) if e is not None else (ZERO, ZERO)
        return out

    def totals(self) -> dict[str, Decimal]:
        """Sum of free + locked per asset over all accounts (for invariants)."""
        out: dict[str, Decimal] = {}
        for book in self._accounts.values():
            for asset, (free, locked) in book.items():
                out[asset] = out.get(asset, ZERO) + free + locked
        return out

    def check(self) -> None:
        """Raise AssertionError if any balance is negative."""
        for account_id, book in self._accounts.items():
            for asset, (free, locked) in book.items():
                if free < 0 or locked < 0:
                    raise AssertionError(f"{account_id} {asset}: free {free}, locked {locked}")
