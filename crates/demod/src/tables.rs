//! The per-rate tables: what each sample of a preamble and of each bit should hold, for
//! every fractional phase of the frame's start against the sample grid.
//!
//! A Mode S reply is a sequence of half-microsecond chips (ICAO Annex 10 Vol IV, 3.1.2.1):
//! the preamble's pulses in chips 0, 2, 7 and 9 of 16, then per bit a pulse in the first
//! chip for 1 and in the second for 0. A sample integrates the envelope over its interval,
//! so its expected magnitude is the amplitude times the part of its interval covered by
//! "on" chips. Everything here follows from that overlap, for any rate from 2 to 4 MS/s.

/// Fixed-point scale of the overlap weights.
pub(crate) const ONE: i32 = 64;
/// Most samples a bit touches (2.4 samples at 2.4 MS/s touch 4; 4 MS/s touch 5).
pub(crate) const MAX_BIT_TAPS: usize = 6;
/// Most samples a preamble spans (16 chips at 4 MS/s plus a partial sample), rounded up
/// to whole 8-lane vectors.
pub(crate) const MAX_PRE_TAPS: usize = 40;
/// Bits in a long frame.
pub(crate) const LONG_BITS: usize = 112;

/// How a bit is sliced at one phase.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BitTaps {
    /// First sample, from the candidate's integer start.
    pub(crate) first: u16,
    /// Weights (×ONE): overlap with the first chip minus overlap with the second.
    pub(crate) w: [i32; MAX_BIT_TAPS],
    /// What the previous bit's second chip adds to the statistic, per unit of amplitude
    /// (×ONE), when that bit was 0 (its second chip on).
    pub(crate) prev_zero: i32,
    /// Half of what the next bit's first chip adds when that bit is 1 (its value is not known
    /// yet, so half of it is the unbiased correction).
    pub(crate) next_half: i32,
    /// The samples this bit owns for sequence estimation: those that start within it (bit 0
    /// also the one that straddles its start).
    pub(crate) own_first: u16,
    /// How many of `own` are used.
    pub(crate) own_len: u8,
    /// Per owned sample, its overlap (×ONE) with this bit's first chip, its second chip and
    /// the next bit's first chip.
    pub(crate) own: [[i32; 3]; MAX_OWN],
}

/// Most samples a bit owns (starts within it): 2.4 at 2.4 MS/s, 4 at 4 MS/s, plus one.
pub(crate) const MAX_OWN: usize = 6;

/// One phase: the preamble template and the bits.
#[derive(Debug, Clone)]
pub(crate) struct Phase {
    /// Start of the frame from the candidate's integer sample, in samples (0 ≤ φ < 1).
    pub(crate) offset: f64,
    /// Expected "on" fraction of each preamble sample (×ONE).
    pub(crate) on: [i32; MAX_PRE_TAPS],
    /// Zero-mean correlation template of the preamble (×ONE), zero past `pre_len`: 16-bit,
    /// so the 8-phase search is a few multiply-adds of 16-bit lanes.
    pub(crate) corr: [i16; MAX_PRE_TAPS],
    /// Sum of `on` squared (×ONE²), for the least-squares amplitude.
    pub(crate) on_energy: i64,
    /// Samples of the preamble that no pulse touches.
    pub(crate) quiet: [u8; MAX_PRE_TAPS],
    /// How many of `quiet` are used.
    pub(crate) quiet_len: usize,
    /// For each preamble pulse, the sample it covers most.
    pub(crate) peaks: [u8; 4],
    /// The bits.
    pub(crate) bits: [BitTaps; LONG_BITS],
}

/// The tables of one rate.
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    /// Samples per chip (rate / 2 MHz).
    pub(crate) per_chip: f64,
    /// The phases, evenly spaced over one sample.
    pub(crate) phases: Vec<Phase>,
    /// Preamble samples examined.
    pub(crate) pre_len: usize,
    /// The screen's "on" samples (offsets from the candidate).
    pub(crate) screen_on: [usize; 4],
    /// The screen's "quiet" samples.
    pub(crate) screen_off: [usize; 4],
    /// Samples a whole long frame may reach past its candidate start.
    pub(crate) span: usize,
}

