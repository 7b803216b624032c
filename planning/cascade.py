"""One target's cascade on demand (`blipee targets cascade`), with the marts' own SQL.

The marts cascade every target on every build; this runs the same `cascade_targets` macro
over the built int_target_requests and int_target_edges for one target, optionally with
another allocation method, so a planner can compare methods before changing the input.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from infra.dbt_show import show

METHODS = ("equal", "weighted", "historical", "potential", "bottom_up", "hybrid")


class UnknownTarget(LookupError):
    """No target with that id has been built into int_target_requests."""


@dataclass(frozen=True)
class CascadeRow:
    depth: int
    org_unit_key: str
    org_unit_name: str | None
    target_value: Decimal | None
    share: float | None
    is_floored: bool
    is_capped: bool
    is_infeasible: bool


@dataclass(frozen=True)
class Cascade:
    target_id: str
    metric: str
    metric_kind: str
    currency: str | None
    method: str
    rows: tuple[CascadeRow, ...]


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def cascade_sql(target_id: str, method: str | None) -> str:
    """The inline dbt query of one target's cascade (method None: the target's own)."""
    if method is not None and method not in METHODS:
        raise ValueError(f"unknown method {method!r}; methods: {', '.join(METHODS)}")
    chosen = "none" if method is None else _literal(method)
    allocation = "requests.allocation_method" if method is None else _literal(method)
    return f"""
{{%- set requests -%}}
(select * from {{{{ ref('int_target_requests') }}}} where target_id = {_literal(target_id)})
    as requested
{{%- endset -%}}
with cascaded as (
{{{{ cascade_targets(requests, ref('int_target_edges'), method={chosen}) }}}}
)
select
    requests.metric,
    requests.metric_kind,
    requests.currency,
    {allocation} as allocation_method,
    cascaded.cascade_depth,
    cascaded.org_unit_key,
    units.org_unit_name,
    case
        when requests.metric_kind = 'rate' then cast(cascaded.rate_value as decimal(38, 6))
        else cast(cascaded.value_minor / power(10, requests.minor_digits) as decimal(38, 6))
    end as target_value,
    cascaded.share,
    cascaded.is_floored,
    cascaded.is_capped,
    cascaded.is_infeasible
from cascaded
inner join {{{{ ref('int_target_requests') }}}} as requests
    on cascaded.target_id = requests.target_id
left join {{{{ ref('dim_org_unit') }}}} as units on cascaded.org_unit_key = units.org_unit_key
order by units.org_unit_path, cascaded.org_unit_key
"""


def _row(record: dict[str, Any]) -> CascadeRow:
    value = record["target_value"]
    return CascadeRow(
        depth=int(record["cascade_depth"]), org_unit_key=str(record["org_unit_key"]),
        org_unit_name=record["org_unit_name"],
        target_value=None if value is None else Decimal(str(value)),
        share=None if record["share"] is None else float(record["share"]),
        is_floored=bool(record["is_floored"]), is_capped=bool(record["is_capped"]),
        is_infeasible=bool(record["is_infeasible"]))


def cascade(target_id: str, method: str | None, *, project_dir: Path,
            env: dict[str, str], work_dir: Path) -> Cascade:
    """One target cascaded on the warehouse dbt's profile points at under `env`."""
    records = show(cascade_sql(target_id, method), project_dir=project_dir, env=env,
                   work_dir=work_dir)
    if not records:
        raise UnknownTarget(target_id)
    first = records[0]
    return Cascade(target_id=target_id, metric=str(first["metric"]),
                   metric_kind=str(first["metric_kind"]), currency=first["currency"],
                   method=str(first["allocation_method"]),
                   rows=tuple(_row(r) for r in records))
