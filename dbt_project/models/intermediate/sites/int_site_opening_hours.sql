{#- The hours a site is open, per weekday and span of dates: raw.sites' mon_open .. sun_close
    unpivoted (times in minutes after local midnight), with raw.site_closures applied. A
    closed day (a public holiday, a refit) takes its weekday's hours away for that date; a
    day with special hours (Christmas Eve) has only those. Each weekday's regular hours
    hold over spans of dates (valid_from .. valid_to, 1900-01-01 .. 9999-12-31 when the
    weekday has no exception) cut around its exception days, and a special day is a span of
    its own, so a reader joins on site, weekday and `local_date between valid_from and
    valid_to` and finds at most one row per site and local date. Weekdays and days with no
    hours have no row. -#}
{%- set weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] -%}
{%- set first_day = "cast('1900-01-01' as date)" -%}
{%- set last_day = "cast('9999-12-31' as date)" -%}

with

sites as (

    select * from {{ ref('stg_raw__sites') }}

),

closures as (

    select * from {{ ref('stg_raw__site_closures') }}

),

weekly_hours as (

    {% for day in weekdays %}
        select
            site_id,
            {{ loop.index }} as iso_weekday,
            '{{ day }}' as weekday_name,
            {{ day }}_open as open_time,
            {{ day }}_close as close_time
        from sites
        where
            {{ day }}_open is not null
            and {{ day }}_close is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

exception_days as (

    {#- every closure or special day, with the next one of the same site and weekday -#}
    select
        site_id,
        local_date,
        {{ date_part_int('isodow', 'local_date') }} as iso_weekday,
        is_closed,
        open_time,
        close_time,
        closure_reason,
        lead(local_date) over (
            partition by site_id, {{ date_part_int('isodow', 'local_date') }}
            order by local_date
        ) as next_exception_date,
        row_number() over (
            partition by site_id, {{ date_part_int('isodow', 'local_date') }}
            order by local_date
        ) as exception_number
    from closures

),

regular_before_exceptions as (

    {#- from the start of time to the day before the weekday's first exception -#}
    select
        weekly_hours.site_id,
        weekly_hours.iso_weekday,
        weekly_hours.weekday_name,
        {{ first_day }} as valid_from,
        coalesce(
            cast({{ dbt.dateadd('day', -1, 'exception_days.local_date') }} as date),
            {{ last_day }}
        ) as valid_to,
        weekly_hours.open_time,
        weekly_hours.close_time
    from weekly_hours
    left join exception_days
        on
            weekly_hours.site_id = exception_days.site_id
            and weekly_hours.iso_weekday = exception_days.iso_weekday
            and exception_days.exception_number = 1

),

regular_after_exceptions as (

    {#- from the day after each exception to the day before the next one -#}
    select
        weekly_hours.site_id,
        weekly_hours.iso_weekday,
        weekly_hours.weekday_name,
        cast({{ dbt.dateadd('day', 1, 'exception_days.local_date') }} as date) as valid_from,
        coalesce(
            cast({{ dbt.dateadd('day', -1, 'exception_days.next_exception_date') }} as date),
            {{ last_day }}
        ) as valid_to,
        weekly_hours.open_time,
        weekly_hours.close_time
    from weekly_hours
    inner join exception_days
        on
            weekly_hours.site_id = exception_days.site_id
            and weekly_hours.iso_weekday = exception_days.iso_weekday

),

special_days as (

    select
        exception_days.site_id,
        exception_days.iso_weekday,
        case exception_days.iso_weekday
            {%- for day in weekdays %}
                when {{ loop.index }} then '{{ day }}'
            {%- endfor %}
        end as weekday_name,
        exception_days.local_date as valid_from,
        exception_days.local_date as valid_to,
        exception_days.open_time,
        exception_days.close_time
    from exception_days
    where not exception_days.is_closed

),

spans as (

    select
        *,
        false as is_special_hours
    from regular_before_exceptions
    union all
    select
        *,
        false as is_special_hours
    from regular_after_exceptions
    union all
    select
        *,
        true as is_special_hours
    from special_days

),

final as (

    select
        site_id,
        iso_weekday,
        weekday_name,
        valid_from,
        valid_to,
        open_time,
        close_time,
        {{ hhmm_to_minutes('open_time') }} as open_minute,
        {{ hhmm_to_minutes('close_time') }} as close_minute,
        is_special_hours
    from spans
    where valid_from <= valid_to

)

select * from final