/// Overlap of sample `k` ([k, k+1)) with the chip interval [a, b).
fn overlap(k: usize, a: f64, b: f64) -> f64 {
    let (s, e) = (k as f64, k as f64 + 1.0);
    (e.min(b) - s.max(a)).max(0.0)
}

const PREAMBLE_PULSES: [usize; 4] = [0, 2, 7, 9];

/// Fraction of sample `k` that the preamble's pulses cover, for a start at `phi`.
fn preamble_on(k: usize, phi: f64, per_chip: f64) -> f64 {
    PREAMBLE_PULSES
        .iter()
        .map(|&c| overlap(k, phi + c as f64 * per_chip, phi + (c + 1) as f64 * per_chip))
        .sum()
}

fn fixed(x: f64) -> i32 {
    (x * f64::from(ONE)).round() as i32
}

impl Tables {
    /// Tables for `rate_hz` with `phases` phases per sample.
    pub(crate) fn new(rate_hz: u32, phases: usize) -> Tables {
        let per_chip = f64::from(rate_hz) / 2e6;
        let pre_len = ((16.0 * per_chip).ceil() as usize + 1).min(MAX_PRE_TAPS);
        let chip = |phi: f64, c: usize| (phi + c as f64 * per_chip, phi + (c + 1) as f64 * per_chip);
        let mut out = Vec::with_capacity(phases);
        for p in 0..phases {
            let phi = p as f64 / phases as f64;
            let mut on = [0i32; MAX_PRE_TAPS];
            let mut corr = [0i16; MAX_PRE_TAPS];
            let mut quiet = [0u8; MAX_PRE_TAPS];
            let mut quiet_len = 0;
            let raw: Vec<f64> = (0..pre_len).map(|k| preamble_on(k, phi, per_chip)).collect();
            let mean = raw.iter().sum::<f64>() / pre_len as f64;
            let mut on_energy = 0i64;
            for k in 0..pre_len {
                on[k] = fixed(raw[k]);
                corr[k] = fixed(raw[k] - mean) as i16;
                on_energy += i64::from(on[k]) * i64::from(on[k]);
                // Quiet: untouched by any pulse, and inside the preamble's 16 chips.
                if raw[k] == 0.0 && (k as f64 + 1.0) <= phi + 16.0 * per_chip {
                    quiet[quiet_len] = k as u8;
                    quiet_len += 1;
                }
            }
            let mut peaks = [0u8; 4];
            for (slot, &c) in peaks.iter_mut().zip(PREAMBLE_PULSES.iter()) {
                let (a, b) = chip(phi, c);
                let best = (0..pre_len)
                    .max_by(|&x, &y| overlap(x, a, b).total_cmp(&overlap(y, a, b)).then(y.cmp(&x)))
                    .unwrap_or(0);
                *slot = best as u8;
            }
            let mut bits = [BitTaps::default(); LONG_BITS];
            for (b, taps) in bits.iter_mut().enumerate() {
                let (a1, b1) = chip(phi, 16 + 2 * b);
                let (a2, b2) = chip(phi, 17 + 2 * b);
                let first = a1.floor() as usize;
                let last = (b2.ceil() as usize).max(first + 1);
                let mut w = [0i32; MAX_BIT_TAPS];
                let (mut prev_zero, mut next_one) = (0.0, 0.0);
                for (t, k) in (first..last).enumerate().take(MAX_BIT_TAPS) {
                    let wk = overlap(k, a1, b1) - overlap(k, a2, b2);
                    w[t] = fixed(wk);
                    // The previous bit's second chip (or the preamble's last, always off).
                    if b > 0 {
                        let (pa, pb) = chip(phi, 15 + 2 * b);
                        prev_zero += wk * overlap(k, pa, pb);
                    }
                    if b + 1 < LONG_BITS {
                        let (na, nb) = chip(phi, 18 + 2 * b);
                        next_one += wk * overlap(k, na, nb);
                    }
                }
                let own_first = if b == 0 {
                    a1.floor() as usize
                } else {
                    a1.ceil() as usize
                };
                let own_end = (b2.ceil() as usize).min(own_first + MAX_OWN);
                let (na, nb) = chip(phi, 18 + 2 * b);
                let mut own = [[0i32; 3]; MAX_OWN];
                for (t, k) in (own_first..own_end).enumerate() {
                    own[t] = [
                        fixed(overlap(k, a1, b1)),
                        fixed(overlap(k, a2, b2)),
                        fixed(overlap(k, na, nb)),
                    ];
                }
                *taps = BitTaps {
                    first: first as u16,
                    w,
                    prev_zero: fixed(prev_zero),
                    next_half: fixed(next_one / 2.0),
                    own_first: own_first as u16,
                    own_len: (own_end - own_first) as u8,
                    own,
                };
            }
            out.push(Phase {
                offset: phi,
                on,
                corr,
                on_energy,
                quiet,
                quiet_len,
                peaks,
                bits,
            });
        }
        // The screen: for each pulse the sample it covers most, and four samples that no
        // pulse touches, averaged over the phases a candidate stands for.
        let mut screen_on = [0usize; 4];
        for (slot, &c) in screen_on.iter_mut().zip(PREAMBLE_PULSES.iter()) {
            let cover = |k: usize| {
                (0..8)
                    .map(|q| {
                        let (a, b) = chip(q as f64 / 8.0 + 1.0 / 16.0, c);
                        overlap(k, a, b)
                    })
                    .sum::<f64>()
            };
            let mut best = 0;
            for k in 0..pre_len {
                if cover(k) > cover(best) + 1e-9 {
                    best = k;
                }
            }
            *slot = best;
        }
        let off: Vec<usize> = (0..pre_len)
            .filter(|&k| {
                (0..8).all(|q| preamble_on(k, q as f64 / 8.0, per_chip) == 0.0)
                    && preamble_on(k, 0.999, per_chip) == 0.0
            })
            .collect();
        // Two from the gap between the pulse pairs, two from after them.
        let mut screen_off = [0usize; 4];
        let gap: Vec<usize> = off
            .iter()
            .copied()
            .filter(|&k| (k as f64) < 7.0 * per_chip)
            .collect();
        let tail: Vec<usize> = off
            .iter()
            .copied()
            .filter(|&k| (k as f64) >= 10.0 * per_chip)
            .collect();
        screen_off[0] = gap[0];
        screen_off[1] = *gap.get(1).unwrap_or(&gap[0]);
        screen_off[2] = tail[0];
        screen_off[3] = *tail.get(1).unwrap_or(&tail[0]);
        let span = ((16.0 + 2.0 * LONG_BITS as f64) * per_chip).ceil() as usize + MAX_BIT_TAPS + 2;
        Tables {
            per_chip,
            phases: out,
            pre_len,
            screen_on,
            screen_off,
            span,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_follow_the_overlap_at_both_rates() {
        let t = Tables::new(2_000_000, 4);
        // 2.0 MS/s, phase 0: each chip is one sample; bit b's chips are samples 16+2b, 17+2b.
        let b0 = &t.phases[0].bits[0];
        assert_eq!(b0.first, 16);
        assert_eq!(&b0.w[..2], &[ONE, -ONE]);
        assert_eq!((b0.prev_zero, b0.next_half), (0, 0));
        assert_eq!(t.screen_on, [0, 2, 7, 9]);
        // 2.4 MS/s: bits are 2.4 samples, so bit 5 starts at 1.2 * 26 = 31.2 samples.
        let t = Tables::new(2_400_000, 5);
        let b5 = &t.phases[0].bits[5];
        assert_eq!(b5.first, 31);
        assert_eq!(b5.w[0], fixed(0.8));
        assert!(t.phases.iter().all(|p| p.quiet_len >= 6));
        assert!(t.span >= 288);
    }
}
