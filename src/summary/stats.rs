//! Streaming statistics with bounded memory: count, mean, standard
//! deviation, min, max and percentiles of durations.
//!
//! # Percentiles
//!
//! **Definition**: fast-stats' (GitLab Support's log statistics tool), which
//! is numpy's default: linear interpolation between the closest ranks. For n
//! sorted values x₀ ≤ … ≤ xₙ₋₁ and 0 ≤ p ≤ 100, let h = (n − 1) · p/100;
//! then Pp = x⌊h⌋ + (h − ⌊h⌋) · (x⌈h⌉ − x⌊h⌋). The median is P50. Its
//! published output (omnibus-gitlab MR 8618) fixes this: two durations 85.4
//! and 110.5 ms print P99 110.2, P95 109.2, where nearest rank would give the
//! maximum for both. A test reproduces that MR's Gitaly `Fsck` row.
//!
//! **Exact up to [`EXACT_MAX`] values per key**, kept in a vector. Past that
//! the values move into a log-bucket sketch in the style of DDSketch
//! (Masson, Rim, Lee, VLDB 2019): bucket i holds values in
//! (γ^(i-1), γ^i] with γ = (1+α)/(1-α), and reports 2γ^i/(γ+1). The value of
//! any rank is then within **α = 1 %** of the true value of that rank, and
//! so is the interpolation of two of them (durations are never negative, so
//! a weighted mean of values each within 1 % is within 1 % of the weighted
//! mean of the true values): **|P' − P| ≤ α·P**. Values ≤ [`MIN_POSITIVE_MS`]
//! are kept in a zero bucket and reported as 0, an absolute error below 1 µs.
//! Results are also clamped to the exact min and max, which can only reduce
//! the error.
//!
//! Memory: at most `EXACT_MAX` × 8 bytes before the switch, then a dense
//! bucket array covering 1 µs … 10⁹ ms (≈ 1,400 buckets × 8 bytes ≈ 11 KiB).
//! Mean and variance use Welford's update (numerically stable);
//! STDDEV is the population standard deviation (divided by n, as fast-stats).
//!
//! Rejected: nearest rank (what airlock used first: on keys with ≤ 100
//! values its P99 is the maximum and a two-value median the lower value,
//! so SCORE and the default order disagreed with what GitLab Support reads
//! in fast-stats); t-digest (its error bound is on rank, not value, and is
//! weaker at the tails that matter here: P99); HDR histograms (fixed range
//! and precision chosen up front; the same memory as the sketch for a weaker
//! relative bound over our range).

/// Keys keep exact values up to this count. 1,024 values make P99 exact for
/// every key that has fewer requests than that (most keys in a 12 h bundle),
/// at 8 KiB per key.
pub const EXACT_MAX: usize = 1024;

/// Relative accuracy of the sketch.
pub const ALPHA: f64 = 0.01;

/// Durations at or below this (ms) go to the zero bucket: 1 µs is below the
/// resolution any GitLab log writes.
pub const MIN_POSITIVE_MS: f64 = 1e-3;

/// Index range of the dense buckets: γ^LOW_INDEX ≈ 1e-3 ms,
/// γ^HIGH_INDEX ≈ 1e9 ms (11 days); larger values clamp into the top bucket
/// (and the result is then clamped to the exact max).
const LOW_INDEX: i32 = -346;
const HIGH_INDEX: i32 = 1037;

fn gamma() -> f64 {
    (1.0 + ALPHA) / (1.0 - ALPHA)
}

/// Values of one series: exact while small, then a sketch.
#[derive(Clone, Debug, Default)]
pub struct Quantiles {
    exact: Vec<f64>,
    sketch: Option<Sketch>,
    sorted: bool,
}

#[derive(Clone, Debug)]
struct Sketch {
    zero: u64,
    counts: Vec<u64>,
    n: u64,
}

impl Sketch {
    fn new() -> Sketch {
        Sketch {
            zero: 0,
            counts: vec![0; (HIGH_INDEX - LOW_INDEX + 1) as usize],
            n: 0,
        }
    }

