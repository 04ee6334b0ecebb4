//! Whether variants' rates differ by more than chance: Pearson's chi-squared test of
//! homogeneity over a k × 2 table (successes and failures per variant) at the 5 % level — for
//! two variants the same test as the two-proportion z-test.

use super::Verdict;
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// The level below which a p-value counts as a real difference.
pub const ALPHA: f64 = 0.05;

/// The test's answer for `(successes, trials)` per variant; variants without trials are left
/// out.
pub fn verdict(groups: &[(u64, u64)]) -> Verdict {
    let groups: Vec<(f64, f64)> = groups
        .iter()
        .filter(|(_, trials)| *trials > 0)
        // Counts far below 2^53: exact as f64.
        .map(|(hits, trials)| ((*hits).min(*trials) as f64, *trials as f64))
        .collect();
    if groups.len() < 2 {
        return Verdict::Alone;
    }
    let trials: f64 = groups.iter().map(|(_, n)| n).sum();
    let hits: f64 = groups.iter().map(|(h, _)| h).sum();
    let rate = hits / trials;
    // The test's approximation needs every expected count to be at least 5.
    let smallest_expected = groups
        .iter()
        .map(|(_, n)| (n * rate).min(n * (1.0 - rate)))
        .fold(f64::INFINITY, f64::min);
    if smallest_expected < 5.0 {
        return Verdict::TooFew;
    }
    let statistic: f64 = groups
        .iter()
        .map(|(h, n)| {
            let (expected_hits, expected_misses) = (n * rate, n * (1.0 - rate));
            (h - expected_hits).powi(2) / expected_hits
                + ((n - h) - expected_misses).powi(2) / expected_misses
        })
        .sum();
    let freedom = (groups.len() - 1) as f64;
    let Ok(distribution) = ChiSquared::new(freedom) else {
        return Verdict::TooFew;
    };
    let p = distribution.sf(statistic).clamp(0.0, 1.0);
    // Ten-thousandths, rounded up so a p just over the level never reads as under it.
    let p_e4 = (p * 10_000.0).ceil() as u32;
    if p < ALPHA {
        Verdict::Differs { p: p_e4 }
    } else {
        Verdict::Same { p: p_e4 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_variants_with_a_clear_difference_differ() {
        // 30 of 200 against 50 of 200: pooled 20 %, expected 40 hits each, χ² = 2·(10²/40) +
        // 2·(10²/160) = 6.25 with one degree of freedom, p = 0.01242.
        assert_eq!(
            verdict(&[(30, 200), (50, 200)]),
            Verdict::Differs { p: 125 }
        );
    }

    #[test]
    fn a_small_gap_on_few_messages_could_be_chance() {
        // 10 of 50 against 12 of 50: pooled 22 %, χ² = 2·(1/11) + 2·(1/39) = 0.2331, p = 0.6292.
        assert_eq!(verdict(&[(10, 50), (12, 50)]), Verdict::Same { p: 6293 });
    }

    #[test]
    fn three_variants_use_two_degrees_of_freedom() {
        // 20, 30 and 40 of 100 each: pooled 30 %, χ² = (100/30 + 100/70)·2 = 9.5238 with
        // two degrees of freedom, p = e^(−χ²/2) = 0.008549.
        assert_eq!(
            verdict(&[(20, 100), (30, 100), (40, 100)]),
            Verdict::Differs { p: 86 }
        );
    }

    #[test]
    fn too_few_or_nothing_to_compare_is_said_so() {
        assert_eq!(verdict(&[]), Verdict::Alone);
        assert_eq!(verdict(&[(3, 10)]), Verdict::Alone);
        assert_eq!(verdict(&[(3, 10), (0, 0)]), Verdict::Alone);
        // Expected replies 2.5 per variant: under 5.
        assert_eq!(verdict(&[(1, 10), (4, 10)]), Verdict::TooFew);
        // Everyone answered: nothing differs, nothing to test.
        assert_eq!(verdict(&[(40, 40), (60, 60)]), Verdict::TooFew);
    }
}
