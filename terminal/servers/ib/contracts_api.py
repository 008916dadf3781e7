"""Contract requests: reqContractDetails (error 200 for an unknown contract) and reqMatchingSymbols."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .connection import Connection, handles
from .contracts import Listed, Query, details, matches, search, symbol_samples
from .wire import Fields

if TYPE_CHECKING:
    from .server import PaperServer

NO_DEFINITION = "No security definition has been found for the request"


def resolve(server: "PaperServer", q: Query) -> list[Listed]:
    return [item for item in server.market.listed if matches(item, q)]


def resolve_one(server: "PaperServer", conn: Connection, req_id: int, q: Query) -> Listed | None:
    """The one contract a request names, else error 200 (unknown or ambiguous) and None."""
    found = resolve(server, q)
    if len(found) != 1:
        conn.error(req_id, 200, NO_DEFINITION if not found else
                   "The contract description specified is ambiguous")
        return None
    return found[0]


@handles(9)
def contract_details(server: "PaperServer", conn: Connection, f: Fields) -> None:
    f.skip()  # version
    req_id = f.int()
    q = Query.read(f)
    found = resolve(server, q)
    if not found:
        conn.error(req_id, 200, NO_DEFINITION)
        return
    now = server.clock.now_ms()
    for item in found:
        conn.send(*details(req_id, item, now, server.always_open))
    conn.send(52, 1, req_id)


@handles(81)
def matching_symbols(server: "PaperServer", conn: Connection, f: Fields) -> None:
    req_id = f.int()
    pattern = f.str()
    conn.send(*symbol_samples(req_id, search(server.market.listed, pattern)))