    fn add(&mut self, v: f64) {
        self.n += 1;
        if v <= MIN_POSITIVE_MS {
            self.zero += 1;
            return;
        }
        let i = (v.ln() / gamma().ln()).ceil() as i32;
        let i = i.clamp(LOW_INDEX, HIGH_INDEX);
        self.counts[(i - LOW_INDEX) as usize] += 1;
    }

    fn value_at_rank(&self, rank: u64) -> f64 {
        if rank <= self.zero {
            return 0.0;
        }
        let mut seen = self.zero;
        let g = gamma();
        for (j, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let i = j as i32 + LOW_INDEX;
                return 2.0 * g.powi(i) / (g + 1.0);
            }
        }
        2.0 * g.powi(HIGH_INDEX) / (g + 1.0)
    }
}

impl Quantiles {
    pub fn add(&mut self, v: f64) {
        match &mut self.sketch {
            Some(s) => s.add(v),
            None => {
                self.exact.push(v);
                self.sorted = false;
                if self.exact.len() > EXACT_MAX {
                    let mut s = Sketch::new();
                    for &x in &self.exact {
                        s.add(x);
                    }
                    self.exact = Vec::new();
                    self.sketch = Some(s);
                }
            }
        }
    }

    pub fn len(&self) -> u64 {
        match &self.sketch {
            Some(s) => s.n,
            None => self.exact.len() as u64,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True while every value is kept (percentiles are exact).
    pub fn is_exact(&self) -> bool {
        self.sketch.is_none()
    }

    pub fn merge(&mut self, other: &Quantiles) {
        match &other.sketch {
            None => {
                for &v in &other.exact {
                    self.add(v);
                }
            }
            Some(o) => {
                if self.sketch.is_none() {
                    let mut s = Sketch::new();
                    for &x in &self.exact {
                        s.add(x);
                    }
                    self.exact = Vec::new();
                    self.sketch = Some(s);
                }
                let s = self.sketch.as_mut().expect("sketch just made");
                s.zero += o.zero;
                s.n += o.n;
                for (a, b) in s.counts.iter_mut().zip(&o.counts) {
                    *a += b;
                }
            }
        }
    }

    /// The `p`-th percentile (0 ≤ p ≤ 100), interpolated between the
    /// closest ranks (see the module docs), or `None` if empty. Not clamped:
    /// callers clamp to the exact min/max.
    pub fn percentile(&mut self, p: f64) -> Option<f64> {
        let n = self.len();
        if n == 0 {
            return None;
        }
        let h = (n - 1) as f64 * (p / 100.0).clamp(0.0, 1.0);
        let lo = (h.floor() as u64).min(n - 1);
        let hi = (h.ceil() as u64).min(n - 1);
        let frac = h - lo as f64;
        // Ranks are 0-based here.
        let (a, b) = match &self.sketch {
            Some(s) => (s.value_at_rank(lo + 1), s.value_at_rank(hi + 1)),
            None => {
                if !self.sorted {
                    self.exact.sort_by(f64::total_cmp);
                    self.sorted = true;
                }
                (self.exact[lo as usize], self.exact[hi as usize])
            }
        };
        Some(if hi == lo { a } else { a + frac * (b - a) })
    }
}

/// Everything kept about one key (or one whole log).
#[derive(Clone, Debug, Default)]
pub struct KeyStats {
    pub count: u64,
    pub fails: u64,
    /// Values with a duration.
    pub timed: u64,
    mean: f64,
    m2: f64,
    pub min: f64,
    pub max: f64,
    pub q: Quantiles,
    pub total_ms: f64,
}

impl KeyStats {
    pub fn add(&mut self, duration_ms: Option<f64>, failed: bool) {
        self.count += 1;
        if failed {
            self.fails += 1;
        }
        if let Some(d) = duration_ms {
            self.add_duration(d);
        }
    }

    fn add_duration(&mut self, d: f64) {
        self.timed += 1;
        if self.timed == 1 {
            self.min = d;
            self.max = d;
        } else {
            self.min = self.min.min(d);
            self.max = self.max.max(d);
        }
        let delta = d - self.mean;
        self.mean += delta / self.timed as f64;
        self.m2 += delta * (d - self.mean);
        self.total_ms += d;
        self.q.add(d);
    }

    /// Combine (Chan et al.'s parallel variance).
    pub fn merge(&mut self, o: &KeyStats) {
        if o.timed > 0 {
            if self.timed == 0 {
                self.min = o.min;
                self.max = o.max;
                self.mean = o.mean;
                self.m2 = o.m2;
            } else {
                self.min = self.min.min(o.min);
                self.max = self.max.max(o.max);
                let n = (self.timed + o.timed) as f64;
                let delta = o.mean - self.mean;
                self.m2 += o.m2 + delta * delta * self.timed as f64 * o.timed as f64 / n;
                self.mean += delta * o.timed as f64 / n;
            }
            self.timed += o.timed;
            self.total_ms += o.total_ms;
            self.q.merge(&o.q);
        }
        self.count += o.count;
        self.fails += o.fails;
    }

    pub fn mean(&self) -> Option<f64> {
        (self.timed > 0).then_some(self.mean)
    }

    /// Population standard deviation of the durations.
    pub fn stddev(&self) -> Option<f64> {
        (self.timed > 0).then(|| (self.m2 / self.timed as f64).max(0.0).sqrt())
    }

    /// Interpolated percentile, clamped to the exact min and max.
    pub fn percentile(&mut self, p: f64) -> Option<f64> {
        let (min, max) = (self.min, self.max);
        self.q.percentile(p).map(|v| v.clamp(min, max))
    }

    pub fn fail_pct(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            100.0 * self.fails as f64 / self.count as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// numpy's default percentile, written out on its own.
    fn interpolated(v: &mut [f64], p: f64) -> f64 {
        v.sort_by(f64::total_cmp);
        let h = (v.len() - 1) as f64 * p / 100.0;
        let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
        v[lo] + (h - lo as f64) * (v[hi] - v[lo])
    }

    #[test]
    fn exact_then_bounded() {
        let mut r = crate::corpus::Rng::new(7);
        for n in [1usize, 5, 100, EXACT_MAX, EXACT_MAX + 1, 20_000] {
            let mut vals: Vec<f64> = (0..n)
                .map(|_| (r.below(1_000_000) as f64) / 100.0 * (1 + r.below(50)) as f64)
                .collect();
            let mut s = KeyStats::default();
            for &v in &vals {
                s.add(Some(v), false);
            }
            for p in [0.0, 50.0, 95.0, 99.0, 100.0] {
                let want = interpolated(&mut vals, p);
                let got = s.percentile(p).unwrap();
                if n <= EXACT_MAX {
                    assert!(
                        (got - want).abs() <= 1e-9 * want,
                        "n={n} p={p} {got} {want}"
                    );
                } else {
                    assert!(
                        (got - want).abs() <= ALPHA * want + 1e-9,
                        "n={n} p={p} got {got} want {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn merge_equals_sequential() {
        let mut a = KeyStats::default();
        let mut b = KeyStats::default();
        let mut all = KeyStats::default();
        for i in 0..3000 {
            let v = (i * 37 % 1000) as f64 + 0.5;
            all.add(Some(v), i % 7 == 0);
            if i % 2 == 0 {
                a.add(Some(v), i % 7 == 0)
            } else {
                b.add(Some(v), i % 7 == 0)
            }
        }
        a.merge(&b);
        assert_eq!(a.count, all.count);
        assert_eq!(a.fails, all.fails);
        assert!((a.stddev().unwrap() - all.stddev().unwrap()).abs() < 1e-6);
        assert_eq!(a.percentile(95.0), all.percentile(95.0));
    }
}
