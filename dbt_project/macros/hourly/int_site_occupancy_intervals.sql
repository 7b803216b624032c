{#- Occupancy reconstructed from entrance counts, per site and local day, sampled at the end
    of every counted interval within opening hours:
      1. running sum of (entries - exits) from opening, floored at 0 the way a counter that
         cannot go negative would be (running - least(0, running minimum so far));
      2. the day's end-of-day imbalance (counting lines drift) is spread over the day
         linearly by elapsed opening time: minus imbalance * elapsed / opening length;
      3. floored at 0 again. At close (elapsed = 1) the store is empty. -#}
{% macro int_site_occupancy_intervals_sql(intervals, opening_hours) -%}

with

intervals as (

    select * from {{ intervals }}
    where is_within_opening_hours
      and line_role = 'entrance'

),

opening_hours as (

    select * from {{ opening_hours }}

),

samples as (

    select
        site_id,
        local_date,
        period_end_at,
        max(hour_start_at) as hour_start_at,
        max(local_start_minute + interval_length_minutes) as local_end_minute,
        sum(count_in) as entries,
        sum(count_out) as exits
    from intervals
    group by site_id, local_date, period_end_at

),

running as (

    select
        samples.*,
        opening_hours.open_minute,
        opening_hours.close_minute,
        sum(entries - exits) over (
            partition by samples.site_id, samples.local_date
            order by samples.period_end_at
            rows between unbounded preceding and current row
        ) as running_net
    from samples
    inner join opening_hours
        on samples.site_id = opening_hours.site_id
        and {{ date_part_int('isodow', 'samples.local_date') }}
            = opening_hours.iso_weekday
        and samples.local_date between opening_hours.valid_from and opening_hours.valid_to

),

floored as (

    select
        *,
        running_net - least(0, min(running_net) over (
            partition by site_id, local_date
            order by period_end_at
            rows between unbounded preceding and current row
        )) as floored_occupancy
    from running

),

with_imbalance as (

    select
        *,
        first_value(floored_occupancy) over (
            partition by site_id, local_date
            order by period_end_at desc
            rows between unbounded preceding and unbounded following
        ) as end_of_day_imbalance,
        least(1.0, greatest(0.0,
            (local_end_minute - open_minute) * 1.0 / nullif(close_minute - open_minute, 0)
        )) as elapsed_fraction
    from floored

),

final as (

    select
        site_id,
        local_date,
        period_end_at,
        hour_start_at,
        entries,
        exits,
        running_net,
        floored_occupancy,
        end_of_day_imbalance,
        elapsed_fraction,
        cast(
            greatest(0.0, floored_occupancy - end_of_day_imbalance * elapsed_fraction)
            as {{ dbt.type_float() }}
        ) as occupancy
    from with_imbalance

)

select * from final
{%- endmacro %}
