//! Partial derivatives of the elementary `Float` methods, called by generated adjoints.
//!
//! Each function returns the partial derivatives of one method at a point; a generated
//! adjoint multiplies them by the adjoint of the method's result. Functions whose name ends
//! in `_at_result` take the method's own result, so the backward sweep reuses a value the
//! forward sweep already computed (`exp`, `sqrt`, `tanh` and friends) instead of evaluating
//! the function a second time.
//!
//! Non-smooth points follow one convention, documented on each function: the derivative is
//! the one-sided value that keeps the adjoint finite and deterministic, `abs` has derivative
//! 0 at 0, ties of `max`/`min` send everything to the receiver, and step functions
//! (`signum`, `floor`, `ceil`, `round`, `trunc`) have derivative 0 everywhere.

use num_traits::Float;

fn two<F: Float>() -> F {
    F::one() + F::one()
}

fn ln2<F: Float>() -> F {
    two::<F>().ln()
}

/// d sin(x) / dx = cos(x).
///
/// ```
/// assert_eq!(grad_runtime::rules::d_sin(0.0_f64), 1.0);
/// ```
pub fn d_sin<F: Float>(x: F) -> F {
    x.cos()
}

/// d cos(x) / dx = -sin(x).
///
/// ```
/// assert_eq!(grad_runtime::rules::d_cos(0.0_f64), 0.0);
/// ```
pub fn d_cos<F: Float>(x: F) -> F {
    -x.sin()
}

/// d tan(x) / dx = 1 + tan(x)^2, from the result `r = tan(x)`.
///
/// ```
/// assert_eq!(grad_runtime::rules::d_tan_at_result(0.0_f64), 1.0);
/// ```
pub fn d_tan_at_result<F: Float>(r: F) -> F {
    F::one() + r * r
}

/// d asin(x) / dx = 1 / sqrt(1 - x^2); infinite at |x| = 1 by IEEE rules.
///
/// ```
/// assert_eq!(grad_runtime::rules::d_asin(0.0_f64), 1.0);
/// ```
pub fn d_asin<F: Float>(x: F) -> F {
    (F::one() - x * x).sqrt().recip()
}

/// d acos(x) / dx = -1 / sqrt(1 - x^2); infinite at |x| = 1 by IEEE rules.
///
/// ```
/// assert_eq!(grad_runtime::rules::d_acos(0.0_f64), -1.0);
/// ```
pub fn d_acos<F: Float>(x: F) -> F {
    -d_asin(x)
}

/// d atan(x) / dx = 1 / (1 + x^2).
///
/// ```
/// assert_eq!(grad_runtime::rules::d_atan(1.0_f64), 0.5);
/// ```
pub fn d_atan<F: Float>(x: F) -> F {
    (F::one() + x * x).recip()
}

/// Partials of `y.atan2(x)`: (x / (x^2 + y^2), -y / (x^2 + y^2)); 0/0 at the origin gives NaN.
///
/// ```
/// assert_eq!(grad_runtime::rules::d_atan2(1.0_f64, 1.0), (0.5, -0.5));
/// ```
pub fn d_atan2<F: Float>(y: F, x: F) -> (F, F) {
    let norm2 = x * x + y * y;
    (x / norm2, -y / norm2)
}

/// d sinh(x) / dx = cosh(x).
///
/// ```
/// assert_eq!(grad_runtime::rules::d_sinh(0.0_f64), 1.0);
/// ```
pub fn d_sinh<F: Float>(x: F) -> F {
    x.cosh()
}

/// d cosh(x) / dx = sinh(x).
///
/// ```
/// assert_eq!(grad_runtime::rules::d_cosh(0.0_f64), 0.0);
/// ```
pub fn d_cosh<F: Float>(x: F) -> F {
    x.sinh()
}

/// d tanh(x) / dx = 1 - tanh(x)^2, from the result `r = tanh(x)`.
///
/// ```
/// assert_eq!(grad_runtime::rules::d_tanh_at_result(0.0_f64), 1.0);
/// ```
pub fn d_tanh_at_result<F: Float>(r: F) -> F {
    F::one() - r * r
}

