{#- One row per model version, target, horizon family and method of a rolling-origin
    backtest (ml.backtest_scores), with the model's skill over the best baseline:
    skill_vs_best_baseline = 1 - wape / (the lowest WAPE of the baselines of the same model
    version, target and horizon), on the lightgbm row only; null where that WAPE is 0. -#}
with

scores as (

    select * from {{ ref('stg_ml__backtest_scores') }}

),

best_baselines as (

    select
        model_version,
        target,
        horizon,
        min(wape) as best_baseline_wape
    from scores
    where method != 'lightgbm'
    group by model_version, target, horizon

),

final as (

    select
        scores.model_version,
        scores.target,
        scores.horizon,
        scores.method,
        scores.method != 'lightgbm' as is_baseline,
        scores.origins,
        scores.sites,
        scores.hours,
        scores.first_origin_at,
        scores.last_origin_at,
        scores.wape,
        scores.wape_4h,
        scores.share_4h_within_5pct,
        scores.share_4h_within_10pct,
        scores.bias,
        scores.mase,
        scores.coverage_80,
        scores.width_80,
        scores.interval_method,
        scores.evaluated_at,
        best_baselines.best_baseline_wape,
        case
            when scores.method = 'lightgbm'
                then 1 - {{ ratio('scores.wape', 'best_baselines.best_baseline_wape') }}
        end as skill_vs_best_baseline
    from scores
    left join best_baselines
        on
            scores.model_version = best_baselines.model_version
            and scores.target = best_baselines.target
            and scores.horizon = best_baselines.horizon

)

select * from final
