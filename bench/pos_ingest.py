"""Benchmark: the generic POS CSV parser against DuckDB's own read_csv of the same bytes.

Writes N transaction lines of a SAP-style export (the mapping of docs/landing-layout.md),
times parse_pos_file on them and DuckDB's read_csv materialising the same file, prints
rows/s and the ratio (ours / DuckDB's; the target is <= 3), and writes
bench/results/pos_ingest.json.

    .venv/bin/python bench/pos_ingest.py            # 10M lines
    .venv/bin/python bench/pos_ingest.py --rows 1000000
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from ingestion.pos.parse import parse_pos_file
from ingestion.records import LoadContext

MAPPING = """\
source_system: sap_pos
delimiter: ","
timestamp_format: "%Y-%m-%d %H:%M:%S"
columns:
  external_id: BELNR
  line_no: POSNR
  location_id: WERKS
  ts: BUDAT
  type: VORGANG
  sku: MATNR
  product_name: MAKTX
  category: MATKL
  quantity: MENGE
  unit_price: PREIS
  line_amount: NETWR
  discount: RABATT
  tax: MWST
  currency: WAERS
  staff_id: KASSIERER
  customer_id: KUNNR
  payment_method: ZAHLART
type_values: {S: sale, R: return, V: void, X: exchange}
"""
SITES = 60
ZONES = ("Europe/Berlin", "Europe/Lisbon", "America/New_York")


def _money(cents: pl.Expr) -> pl.Expr:
    """Integer cents -> '12.34' text, signed."""
    sign = pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    magnitude = cents.abs()
    return pl.concat_str(
        sign, (magnitude // 100).cast(pl.String), pl.lit("."),
        (magnitude % 100).cast(pl.String).str.zfill(2),
    )


def write_csv(path: Path, rows: int, seed: int = 7, first_document: int = 0) -> None:
    """N lines, ~3.3 lines per transaction, a year of timestamps, 5% returns: vectorised.

    Transaction numbers start at 4,000,000,000 + `first_document` (several files of one
    export must not share numbers)."""
    rng = np.random.default_rng(seed)
    new_tx = rng.random(rows) < 0.3
    new_tx[0] = True
    tx = np.cumsum(new_tx) - 1
    first = np.flatnonzero(new_tx)
    position = np.arange(rows) - first[tx]
    n_tx = int(tx[-1]) + 1
    tx_plant = rng.integers(1000, 1000 + SITES, n_tx)
    # store hours 08:00-21:59 local, so no sale falls into a DST gap
    tx_seconds = rng.integers(0, 365, n_tx) * 86400 + rng.integers(8 * 3600, 22 * 3600, n_tx)
    tx_return = rng.random(n_tx) < 0.05
    tx_customer = np.where(rng.random(n_tx) < 0.4, rng.integers(1, 500_000, n_tx), 0)
    quantity = rng.integers(1, 4, rows)
    price = rng.integers(199, 9999, rows)
    discount = np.where(rng.random(rows) < 0.2, price * quantity // 10, 0)
    net = price * quantity - discount
    tax = net * 19 // 100
    sign = np.where(tx_return[tx], -1, 1)
    frame = pl.DataFrame(
        {
            "tx": tx, "pos": position, "plant": tx_plant[tx], "secs": tx_seconds[tx],
            "ret": tx_return[tx], "cust": tx_customer[tx], "qty": quantity * sign,
            "price": price, "net": net * sign, "disc": discount * sign, "tax": tax * sign,
            "sku": rng.integers(0, 20_000, rows), "staff": rng.integers(1, 400, rows),
            "cash": rng.random(rows) < 0.3,
        }
    )
    start = datetime(2025, 1, 1)
    out = frame.select(
        BELNR=(pl.col("tx") + 4_000_000_000 + first_document).cast(pl.String),
        POSNR=((pl.col("pos") + 1) * 10).cast(pl.String),
        WERKS=pl.col("plant").cast(pl.String),
        BUDAT=(pl.lit(start) + pl.duration(seconds=pl.col("secs"))).dt.strftime(
            "%Y-%m-%d %H:%M:%S"),
        VORGANG=pl.when(pl.col("ret")).then(pl.lit("R")).otherwise(pl.lit("S")),
        MATNR=pl.format("MAT{}", pl.col("sku")),
        MAKTX=pl.format("Product {}", pl.col("sku")),
        MATKL=pl.format("CAT{}", pl.col("sku") % 40),
        MENGE=pl.col("qty").cast(pl.String),
        PREIS=_money(pl.col("price")),
        NETWR=_money(pl.col("net")),
        RABATT=_money(pl.col("disc")),
        MWST=_money(pl.col("tax")),
        WAERS=pl.lit("EUR"),
        KASSIERER=pl.format("K{}", pl.col("staff")),
        KUNNR=pl.when(pl.col("cust") > 0).then(pl.format("C{}", pl.col("cust"))),
        ZAHLART=pl.when(pl.col("cash")).then(pl.lit("CASH")).otherwise(pl.lit("CARD")),
    )
    out.write_csv(path)


def context() -> LoadContext:
    plants = [str(1000 + i) for i in range(SITES)]
    now = datetime.now(UTC)
    return LoadContext(
        source_file="pos/generic/sap/export.csv",
        delivered_at=now,
        now=now,
        pos_locations=pl.DataFrame(
            {"source_system": "sap_pos", "location_id": plants,
             "site_id": [f"site-{p}" for p in plants]}
        ),
        sites=pl.DataFrame(
            {"site_id": [f"site-{p}" for p in plants],
             "timezone": [ZONES[i % len(ZONES)] for i in range(SITES)]}
        ),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" /
                        "pos_ingest.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        landing = Path(tmp)
        folder = landing / "pos" / "generic" / "sap"
        folder.mkdir(parents=True)
        (folder / "mapping.yaml").write_text(MAPPING)
        csv_path = folder / "export.csv"
        t0 = time.perf_counter()
        write_csv(csv_path, args.rows)
        write_seconds = time.perf_counter() - t0
        content = csv_path.read_bytes()

        t0 = time.perf_counter()
        con = duckdb.connect()
        con.execute(f"create table t as select * from read_csv('{csv_path}')")
        duck_rows = con.execute("select count(*) from t").fetchone()[0]
        duck_seconds = time.perf_counter() - t0
        con.close()

        t0 = time.perf_counter()
        result = parse_pos_file(content, context(), landing_dir=landing)
        ours_seconds = time.perf_counter() - t0

    lines = result.tables["pos_transaction_lines"].height
    transactions = result.tables["pos_transactions"].height
    figures = {
        "rows": args.rows,
        "bytes": len(content),
        "write_seconds": round(write_seconds, 3),
        "duckdb_read_csv_seconds": round(duck_seconds, 3),
        "parse_pos_file_seconds": round(ours_seconds, 3),
        "duckdb_rows_per_second": round(duck_rows / duck_seconds),
        "parse_rows_per_second": round(args.rows / ours_seconds),
        "ratio": round(ours_seconds / duck_seconds, 2),
        "lines_loaded": lines,
        "transactions": transactions,
        "quarantined": len(result.quarantined),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    for key, value in figures.items():
        print(f"{key:>26}: {value}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
