//! p50 and p95 of a benchmark's timings, for the benches that time repeated queries.

use std::time::Duration;

/// p50 and p95 of the timings, in milliseconds to one decimal.
pub fn percentiles(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let at = |p: f64| {
        let i = ((times.len() as f64 - 1.0) * p).round() as usize;
        times.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    (
        (at(0.5) * 10.0).round() / 10.0,
        (at(0.95) * 10.0).round() / 10.0,
    )
}
