{#- One row per public holiday of every country and subdivision the sites are in (the
    python `holidays` package, computed by the reference load into raw.public_holidays). -#}

with

public_holidays as (

    select * from {{ ref('stg_raw__public_holidays') }}

),

final as (

    select
        country_code,
        subdivision_code,
        holiday_date,
        holiday_name
    from public_holidays

)

select * from final
