-- Key-account report, part 5: does the model predict?  BG/NBD fitted on the
-- orders up to the validation_calibration_end setting (for the demo, set here
-- to 2024-12-31 when it is not set: the demo history is 2023-2025) and
-- checked against the holdout to the as-of date (kam.model_validation_*).
\pset footer off
\o /dev/null
SELECT kam.set('validation_calibration_end', '2024-12-31') WHERE kam.setting('validation_calibration_end') IS NULL;
\o
\echo
\echo 'Does the model predict? BG/NBD fitted on the calibration period only, forecast of the holdout:'
SELECT calibration_end, holdout_end, customers,
       format('r %s, alpha %s, a %s, b %s', round(r::numeric, 3), round(alpha::numeric, 3),
              round(a::numeric, 3), round(b::numeric, 3)) AS calibration_fit,
       actual_total AS holdout_actual, round(predicted_total::numeric, 0) AS holdout_predicted,
       round(aggregate_error_pct::numeric, 1) AS error_pct,
       round(mae::numeric, 2) AS mae, round(rmse::numeric, 2) AS rmse, round(bias::numeric, 3) AS bias
  FROM kam.model_validation_errors;

\echo 'Holdout purchases per customer by calibration frequency, actual vs predicted (FHL 2005, fig. 4):'
SELECT frequency_label AS calibration_frequency, customers,
       round(actual::numeric, 2) AS actual, round(predicted::numeric, 2) AS predicted
  FROM kam.model_validation_conditional
 ORDER BY frequency;

\echo 'Cumulative repeat purchases of the cohort at the end of each quarter, actual vs expected (FHL 2005, fig. 3):'
SELECT period, CASE WHEN holdout THEN 'holdout' ELSE 'calibration' END AS part,
       actual_cumulative AS actual, round(expected_cumulative::numeric, 0) AS expected,
       round((100 * (expected_cumulative - actual_cumulative) / nullif(actual_cumulative, 0))::numeric, 1) AS error_pct
  FROM (SELECT *, lead(period) OVER (ORDER BY period) AS next FROM kam.model_validation_tracking) t
 WHERE next IS NULL OR date_trunc('quarter', next) <> date_trunc('quarter', period)
 ORDER BY period;
