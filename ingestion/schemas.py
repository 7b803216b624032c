"""The canonical raw tables of docs/architecture.md, declared once.

Every parser produces frames in these shapes, the loader creates the tables from them on
DuckDB and on PostgreSQL, and dbt's sources describe the same columns. Timestamps are UTC
(`timestamptz`); money is DECIMAL(18, 4), never float.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

RAW_SCHEMA = "raw"

# logical type -> (DuckDB DDL, PostgreSQL DDL, Arrow type)
_TYPES: dict[str, tuple[str, str, pa.DataType]] = {
    "text": ("varchar", "text", pa.string()),
    "int": ("integer", "integer", pa.int32()),
    "bigint": ("bigint", "bigint", pa.int64()),
    "float": ("double", "double precision", pa.float64()),
    "money": ("decimal(18, 4)", "numeric(18, 4)", pa.decimal128(18, 4)),
    "bool": ("boolean", "boolean", pa.bool_()),
    "date": ("date", "date", pa.date32()),
    "timestamptz": ("timestamptz", "timestamptz", pa.timestamp("us", tz="UTC")),
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = True

    def sql_type(self, dialect: str) -> str:
        """The column's DDL type on `dialect` (duckdb or postgres)."""
        return _TYPES[self.type][0 if dialect == "duckdb" else 1]


