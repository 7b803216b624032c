{#- Every target cascaded down its tree with its own method: one row per target and unit,
    values in whole minor units (sums) or as a rate. The SQL is the cascade_targets macro,
    which `blipee targets cascade --method` runs on demand with another method.
    A table: the recursive cascade runs once, not once per reader and test. -#}
{{ config(materialized='table') }}


{{ cascade_targets(ref('int_target_requests'), ref('int_target_edges')) }}
