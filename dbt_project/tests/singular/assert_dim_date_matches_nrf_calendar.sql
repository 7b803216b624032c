-- NRF 4-5-4 calendar (nrf.com/resources/4-5-4-calendar): FY2023 = 2023-01-29 .. 2024-02-03
-- (53 weeks), FY2024 = 2024-02-04 .. 2025-02-01, FY2025 = 2025-02-02 .. 2026-01-31 (52).
-- Rows returned are years that disagree (skipped when the calendar range excludes them).
with

published as (

    select
        2023 as fiscal_year,
        cast('2023-01-29' as date) as start_date,
        cast('2024-02-03' as date) as end_date,
        53 as weeks
    union all
    select
        2024 as fiscal_year,
        cast('2024-02-04' as date) as start_date,
        cast('2025-02-01' as date) as end_date,
        52 as weeks
    union all
    select
        2025 as fiscal_year,
        cast('2025-02-02' as date) as start_date,
        cast('2026-01-31' as date) as end_date,
        52 as weeks

),

built as (

    select
        fiscal_year,
        min(date_day) as start_date,
        max(date_day) as end_date,
        max(retail_week) as weeks,
        max(retail_period) as periods,
        count(*) as days
    from {{ ref('dim_date') }}
    group by fiscal_year

)

select published.fiscal_year
from published
inner join built
    on published.fiscal_year = built.fiscal_year
where
    built.start_date <> published.start_date
    or built.end_date <> published.end_date
    or built.weeks <> published.weeks
    or built.periods <> 12
    or built.days <> published.weeks * 7