@dataclass(frozen=True)
class Table:
    """A raw table: its columns, its key, and the column that orders re-deliveries."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    description: str
    # Large fact tables carry no primary key on DuckDB: its ART index makes bulk upserts
    # ~3.5x slower, and the loader guarantees the key itself (one writer, one transaction per
    # file, rows de-duplicated before they are written). PostgreSQL keeps the key for
    # INSERT ... ON CONFLICT.
    keyed_on_duckdb: bool = True

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def qualified(self) -> str:
        return f"{RAW_SCHEMA}.{self.name}"

    def arrow_schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(c.name, _TYPES[c.type][2], nullable=c.nullable) for c in self.columns]
        )

    def ddl(self, dialect: str, name: str | None = None) -> str:
        index = 0 if dialect == "duckdb" else 1
        cols = ",\n  ".join(
            f"{c.name} {_TYPES[c.type][index]}{'' if c.nullable else ' not null'}"
            for c in self.columns
        )
        keyed = self.key and (dialect == "postgres" or self.keyed_on_duckdb)
        key = f",\n  primary key ({', '.join(self.key)})" if keyed else ""
        return f"create table if not exists {name or self.qualified} (\n  {cols}{key}\n)"


def _c(spec: str) -> tuple[Column, ...]:
    """Parse 'name:type[!]' tokens; '!' marks a not-null column."""
    columns = []
    for token in spec.split():
        name, kind = token.split(":")
        columns.append(Column(name, kind.rstrip("!"), nullable=not kind.endswith("!")))
    return tuple(columns)


# Lineage columns carried by every row. `delivered_at` is when the data reached us (the
# device's receive time or the file's landing time): the later delivery of a key wins.
LINEAGE = _c(
    "source_file:text! source_format:text! delivered_at:timestamptz! ingested_at:timestamptz!"
)


def _table(name: str, spec: str, key: str, description: str, *, large: bool = False) -> Table:
    return Table(name, _c(spec) + LINEAGE, tuple(key.split()), description,
                 keyed_on_duckdb=not large)


SENSOR_COUNTS = _table(
    "sensor_counts",
    "sensor_id:text! line_id:text! period_start:timestamptz! period_end:timestamptz! "
    "count_in:int! count_out:int! received_at:timestamptz",
    "sensor_id line_id period_start",
    "One row per sensor, counting line and interval (interval counts, never cumulative).",
    large=True,
)
SENSOR_OCCUPANCY = _table(
    "sensor_occupancy",
    "sensor_id:text! ts:timestamptz! occupancy:int! received_at:timestamptz",
    "sensor_id ts",
    "Occupancy reported directly by a sensor at an instant.",
    large=True,
)
ZONE_ACTIVITY = _table(
    "zone_activity",
    "sensor_id:text! zone_id:text! period_start:timestamptz! period_end:timestamptz! "
    "visits:int avg_dwell_seconds:float received_at:timestamptz",
    "sensor_id zone_id period_start",
    "Region / heat-map sensors: visits and dwell per zone and interval.",
    large=True,
)
SENSOR_COUNTER_READINGS = _table(
    "sensor_counter_readings",
    "sensor_id:text! line_id:text! reading_at:timestamptz! total_in:bigint! total_out:bigint! "
    "received_at:timestamptz",
    "sensor_id line_id reading_at",
    "Raw cumulative counter readings (running totals since the device's last reset), kept so "
    "interval counts can be re-derived whatever order files arrive in.",
    large=True,
)
POS_TRANSACTIONS = _table(
    "pos_transactions",
    "source_system:text! external_id:text! site_id:text! ts:timestamptz! type:text! "
    "gross_amount:money discount:money tax:money net_amount:money currency:text! "
    "item_count:int staff_id:text customer_id:text payment_method:text",
    "source_system external_id",
    "One row per POS transaction (sale, return, exchange or void); customer_id is a salted hash.",
    large=True,
)
POS_TRANSACTION_LINES = _table(
    "pos_transaction_lines",
    "source_system:text! external_id:text! line_no:int! sku:text product_name:text "
    "category:text quantity:int! unit_price:money line_amount:money",
    "source_system external_id line_no",
    "One row per line item of a POS transaction.",
    large=True,
)
ORGANIZATIONS = _table(
    "organizations",
    "organization_id:text! name:text! reporting_currency:text!",
    "organization_id",
    "Tenants: one retail chain each.",
)
REGIONS = _table(
    "regions",
    "region_id:text! organization_id:text! name:text!",
    "region_id",
    "Regions of an organisation.",
)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SITES = _table(
    "sites",
    "site_id:text! organization_id:text! region_id:text! name:text! site_type:text! "
    "timezone:text! country:text subdivision:text "
    "mall_id:text area_sqm:float currency:text! open_date:date! close_date:date "
    + " ".join(f"{day}_open:text {day}_close:text" for day in WEEKDAYS),
    "site_id",
    "Stores: IANA time zone, ISO 3166-1 alpha-2 country and optional ISO 3166-2 subdivision "
    "(for regional public holidays), opening hours per weekday (HH:MM local, null = "
    "closed), mall, area, currency.",
)
SENSORS = _table(
    "sensors",
    "sensor_id:text! line_id:text! site_id:text! vendor:text! device_serial:text "
    "device_name:text line_role:text! interval_minutes:int max_count_per_interval:int "
    "is_direction_inverted:bool",
    "sensor_id line_id",
    "Counting devices, one row per counting line with its role (entrance, passerby, ignore).",
)
POS_LOCATIONS = _table(
    "pos_locations",
    "source_system:text! location_id:text! site_id:text!",
    "source_system location_id",
    "Which site a POS system's location (Shopify location, Square location, SAP plant) is.",
)
STAFF_SHIFTS = _table(
    "staff_shifts",
    "shift_id:text! site_id:text! staff_id:text! shift_start:timestamptz! "
    "shift_end:timestamptz! role:text",
    "shift_id",
    "Worked staff shifts (UTC start and end).",
)
TARGETS_INPUT = _table(
    "targets_input",
    "target_id:text! organization_id:text! level:text! level_id:text! metric:text! "
    "period_start:date! period_end:date target_value:money currency:text method:text "
    "name:text period_type:text stretch_value:money minimum_value:money hybrid_weight:float "
    "cascade_to:text",
    "target_id",
    "Targets as set by people at one org unit (the annual organisation sales target, a "
    "region's quarter, a store's week), cascaded down the hierarchy by dbt "
    "(docs/targets.md). period_end may be left to period_type; target_value is empty for "
    "a bottom_up target (the sum of its children's own targets).",
)
TARGET_CONSTRAINTS = _table(
    "target_constraints",
    "target_id:text! org_unit_level:text! org_unit_id:text! weight:float floor_value:money "
    "cap_value:money min_share:float",
    "target_id org_unit_level org_unit_id",
    "Per target and child unit: the weight of a weighted cascade, a floor and a cap on the "
    "child's value, a minimum share of the parent's.",
)
ORG_UNITS = _table(
    "org_units",
    "org_unit_level:text! org_unit_id:text! org_unit_name:text parent_level:text! "
    "parent_id:text! organization_id:text!",
    "org_unit_level org_unit_id",
    "Org units below a site (departments, teams, staff), each under its parent unit: a site "
    "or another row of the file.",
)
WEATHER = _table(
    "weather",
    "site_id:text! ts:timestamptz! temperature_c:float precipitation_mm:float condition:text",
    "site_id ts",
    "Hourly weather observed at each site.",
)
SITE_CLOSURES = _table(
    "site_closures",
    "site_id:text! local_date:date! is_closed:bool! open_time:text close_time:text reason:text",
    "site_id local_date",
    "Days a site is closed (is_closed, no hours) or opens differently from its weekly hours "
    "(open_time and close_time, HH:MM local): public holidays, refits, Christmas Eve.",
)
EVENTS = _table(
    "events",
    "event_id:text! event_type:text! name:text! start_date:date! end_date:date! "
    "organization_id:text region_id:text site_id:text expected_uplift:float",
    "event_id",
    "Holidays, promotions and mall events; null scope columns mean the whole organisation.",
)
# Computed by the reference load, not landed: when sites.csv loads, the public holidays of
# every (country, subdivision) it names, from the `holidays` package (ingestion/reference.py).
# subdivision is '' for a country's national calendar (a key column is never null).
PUBLIC_HOLIDAYS = _table(
    "public_holidays",
    "country:text! subdivision:text! holiday_date:date! holiday_name:text!",
    "country subdivision holiday_date",
    "Public holidays per ISO 3166-1 country and ISO 3166-2 subdivision ('' = national "
    "holidays only), from the `holidays` package, for every country and subdivision in "
    "raw.sites over the calendar years; several holidays on one day joined by '; '.",
)
QUARANTINE = Table(
    "quarantine",
    _c(
        "source_file:text! source_format:text! line_no:bigint reason_code:text! reason:text! "
        "raw_content:text quarantined_at:timestamptz!"
    ),
    (),
    "Every rejected row or file, with a reason code. Nothing is dropped silently.",
)
LOAD_MANIFEST = Table(
    "load_manifest",
    _c(
        "sha256:text! path:text! size_bytes:bigint! source_format:text! rows_loaded:bigint! "
        "rows_quarantined:bigint! delivered_at:timestamptz! loaded_at:timestamptz! "
        "landing_folder:text!"
    ),
    ("sha256", "landing_folder"),
    "Every landed file that was loaded; the same bytes in the same landing folder (a device's "
    "folder) are not loaded again (ingestion/loader/manifest.py).",
)

FACT_TABLES = (
    SENSOR_COUNTS,
    SENSOR_OCCUPANCY,
    ZONE_ACTIVITY,
    POS_TRANSACTIONS,
    POS_TRANSACTION_LINES,
)
REFERENCE_TABLES = (
    ORGANIZATIONS,
    REGIONS,
    SITES,
    SENSORS,
    POS_LOCATIONS,
    STAFF_SHIFTS,
    TARGETS_INPUT,
    WEATHER,
    EVENTS,
    SITE_CLOSURES,
    TARGET_CONSTRAINTS,
    ORG_UNITS,
)
# Raw tables the reference load derives rather than reads from a landed file.
DERIVED_REFERENCE_TABLES = (PUBLIC_HOLIDAYS,)
ALL_TABLES: dict[str, Table] = {
    t.name: t
    for t in (*FACT_TABLES, SENSOR_COUNTER_READINGS, *REFERENCE_TABLES,
              *DERIVED_REFERENCE_TABLES, QUARANTINE, LOAD_MANIFEST)
}
