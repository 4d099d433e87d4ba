"""The demo's township division: the seed's eleven townships (valid from 2018), read from data/divisions/ as the app does."""

from __future__ import annotations

from cases.divisions import county_divisions

#: The eleven townships of the 2018/2019 division, in the seed's order (the demo and its shipped layer use it).
TOWNSHIPS: tuple[str, ...] = county_divisions("代县").at(2019).names