/// d asinh(x) / dx = 1 / sqrt(x^2 + 1).
///
/// ```
/// assert_eq!(grad_runtime::rules::d_asinh(0.0_f64), 1.0);
/// ```
pub fn d_asinh<F: Float>(x: F) -> F {
    (x * x + F::one()).sqrt().recip()
}

/// d acosh(x) / dx = 1 / sqrt(x^2 - 1); infinite at x = 1 by IEEE rules.
///
/// ```
/// assert_eq!(grad_runtime::rules::d_acosh(2.0_f64), 1.0 / 3.0_f64.sqrt());
/// ```
pub fn d_acosh<F: Float>(x: F) -> F {
    (x * x - F::one()).sqrt().recip()
}

/// d atanh(x) / dx = 1 / (1 - x^2).
///
/// ```
/// assert_eq!(grad_runtime::rules::d_atanh(0.0_f64), 1.0);
/// ```
pub fn d_atanh<F: Float>(x: F) -> F {
    (F::one() - x * x).recip()
}

/// d exp(x) / dx = exp(x), which is the result `r` itself.
///
/// ```
/// assert_eq!(grad_runtime::rules::d_exp_at_result(3.0_f64), 3.0);
/// ```
pub fn d_exp_at_result<F: Float>(r: F) -> F {
    r
}

/// d 2^x / dx = 2^x ln 2, from the result `r = 2^x`.
///
/// ```
/// assert_eq!(grad_runtime::rules::d_exp2_at_result(1.0_f64), 2.0_f64.ln());
/// ```
pub fn d_exp2_at_result<F: Float>(r: F) -> F {
    r * ln2()
}

/// d (exp(x) - 1) / dx = exp(x), from the result `r = exp(x) - 1`.
///
/// ```
/// assert_eq!(grad_runtime::rules::d_exp_m1_at_result(0.0_f64), 1.0);
/// ```
pub fn d_exp_m1_at_result<F: Float>(r: F) -> F {
    r + F::one()
}

/// d ln(x) / dx = 1 / x; infinite at 0 by IEEE rules.
///
/// ```
/// assert_eq!(grad_runtime::rules::d_ln(4.0_f64), 0.25);
/// ```
pub fn d_ln<F: Float>(x: F) -> F {
    x.recip()
}

/// Partials of `x.log(base)` = ln x / ln base: (1 / (x ln base), -r / (base ln base)).
///
/// ```
/// let (dx, _) = grad_runtime::rules::d_log(8.0_f64, 2.0, 3.0);
/// assert!((dx - 1.0 / (8.0 * 2.0_f64.ln())).abs() < 1e-15);
/// ```
pub fn d_log<F: Float>(x: F, base: F, r: F) -> (F, F) {
    let ln_base = base.ln();
    ((x * ln_base).recip(), -r / (base * ln_base))
}

/// d log2(x) / dx = 1 / (x ln 2).
///
/// ```
/// assert_eq!(grad_runtime::rules::d_log2(1.0_f64), 1.0 / 2.0_f64.ln());
/// ```
pub fn d_log2<F: Float>(x: F) -> F {
    (x * ln2()).recip()
}

/// d log10(x) / dx = 1 / (x ln 10).
///
/// ```
/// assert_eq!(grad_runtime::rules::d_log10(1.0_f64), 1.0 / 10.0_f64.ln());
/// ```
pub fn d_log10<F: Float>(x: F) -> F {
    let ten = F::from(10).unwrap_or_else(F::nan);
    (x * ten.ln()).recip()
}

/// d ln(1 + x) / dx = 1 / (1 + x).
///
/// ```
/// assert_eq!(grad_runtime::rules::d_ln_1p(1.0_f64), 0.5);
/// ```
pub fn d_ln_1p<F: Float>(x: F) -> F {
    (F::one() + x).recip()
}

/// d sqrt(x) / dx = 1 / (2 sqrt(x)), from the result; infinite at 0 by IEEE rules.
///
/// ```
/// assert_eq!(grad_runtime::rules::d_sqrt_at_result(2.0_f64), 0.25);
/// ```
pub fn d_sqrt_at_result<F: Float>(r: F) -> F {
    (two::<F>() * r).recip()
}

