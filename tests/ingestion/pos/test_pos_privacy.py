"""No name, e-mail, address or card detail of any sample reaches any output of a parser."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from ingestion.pos import parse_pos_file

# every personal string in the samples (shopify: Bob Norman; square: card fingerprints)
PERSONAL = [
    "bob.norman@hostmail.com", "Bob", "Norman", "Chestnut Street", "Louisville", "40202",
    "555-625-1199", "+557734881234", "+16136120707", "4242", "Visa", "sq-1-", "411111",
    "207119551",  # the Shopify customer id itself: only its salted hash may appear
]


def everything_output(result) -> str:
    parts = [json.dumps(frame.to_dicts(), default=str) for frame in result.tables.values()
             if isinstance(frame, pl.DataFrame)]
    parts += [f"{q.reason} {q.raw_content}" for q in result.quarantined]
    return "\n".join(parts)


def test_no_sample_leaks_personal_data(samples_dir: Path, make_ctx):
    checked = 0
    for system in ("shopify", "square"):
        for path in sorted((samples_dir / system).glob("*.json")):
            result = parse_pos_file(path.read_bytes(), make_ctx(f"pos/{system}/{path.name}"))
            output = everything_output(result)
            for text in PERSONAL:
                assert text not in output, (path.name, text)
            checked += 1
    assert checked == 17


def test_quarantined_orders_are_redacted_too(samples_dir: Path, make_ctx):
    order = json.loads((samples_dir / "shopify" / "python_api_fixture_order.json").read_bytes())
    order["order"]["currency"] = "XYZ"  # rejected -> its raw content goes to quarantine
    result = parse_pos_file(json.dumps(order).encode(), make_ctx("pos/shopify/q.json"))
    (q,) = result.quarantined
    assert q.reason_code == "BAD_CURRENCY"
    assert "IPOD2008GREEN" in q.raw_content  # the order is kept for diagnosis...
    for text in PERSONAL:
        assert text not in q.raw_content  # ...without the person
