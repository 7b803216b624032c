{#- The cascade's promise (docs/targets.md): the children of every cascaded sum target add up
    exactly to it, in whole minor units, at every level, constrained or not (floors above or
    caps below their parent are scaled to it and flagged). A rate is not a sum. -#}

with

targets as (

    select * from {{ ref('fct_targets') }}

),

children as (

    select
        parent_target_key,
        sum(target_value) as children_value
    from targets
    where metric_kind = 'sum' and parent_target_key is not null
    group by parent_target_key

)

select
    parents.target_key,
    parents.target_value,
    children.children_value
from targets as parents
inner join children on parents.target_key = children.parent_target_key
where parents.target_value <> children.children_value