/// d cbrt(x) / dx = 1 / (3 cbrt(x)^2), from the result; infinite at 0 by IEEE rules.
///
/// ```
/// assert_eq!(grad_runtime::rules::d_cbrt_at_result(1.0_f64), 1.0 / 3.0);
/// ```
pub fn d_cbrt_at_result<F: Float>(r: F) -> F {
    let three = two::<F>() + F::one();
    (three * r * r).recip()
}

/// d x^n / dx = n x^(n-1) for an integer power; 0 for n = 0, even at x = 0.
///
/// ```
/// assert_eq!(grad_runtime::rules::d_powi(2.0_f64, 3), 12.0);
/// ```
pub fn d_powi<F: Float>(x: F, n: i32) -> F {
    if n == 0 {
        return F::zero();
    }
    let n_float = F::from(n).unwrap_or_else(F::nan);
    n_float * x.powi(n - 1)
}

/// Partials of `x.powf(y)` with result `r`: (y x^(y-1), r ln x).
///
/// The exponent's partial is taken as 0 where `r` is 0 (at x = 0 the limit of `r ln x` is 0),
/// so a zero base never turns a gradient into NaN; y = 0 gives a base partial of 0.
///
/// ```
/// assert_eq!(grad_runtime::rules::d_powf(2.0_f64, 3.0, 8.0).0, 12.0);
/// ```
pub fn d_powf<F: Float>(x: F, y: F, r: F) -> (F, F) {
    let dx = if y == F::zero() {
        F::zero()
    } else {
        y * x.powf(y - F::one())
    };
    let dy = if r == F::zero() {
        F::zero()
    } else {
        r * x.ln()
    };
    (dx, dy)
}

/// d |x| / dx = signum(x), and 0 at x = 0 (the convention of this crate).
///
/// ```
/// assert_eq!(grad_runtime::rules::d_abs(0.0_f64), 0.0);
/// assert_eq!(grad_runtime::rules::d_abs(-2.0_f64), -1.0);
/// ```
pub fn d_abs<F: Float>(x: F) -> F {
    if x > F::zero() {
        F::one()
    } else if x < F::zero() {
        -F::one()
    } else {
        x * F::zero()
    }
}

/// Partials of `a.max(b)`: the whole adjoint goes to `a` when `a >= b` (ties included).
///
/// A NaN operand is ignored by `max`, so the other one receives the adjoint.
///
/// ```
/// assert_eq!(grad_runtime::rules::d_max(1.0_f64, 1.0), (1.0, 0.0));
/// ```
pub fn d_max<F: Float>(a: F, b: F) -> (F, F) {
    if a >= b || b.is_nan() {
        (F::one(), F::zero())
    } else {
        (F::zero(), F::one())
    }
}

/// Partials of `a.min(b)`: the whole adjoint goes to `a` when `a <= b` (ties included).
///
/// ```
/// assert_eq!(grad_runtime::rules::d_min(1.0_f64, 1.0), (1.0, 0.0));
/// ```
pub fn d_min<F: Float>(a: F, b: F) -> (F, F) {
    if a <= b || b.is_nan() {
        (F::one(), F::zero())
    } else {
        (F::zero(), F::one())
    }
}

/// Partials of `a.hypot(b)` with result `r`: (a / r, b / r), and (0, 0) at the origin.
///
/// ```
/// assert_eq!(grad_runtime::rules::d_hypot(3.0_f64, 4.0, 5.0), (0.6, 0.8));
/// ```
pub fn d_hypot<F: Float>(a: F, b: F, r: F) -> (F, F) {
    if r == F::zero() {
        return (F::zero(), F::zero());
    }
    (a / r, b / r)
}

/// d (1 / x) / dx = -1 / x^2, from the result `r = 1 / x`.
///
/// ```
/// assert_eq!(grad_runtime::rules::d_recip_at_result(0.5_f64), -0.25);
/// ```
pub fn d_recip_at_result<F: Float>(r: F) -> F {
    -(r * r)
}

