//! A small seeded random generator (xorshift64*) for the examples' synthetic data and weights.
#![allow(dead_code)] // Each example draws only the distributions it needs.

/// Deterministic for a given seed on every platform, which keeps the examples' tables and the
/// tests that check them reproducible.
pub struct Rng {
    state: u64,
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        // The state must never be zero; mixing the seed with an odd constant ensures that.
        Rng {
            state: (seed ^ 0x2545_f491_4f6c_dd1d) | 1,
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `[0, 1)`.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `[low, high)`.
    pub fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.uniform()
    }

    /// Standard normal, by the polar Box–Muller method.
    pub fn normal(&mut self) -> f64 {
        loop {
            let u = self.between(-1.0, 1.0);
            let v = self.between(-1.0, 1.0);
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                return u * (-2.0 * s.ln() / s).sqrt();
            }
        }
    }
}
