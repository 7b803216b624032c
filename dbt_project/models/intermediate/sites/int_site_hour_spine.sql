{#- The hourly spine: one row per site and UTC hour that overlaps the site's opening hours,
    over the local days between the site's first and last day with any sensor or POS data
    (within its open_date .. close_date). Hours are generated in UTC and then placed in
    local time, so a DST day has 23 or 25 of them and none is invented or lost. -#}

with

sites as (

    select * from {{ ref('stg_raw__sites') }}

),

opening_hours as (

    select * from {{ ref('int_site_opening_hours') }}

),

data_days as (

    select site_id, local_date from {{ ref('int_sensor_intervals') }}
    union all
    select site_id, local_date from {{ ref('int_pos_transactions_localized') }}

),

site_ranges as (

    select
        sites.site_id,
        sites.organization_id,
        sites.region_id,
        sites.currency,
        sites.timezone,
        case when min(data_days.local_date) > sites.open_date
            then min(data_days.local_date) else sites.open_date end as first_date,
        case when sites.close_date is not null and sites.close_date < max(data_days.local_date)
            then sites.close_date else max(data_days.local_date) end as last_date
    from sites
    inner join data_days
        on sites.site_id = data_days.site_id
    group by
        sites.site_id, sites.organization_id, sites.region_id, sites.currency,
        sites.timezone, sites.open_date, sites.close_date

),

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
    from site_ranges
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
    where with_local_day.local_date between with_local_day.first_date
        and with_local_day.last_date
      and with_local_day.local_start_minute < opening_hours.close_minute
      and with_local_day.local_start_minute + 60 > opening_hours.open_minute

)

select * from final
