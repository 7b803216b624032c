{#- The hourly spine: one row per site and UTC hour that overlaps the site's opening hours,
    over the local days between the site's first and last day with any sensor or POS data
    (within its open_date .. close_date). Hours are generated in UTC and then placed in
    local time, so a DST day has 23 or 25 of them and none is invented or lost. 
    The site's first and last day come from per-site min/max of each source's local
    dates (not a union of every row). `from_date` (fct_site_hourly's incremental
    branch) generates only the local days from that date on; `prior_days` adds
    (site_id, min_local_date, max_local_date) rows known from before. -#}
{% macro int_site_hour_spine_sql(sites, opening_hours, intervals, transactions,
                                 from_date=none, prior_days=none) -%}
with

sites as (

    select * from {{ sites }}

),

opening_hours as (

    select * from {{ opening_hours }}

),

data_days as (

    select site_id, min(local_date) as min_local_date, max(local_date) as max_local_date
    from {{ intervals }}
    group by site_id
    union all
    select site_id, min(local_date), max(local_date)
    from {{ transactions }}
    group by site_id
    {% if prior_days is not none -%}
    union all
    select site_id, min_local_date, max_local_date from {{ prior_days }}
    {%- endif %}

),

site_ranges as (

    select
        sites.site_id,
        sites.organization_id,
        sites.region_id,
        sites.currency,
        sites.timezone,
        case when min(data_days.min_local_date) > sites.open_date
            then min(data_days.min_local_date) else sites.open_date end as first_date,
        case when sites.close_date is not null
                and sites.close_date < max(data_days.max_local_date)
            then sites.close_date else max(data_days.max_local_date) end as last_date
    from sites
    inner join data_days
        on sites.site_id = data_days.site_id
    group by
        sites.site_id, sites.organization_id, sites.region_id, sites.currency,
        sites.timezone, sites.open_date, sites.close_date

),

{% if from_date is not none -%}
clamped_ranges as (

    {#- only the local days from from_date on: the window being recomputed -#}
    select
        site_id, organization_id, region_id, currency, timezone,
        case when first_date < {{ from_date }} then {{ from_date }} else first_date end
            as first_date,
        last_date
    from site_ranges
    where last_date >= {{ from_date }}

),
{% set site_ranges = 'clamped_ranges' %}
{%- else -%}
{% set site_ranges = 'site_ranges' %}
{%- endif %}

day_numbers as (

    {{ numbers(5) }}

),

hour_numbers as (

    select n from ({{ numbers(2) }}) as hundred where n < 24

),

utc_hours as (

    {#- UTC days from the day before first_date to the day after last_date cover every
        local hour of the range in any zone -#}
    select
        site_ranges.site_id,
        site_ranges.organization_id,
        site_ranges.region_id,
        site_ranges.currency,
        site_ranges.timezone,
        site_ranges.first_date,
        site_ranges.last_date,
        {{ dbt.dateadd('hour', '(day_numbers.n - 1) * 24 + hour_numbers.n',
                       'cast(site_ranges.first_date as ' ~ dbt.type_timestamp() ~ ')') }}
            as hour_start_utc
    from {{ site_ranges }} as site_ranges
    inner join day_numbers
        on day_numbers.n <= {{ dbt.datediff('site_ranges.first_date',
                                            'site_ranges.last_date', 'day') }} + 2
    cross join hour_numbers

),

localized as (

    select
        site_id,
        organization_id,
        region_id,
        currency,
        first_date,
        last_date,
        {{ utc_naive_to_tz('hour_start_utc') }} as hour_start_at,
        {{ utc_naive_to_tz(dbt.dateadd('hour', 1, 'hour_start_utc')) }} as hour_end_at,
        {{ to_local(utc_naive_to_tz('hour_start_utc'), 'timezone') }} as local_start_at
    from utc_hours

),

with_local_day as (

    select
        *,
        cast(local_start_at as date) as local_date,
        {{ date_part_int('hour', 'local_start_at') }} as local_hour,
        {{ minute_of_day('local_start_at') }} as local_start_minute
    from localized

),

final as (

    select
        with_local_day.site_id,
        with_local_day.organization_id,
        with_local_day.region_id,
        with_local_day.currency,
        with_local_day.hour_start_at,
        with_local_day.hour_end_at,
        with_local_day.local_date,
        with_local_day.local_hour,
        with_local_day.local_start_at,
        with_local_day.local_start_minute,
        opening_hours.open_minute,
        opening_hours.close_minute,
        least(with_local_day.local_start_minute + 60, opening_hours.close_minute)
            - greatest(with_local_day.local_start_minute, opening_hours.open_minute)
            as open_minutes
    from with_local_day
    inner join opening_hours
        on with_local_day.site_id = opening_hours.site_id
        and {{ date_part_int('isodow', 'with_local_day.local_date') }}
            = opening_hours.iso_weekday
        and with_local_day.local_date between opening_hours.valid_from and opening_hours.valid_to
    where with_local_day.local_date between with_local_day.first_date
        and with_local_day.last_date
      and with_local_day.local_start_minute < opening_hours.close_minute
      and with_local_day.local_start_minute + 60 > opening_hours.open_minute

)

select * from final
{%- endmacro %}
