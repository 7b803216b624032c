"""Freshness policies read from the dbt sources' `freshness:` blocks, one promise for both.

dbt declares how stale each raw source may be (`warn_after` / `error_after` on
`ingested_at`); the raw assets carry the same window as a Dagster `FreshnessPolicy`, and so
does every mart built from such a source, so a silent sensor feed shows as stale in the UI
rather than as quietly old numbers. An asset without a policy states why in its metadata
under `NO_FRESHNESS_POLICY`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from dagster import FreshnessPolicy

NO_FRESHNESS_POLICY = "blipee/no_freshness_policy"

_PERIODS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}


def _window(after: Mapping[str, Any] | None) -> timedelta | None:
    if not after or not after.get("count") or after.get("period") not in _PERIODS:
        return None
    return int(after["count"]) * _PERIODS[after["period"]]


def policy_from_dbt(freshness: Mapping[str, Any] | None) -> FreshnessPolicy | None:
    """dbt's `{warn_after, error_after}` as a time-window policy (fail = error_after)."""
    if not freshness:
        return None
    fail = _window(freshness.get("error_after"))
    if fail is None:
        return None
    warn = _window(freshness.get("warn_after"))
    return FreshnessPolicy.time_window(fail_window=fail,
                                       warn_window=warn if warn and warn < fail else None)


def source_policies(manifest: Mapping[str, Any]) -> dict[str, FreshnessPolicy]:
    """`raw` table name -> the policy of its dbt source, for sources that declare one."""
    policies = {}
    for source in manifest.get("sources", {}).values():
        policy = policy_from_dbt(source.get("freshness"))
        if policy is not None:
            policies[source["name"]] = policy
    return policies


def fail_window(policy: Any) -> timedelta:
    """The fail window of a time-window policy as a plain timedelta."""
    return policy.fail_window.to_timedelta()


def strictest(policies: list[FreshnessPolicy]) -> FreshnessPolicy | None:
    """The policy with the shortest fail window: a mart is as stale as its stalest feed."""
    return min(policies, key=fail_window, default=None)