/// Partials of `x.clamp(lo, hi)`: the adjoint goes to `lo` below the interval, to `hi`
/// above it, and to `x` inside it, boundaries included.
///
/// ```
/// assert_eq!(grad_runtime::rules::d_clamp(5.0_f64, 0.0, 1.0), (0.0, 0.0, 1.0));
/// ```
pub fn d_clamp<F: Float>(x: F, lo: F, hi: F) -> (F, F, F) {
    if x < lo {
        (F::zero(), F::one(), F::zero())
    } else if x > hi {
        (F::zero(), F::zero(), F::one())
    } else {
        (F::one(), F::zero(), F::zero())
    }
}

/// d to_degrees(x) / dx = 180 / pi, the same at every `x`.
///
/// ```
/// assert_eq!(grad_runtime::rules::d_to_degrees(3.0_f64), 1.0_f64.to_degrees());
/// ```
pub fn d_to_degrees<F: Float>(_x: F) -> F {
    F::one().to_degrees()
}

/// d to_radians(x) / dx = pi / 180, the same at every `x`.
///
/// ```
/// assert_eq!(grad_runtime::rules::d_to_radians(3.0_f64), 1.0_f64.to_radians());
/// ```
pub fn d_to_radians<F: Float>(_x: F) -> F {
    F::one().to_radians()
}

/// Partials of `a.mul_add(b, c)` = a b + c: (b, a, 1).
///
/// ```
/// assert_eq!(grad_runtime::rules::d_mul_add(2.0_f64, 3.0, 4.0), (3.0, 2.0, 1.0));
/// ```
pub fn d_mul_add<F: Float>(a: F, b: F, _c: F) -> (F, F, F) {
    (b, a, F::one())
}

/// The derivative of the step functions `signum`, `floor`, `ceil`, `round`, `trunc`: 0
/// everywhere, the jumps included (never 1, never a Dirac spike).
///
/// ```
/// assert_eq!(grad_runtime::rules::d_step(0.5_f64), 0.0);
/// ```
pub fn d_step<F: Float>(_x: F) -> F {
    F::zero()
}

/// Adds `contribution` into `slot`; the one way generated code accumulates into `&mut F`.
///
/// ```
/// let mut slot = 1.0_f64;
/// grad_runtime::rules::accumulate(&mut slot, 2.0);
/// assert_eq!(slot, 3.0);
/// ```
pub fn accumulate<F: Float>(slot: &mut F, contribution: F) {
    *slot = *slot + contribution;
}

/// Adds `source` element-wise into `target`: the adjoint of copying an array.
///
/// # Panics
///
/// Panics if the lengths differ, which generated code never lets happen.
///
/// ```
/// let mut target = [1.0_f64, 2.0];
/// grad_runtime::rules::accumulate_slice(&mut target, &[0.5, 0.5]);
/// assert_eq!(target, [1.5, 2.5]);
/// ```
pub fn accumulate_slice<F: Float>(target: &mut [F], source: &[F]) {
    assert_eq!(
        target.len(),
        source.len(),
        "adjoint buffers of different lengths"
    );
    for (t, s) in target.iter_mut().zip(source) {
        *t = *t + *s;
    }
}

/// Sets every element of an adjoint buffer to zero and returns their former sum: the
/// adjoint of `[x; n]` with respect to `x`, and the reset of the buffer in one pass.
///
/// ```
/// let mut buffer = [1.0_f64, 2.0];
/// assert_eq!(grad_runtime::rules::take_sum(&mut buffer), 3.0);
/// assert_eq!(buffer, [0.0, 0.0]);
/// ```
pub fn take_sum<F: Float>(buffer: &mut [F]) -> F {
    let mut total = F::zero();
    for slot in buffer.iter_mut() {
        total = total + *slot;
        *slot = F::zero();
    }
    total
}

/// Sets every element of an adjoint buffer to zero.
///
/// ```
/// let mut buffer = vec![1.0_f64, 2.0];
/// grad_runtime::rules::zero(&mut buffer);
/// assert_eq!(buffer, [0.0, 0.0]);
/// ```
pub fn zero<F: Float>(buffer: &mut [F]) {
    buffer.fill(F::zero());
}
