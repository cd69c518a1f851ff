//! Scalar `#[differentiate]`: elementary functions, language constructs and the adjoint contract.
//!
//! Every gradient is compared twice: against central differences of the primal function and
//! against a closed form derived by hand (the maths sits in a comment beside it). Each case runs
//! at `f32`, at `f64` and through a generic `F: Float` function instantiated at both.

mod common;

use std::fmt::Debug;

use grad_runtime::differentiate;
use num_traits::Float;

/// Relative and absolute tolerance of one kind of comparison at the float type under test.
fn tolerance<F: Float>(single: f64, double: f64) -> F {
    let is_single = F::epsilon() > F::from(1e-10).unwrap();
    F::from(if is_single { single } else { double }).unwrap()
}

fn to_f64<F: Float>(value: F) -> f64 {
    value.to_f64().unwrap()
}

fn from_f64<F: Float>(value: f64) -> F {
    F::from(value).unwrap()
}

/// Checks `adjoint` at every point: the returned value against `primal`, the gradient against
/// `closed_form` (evaluated in `f64` at the rounded point) and against central differences, and
/// finally that a second call with seed `-0.5` adds `-0.5` times the gradient on top.
fn check_points<F: Float + Debug, const N: usize>(
    adjoint: impl Fn([F; N], &mut [F; N], F) -> F,
    primal: impl Fn([F; N]) -> F,
    closed_form: impl Fn([f64; N]) -> [f64; N],
    points: &[[f64; N]],
) {
    let value_tol = F::epsilon() * from_f64(8.0);
    let closed_tol = tolerance::<F>(2e-5, 1e-12);
    let fd_tol = tolerance::<F>(1e-2, 1e-6);

    for point in points {
        let x = point.map(from_f64::<F>);
        let mut grad = [F::zero(); N];
        let value = adjoint(x, &mut grad, F::one());
        assert_close_at(point, "value", &[value], &[primal(x)], value_tol);

        let exact = closed_form(x.map(to_f64)).map(from_f64::<F>);
        assert_close_at(point, "closed form", &grad, &exact, closed_tol);

        let numeric = common::numeric_gradient(|v: &[F]| primal(v.try_into().unwrap()), &x);
        assert_close_at(point, "central differences", &grad, &numeric, fd_tol);

        let half: F = from_f64(0.5);
        let before = grad;
        adjoint(x, &mut grad, -half);
        let expected: Vec<F> = before.iter().map(|&g| g * half).collect();
        assert_close_at(point, "accumulation", &grad, &expected, closed_tol);
    }
}

/// Asserts `|a - e| <= tol * (1 + max(|a|, |e|))` componentwise, naming the point and the kind of
/// comparison when it fails.
fn assert_close_at<F: Float + Debug>(
    point: &[f64],
    what: &str,
    actual: &[F],
    expected: &[F],
    tol: F,
) {
    assert_eq!(
        actual.len(),
        expected.len(),
        "{what} at {point:?}: lengths differ"
    );
    for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
        let allowed = tol * (F::one() + a.abs().max(e.abs()));
        assert!(
            (a - e).abs() <= allowed,
            "{what} at {point:?}, component {i}: got {a:?}, expected {e:?} (allowed {allowed:?})"
        );
    }
}

/// Runs [`check_points`] on one differentiated function whose parameters are all floats.
macro_rules! check_all_float {
    ($float:ty, $primal:expr, $adjoint:expr, |$($x:ident),+| [$($d:expr),+], $points:expr) => {
        check_points::<$float, _>(
            |[$($x),+], grad, seed| {
                let mut slots = grad.iter_mut();
                $adjoint($($x, slots.next().unwrap()),+, seed)
            },
            |[$($x),+]| $primal($($x),+),
            |[$($x),+]| {
                // Closed forms of piecewise-constant functions do not mention their argument.
                let _ = ($($x,)+);
                [$($d),+]
            },
            $points,
        )
    };
}

/// One elementary function written as a method call, differentiated at `f64`, at `f32` and as a
/// generic `F: Float` function instantiated at both; with `generic only`, just the generic one.
/// With `ufcs: name`, the same function is also written as `f64::name(..)`, `f32::name(..)` and
/// `F::name(..)` in a submodule `path_call`.
macro_rules! elementary {
    (
        $name:ident $(($generic_only:ident))?: |$($x:ident),+| { $($body:tt)* },
        d: [$($d:expr),+],
        at: [$($point:expr),+ $(,)?],
        ufcs: $function:ident $(,)?
    ) => {
        mod $name {
            use super::*;

            float_variants! {
                $($generic_only)? |$($x),+|,
                double: { $($body)* },
                single: { $($body)* },
                generic: { $($body)* },
                d: [$($d),+],
                at: [$($point),+],
            }

            mod path_call {
                use super::*;

                float_variants! {
                    $($generic_only)? |$($x),+|,
                    double: { f64::$function($($x),+) },
                    single: { f32::$function($($x),+) },
                    generic: { F::$function($($x),+) },
                    d: [$($d),+],
                    at: [$($point),+],
                }
            }
        }
    };
    (
        $name:ident: |$($x:ident),+| { $($body:tt)* },
        d: [$($d:expr),+],
        at: [$($point:expr),+ $(,)?]
        $(,)?
    ) => {
        mod $name {
            use super::*;

            float_variants! {
                |$($x),+|,
                double: { $($body)* },
                single: { $($body)* },
                generic: { $($body)* },
                d: [$($d),+],
                at: [$($point),+],
            }
        }
    };
}

/// The differentiated functions of one elementary case and their tests: `f64`, `f32` and a
/// generic one at both, or with a leading `generic_only` just the generic one.
macro_rules! float_variants {
    (
        generic_only |$($x:ident),+|,
        double: { $($double:tt)* },
        single: { $($single:tt)* },
        generic: { $($generic:tt)* },
        d: [$($d:expr),+],
        at: [$($point:expr),+],
    ) => {
        #[differentiate]
        fn generic<F: Float>($($x: F),+) -> F { $($generic)* }

        #[test]
        fn generic_at_f64() {
            check_all_float!(f64, generic, generic_adjoint, |$($x),+| [$($d),+], &[$($point),+]);
        }

        #[test]
        fn generic_at_f32() {
            check_all_float!(f32, generic, generic_adjoint, |$($x),+| [$($d),+], &[$($point),+]);
        }
    };
    (
        |$($x:ident),+|,
        double: { $($double:tt)* },
        single: { $($single:tt)* },
        generic: { $($generic:tt)* },
        d: [$($d:expr),+],
        at: [$($point:expr),+],
    ) => {
        #[differentiate]
        fn double($($x: f64),+) -> f64 { $($double)* }

        #[differentiate]
        fn single($($x: f32),+) -> f32 { $($single)* }

        #[test]
        fn at_f64() {
            check_all_float!(f64, double, double_adjoint, |$($x),+| [$($d),+], &[$($point),+]);
        }

        #[test]
        fn at_f32() {
            check_all_float!(f32, single, single_adjoint, |$($x),+| [$($d),+], &[$($point),+]);
        }

        float_variants! {
            generic_only |$($x),+|,
            double: { $($double)* },
            single: { $($single)* },
            generic: { $($generic)* },
            d: [$($d),+],
            at: [$($point),+],
        }
    };
}

/// Instantiates a generic check `fn name<F: Float + Debug>()` as two tests, at `f32` and `f64`.
macro_rules! at_f32_and_f64 {
    ($($check:ident),+ $(,)?) => {
        $(
            mod $check {
                #[test]
                fn at_f32() {
                    super::$check::<f32>();
                }

                #[test]
                fn at_f64() {
                    super::$check::<f64>();
                }
            }
        )+
    };
}

mod elementary {
    //! Every supported float method against its derivative from a table of calculus.
    use super::*;

    use std::f64::consts::{LN_10, LN_2, PI};

    // d/dx sin x = cos x
    elementary!(sin: |x| { x.sin() }, d: [x.cos()], at: [[0.3], [-1.2], [2.5]], ufcs: sin);

    // d/dx cos x = -sin x
    elementary!(cos: |x| { x.cos() }, d: [-x.sin()], at: [[0.3], [-1.2], [2.5]], ufcs: cos);

    // d/dx tan x = 1 / cos² x, kept well inside (-π/2, π/2)
    elementary!(
        tan: |x| { x.tan() },
        d: [1.0 / (x.cos() * x.cos())],
        at: [[0.3], [-1.1], [0.9]],
        ufcs: tan,
    );

    // d/dx asin x = 1 / √(1 - x²) on (-1, 1)
    elementary!(
        asin: |x| { x.asin() },
        d: [1.0 / (1.0 - x * x).sqrt()],
        at: [[0.2], [-0.7], [0.6]],
        ufcs: asin,
    );

    // d/dx acos x = -1 / √(1 - x²) on (-1, 1)
    elementary!(
        acos: |x| { x.acos() },
        d: [-1.0 / (1.0 - x * x).sqrt()],
        at: [[0.2], [-0.7], [0.6]],
        ufcs: acos,
    );

    // d/dx atan x = 1 / (1 + x²)
    elementary!(
        atan: |x| { x.atan() },
        d: [1.0 / (1.0 + x * x)],
        at: [[0.2], [-3.0], [1.5]],
        ufcs: atan,
    );

    // atan2(y, x) is the angle of (x, y): ∂/∂y = x / (x² + y²), ∂/∂x = -y / (x² + y²),
    // in every quadrant away from the origin and the branch cut on the negative x axis.
    elementary!(
        atan2: |y, x| { y.atan2(x) },
        d: [x / (x * x + y * y), -y / (x * x + y * y)],
        at: [[0.5, 1.5], [1.2, -0.4], [-0.8, -2.0], [-1.1, 0.3]],
        ufcs: atan2,
    );

    // d/dx sinh x = cosh x
    elementary!(sinh: |x| { x.sinh() }, d: [x.cosh()], at: [[0.3], [-1.2], [2.0]], ufcs: sinh);

    // d/dx cosh x = sinh x
    elementary!(cosh: |x| { x.cosh() }, d: [x.sinh()], at: [[0.3], [-1.2], [2.0]], ufcs: cosh);

    // d/dx tanh x = 1 - tanh² x
    elementary!(
        tanh: |x| { x.tanh() },
        d: [1.0 - x.tanh() * x.tanh()],
        at: [[0.3], [-1.2], [2.0]],
        ufcs: tanh,
    );

    // d/dx asinh x = 1 / √(x² + 1)
    elementary!(
        asinh: |x| { x.asinh() },
        d: [1.0 / (x * x + 1.0).sqrt()],
        at: [[0.3], [-1.2], [4.0]],
        ufcs: asinh,
    );

    // d/dx acosh x = 1 / √(x² - 1) for x > 1
    elementary!(
        acosh: |x| { x.acosh() },
        d: [1.0 / (x * x - 1.0).sqrt()],
        at: [[1.5], [2.7], [10.0]],
        ufcs: acosh,
    );

    // d/dx atanh x = 1 / (1 - x²) on (-1, 1)
    elementary!(
        atanh: |x| { x.atanh() },
        d: [1.0 / (1.0 - x * x)],
        at: [[0.3], [-0.6], [0.8]],
        ufcs: atanh,
    );

    // d/dx eˣ = eˣ
    elementary!(exp: |x| { x.exp() }, d: [x.exp()], at: [[0.3], [-1.2], [2.0]], ufcs: exp);

    // d/dx 2ˣ = 2ˣ ln 2
    elementary!(
        exp2: |x| { x.exp2() },
        d: [x.exp2() * LN_2],
        at: [[0.3], [-1.2], [3.5]],
        ufcs: exp2,
    );

    // d/dx (eˣ - 1) = eˣ
    elementary!(
        exp_m1: |x| { x.exp_m1() },
        d: [x.exp()],
        at: [[1e-3], [-1.2], [2.0]],
        ufcs: exp_m1,
    );

    // d/dx ln x = 1 / x for x > 0
    elementary!(ln: |x| { x.ln() }, d: [1.0 / x], at: [[0.3], [1.0], [7.5]], ufcs: ln);

    // log_b x = ln x / ln b: ∂/∂x = 1 / (x ln b), ∂/∂b = -ln x / (b ln² b)
    elementary!(
        log: |x, b| { x.log(b) },
        d: [1.0 / (x * b.ln()), -x.ln() / (b * b.ln() * b.ln())],
        at: [[3.0, 2.0], [0.4, 10.0], [5.0, 0.5]],
        ufcs: log,
    );

    // d/dx log₂ x = 1 / (x ln 2)
    elementary!(
        log2: |x| { x.log2() },
        d: [1.0 / (x * LN_2)],
        at: [[0.3], [1.0], [7.5]],
        ufcs: log2,
    );

    // d/dx log₁₀ x = 1 / (x ln 10)
    elementary!(
        log10: |x| { x.log10() },
        d: [1.0 / (x * LN_10)],
        at: [[0.3], [1.0], [7.5]],
        ufcs: log10,
    );

    // d/dx ln(1 + x) = 1 / (1 + x) for x > -1
    elementary!(
        ln_1p: |x| { x.ln_1p() },
        d: [1.0 / (1.0 + x)],
        at: [[1e-3], [-0.5], [4.0]],
        ufcs: ln_1p,
    );

    // d/dx √x = 1 / (2√x) for x > 0
    elementary!(
        sqrt: |x| { x.sqrt() },
        d: [0.5 / x.sqrt()],
        at: [[0.3], [2.0], [9.0]],
        ufcs: sqrt,
    );

    // d/dx ∛x = 1 / (3 ∛x²), also for negative x
    elementary!(
        cbrt: |x| { x.cbrt() },
        d: [1.0 / (3.0 * x.cbrt() * x.cbrt())],
        at: [[0.3], [-2.0], [8.0]],
        ufcs: cbrt,
    );

    // d/dx x³ = 3x²
    elementary!(powi_3: |x| { x.powi(3) }, d: [3.0 * x * x], at: [[0.3], [-1.7], [2.0]]);

    // d/dx x⁻² = -2 x⁻³
    elementary!(
        powi_minus_2: |x| { x.powi(-2) },
        d: [-2.0 / (x * x * x)],
        at: [[0.3], [-1.7], [2.0]],
    );

    // d/dx x⁰ = 0
    elementary!(powi_0: |x| { x.powi(0) }, d: [0.0], at: [[0.3], [-1.7]]);

    // xʸ for x > 0: ∂/∂x = y xʸ⁻¹, ∂/∂y = xʸ ln x
    elementary!(
        powf: |x, y| { x.powf(y) },
        d: [y * x.powf(y - 1.0), x.powf(y) * x.ln()],
        at: [[0.7, 2.5], [2.0, -1.3], [1.5, 0.5]],
        ufcs: powf,
    );

    // d/dx |x| = sign x away from 0 (the kink itself is tested in `kinks`)
    elementary!(
        abs: |x| { x.abs() },
        d: [if x > 0.0 { 1.0 } else { -1.0 }],
        at: [[0.3], [-1.2]],
        ufcs: abs,
    );

    // Piecewise constant: derivative 0 between the jumps.
    elementary!(signum: |x| { x.signum() }, d: [0.0], at: [[0.3], [-1.2]], ufcs: signum);
    elementary!(floor: |x| { x.floor() }, d: [0.0], at: [[0.3], [-1.2]], ufcs: floor);
    elementary!(ceil: |x| { x.ceil() }, d: [0.0], at: [[0.3], [-1.2]], ufcs: ceil);
    elementary!(round: |x| { x.round() }, d: [0.0], at: [[0.3], [-1.2]], ufcs: round);
    elementary!(trunc: |x| { x.trunc() }, d: [0.0], at: [[0.3], [-1.2]], ufcs: trunc);

    // max(a, b) away from a tie: the whole derivative goes to the larger argument
    elementary!(
        max: |a, b| { a.max(b) },
        d: [if a > b { 1.0 } else { 0.0 }, if a > b { 0.0 } else { 1.0 }],
        at: [[0.7, -0.2], [-1.5, 0.4]],
        ufcs: max,
    );

    // min(a, b) away from a tie: the whole derivative goes to the smaller argument
    elementary!(
        min: |a, b| { a.min(b) },
        d: [if a < b { 1.0 } else { 0.0 }, if a < b { 0.0 } else { 1.0 }],
        at: [[0.7, -0.2], [-1.5, 0.4]],
        ufcs: min,
    );

    // h = √(x² + y²): ∂/∂x = x / h, ∂/∂y = y / h
    elementary!(
        hypot: |x, y| { x.hypot(y) },
        d: [x / x.hypot(y), y / x.hypot(y)],
        at: [[3.0, 4.0], [-0.5, 1.2], [2.0, -0.1]],
        ufcs: hypot,
    );

    // d/dx 1/x = -1/x²
    elementary!(
        recip: |x| { x.recip() },
        d: [-1.0 / (x * x)],
        at: [[0.3], [-1.2], [4.0]],
        ufcs: recip,
    );

    // a·b + c: ∂/∂a = b, ∂/∂b = a, ∂/∂c = 1
    elementary!(
        mul_add: |a, b, c| { a.mul_add(b, c) },
        d: [b, a, 1.0],
        at: [[0.3, -1.2, 2.0], [1.5, 0.25, -0.7]],
        ufcs: mul_add,
    );

    // clamp(x, lo, hi) is whichever of x, lo, hi it returns, so the derivative goes there:
    // x inside (lo, hi), lo below, hi above. Ties are left out: no convention is promised.
    elementary!(
        clamp: |x, lo, hi| { x.clamp(lo, hi) },
        d: [
            if lo < x && x < hi { 1.0 } else { 0.0 },
            if x < lo { 1.0 } else { 0.0 },
            if x > hi { 1.0 } else { 0.0 }
        ],
        at: [[0.3, -1.0, 1.0], [-2.5, -1.0, 1.0], [1.7, -1.0, 1.0]],
        ufcs: clamp,
    );

    // d/dx (180 / π) x = 180 / π
    elementary!(
        to_degrees: |x| { x.to_degrees() },
        d: [180.0 / PI],
        at: [[0.3], [-1.2]],
        ufcs: to_degrees,
    );

    // d/dx (π / 180) x = π / 180
    elementary!(
        to_radians: |x| { x.to_radians() },
        d: [PI / 180.0],
        at: [[30.0], [-100.0]],
        ufcs: to_radians,
    );
}

mod kinks {
    //! The documented conventions exactly at the points where a function has no derivative.
    //! The expected adjoints are exact by construction (0, or a sum of small dyadic numbers),
    //! so these tests compare exactly.
    use super::*;

    #[differentiate]
    fn abs_of<F: Float>(x: F) -> F {
        x.abs()
    }

    #[differentiate]
    fn max_of<F: Float>(a: F, b: F) -> F {
        a.max(b)
    }

    #[differentiate]
    fn max_receiver_b<F: Float>(a: F, b: F) -> F {
        b.max(a)
    }

    #[differentiate]
    fn max_path<F: Float>(a: F, b: F) -> F {
        F::max(a, b)
    }

    #[differentiate]
    fn min_of<F: Float>(a: F, b: F) -> F {
        a.min(b)
    }

    #[differentiate]
    fn min_receiver_b<F: Float>(a: F, b: F) -> F {
        b.min(a)
    }

    #[differentiate]
    fn min_path<F: Float>(a: F, b: F) -> F {
        F::min(a, b)
    }

    #[differentiate]
    fn steps<F: Float>(x: F) -> F {
        x.signum() + x.floor() + x.ceil() + x.round() + x.trunc()
    }

    #[differentiate]
    fn times_floor<F: Float>(x: F) -> F {
        x * x.floor()
    }

    fn abs_at_zero<F: Float + Debug>() {
        for zero in [F::zero(), -F::zero()] {
            let mut x_adj = F::zero();
            let value = abs_of_adjoint(zero, &mut x_adj, F::one());
            assert_eq!(value, abs_of(zero));
            assert_eq!(x_adj, F::zero(), "d|x|/dx at {zero:?}");
        }
    }

    /// At a tie the whole adjoint goes to the receiver `a` of `a.max(b)` / `a.min(b)`, that is
    /// to the first argument of `F::max(a, b)`. Seed 3 on top of adjoints (0.5, 0.25).
    fn ties_go_to_the_receiver<F: Float + Debug>() {
        type Primal<F> = fn(F, F) -> F;
        type Adjoint<F> = fn(F, &mut F, F, &mut F, F) -> F;
        let cases: [(Primal<F>, Adjoint<F>, bool); 6] = [
            (max_of, max_of_adjoint, true),
            (max_path, max_path_adjoint, true),
            (min_of, min_of_adjoint, true),
            (min_path, min_path_adjoint, true),
            (max_receiver_b, max_receiver_b_adjoint, false),
            (min_receiver_b, min_receiver_b_adjoint, false),
        ];
        let tie = from_f64::<F>(0.7);
        let (three, half, quarter) = (from_f64(3.0), from_f64(0.5), from_f64(0.25));

        for (i, (primal, adjoint, to_a)) in cases.into_iter().enumerate() {
            let (mut a_adj, mut b_adj) = (half, quarter);
            let value = adjoint(tie, &mut a_adj, tie, &mut b_adj, three);
            assert_eq!(value, primal(tie, tie), "value, case {i}");
            let expected = if to_a {
                (half + three, quarter)
            } else {
                (half, quarter + three)
            };
            assert_eq!((a_adj, b_adj), expected, "adjoints at a tie, case {i}");
        }
    }

    /// signum, floor, ceil, round and trunc have derivative 0 even where they jump: at 0 for
    /// signum, at integers for floor, ceil and trunc, at halves for round.
    fn steps_at_their_jumps<F: Float + Debug>() {
        for x in [0.0, -0.0, 2.0, -1.0, 0.5, 2.5, -3.5, 3.0] {
            let mut x_adj = F::zero();
            let value = steps_adjoint(from_f64(x), &mut x_adj, F::one());
            assert_eq!(value, steps(from_f64(x)), "value at {x}");
            assert_eq!(x_adj, F::zero(), "derivative of the steps at {x}");
        }
    }

    /// d/dx (x ⌊x⌋) = ⌊x⌋ + x · 0, so at the jump x = 2 it is exactly 2.
    fn product_with_a_step_at_its_jump<F: Float + Debug>() {
        let mut x_adj = F::zero();
        let value = times_floor_adjoint(from_f64(2.0), &mut x_adj, F::one());
        assert_eq!(value, times_floor(from_f64(2.0)));
        assert_eq!(x_adj, from_f64(2.0));
    }

    at_f32_and_f64!(
        abs_at_zero,
        ties_go_to_the_receiver,
        steps_at_their_jumps,
        product_with_a_step_at_its_jump,
    );
}

mod contract {
    //! The adjoint's calling convention: accumulation, seeds, `wrt(...)` and integer parameters.
    use super::*;

    #[differentiate]
    fn scaled_sine<F: Float>(x: F, y: F) -> F {
        x * y.sin()
    }

    #[differentiate(wrt(y))]
    fn only_y(x: f64, y: f64, z: f64) -> f64 {
        x * y * z + x.sin() * z
    }

    #[differentiate(wrt(x, z))]
    fn only_x_and_z<F: Float>(x: F, y: F, z: F) -> F {
        (x * y).exp() + z * z * y
    }

    #[differentiate]
    fn int_between(x: f64, n: usize, y: f64) -> f64 {
        x * y.powi(n as i32)
    }

    #[differentiate]
    fn int_between_generic<F: Float>(x: F, n: usize, y: F) -> F {
        x * y.powi(n as i32)
    }

    #[differentiate]
    fn power<F: Float>(x: F, k: i32) -> F {
        x.powi(k) + F::powi(x, k + 1)
    }

    #[differentiate]
    fn power_f32(x: f32, k: i32) -> f32 {
        f32::powi(x, k)
    }

    /// f = x sin y: ∂f/∂x = sin y, ∂f/∂y = x cos y. Adjoints start at (0.5, -1.25) and must
    /// be added to, a second call adds again, seed 2 doubles and seed 0 adds nothing.
    fn accumulation_and_seed<F: Float + Debug>() {
        let (x, y) = (from_f64::<F>(0.8), from_f64::<F>(-0.3));
        let (xf, yf) = (to_f64(x), to_f64(y));
        let (gx, gy) = (yf.sin(), xf * yf.cos());
        let tol = tolerance::<F>(2e-6, 1e-14);
        let point = [xf, yf];
        let check = |what: &str, actual: [F; 2], expected: [f64; 2]| {
            assert_close_at(&point, what, &actual, &expected.map(from_f64::<F>), tol);
        };

        let (mut x_adj, mut y_adj) = (from_f64::<F>(0.5), from_f64::<F>(-1.25));
        let value = scaled_sine_adjoint(x, &mut x_adj, y, &mut y_adj, F::one());
        check(
            "value",
            [value, F::zero()],
            [to_f64(scaled_sine(x, y)), 0.0],
        );
        check("first call", [x_adj, y_adj], [0.5 + gx, -1.25 + gy]);

        scaled_sine_adjoint(x, &mut x_adj, y, &mut y_adj, F::one());
        check(
            "second call",
            [x_adj, y_adj],
            [0.5 + 2.0 * gx, -1.25 + 2.0 * gy],
        );

        let (mut x_adj, mut y_adj) = (F::zero(), F::zero());
        scaled_sine_adjoint(x, &mut x_adj, y, &mut y_adj, from_f64(2.0));
        check("seed 2", [x_adj, y_adj], [2.0 * gx, 2.0 * gy]);

        scaled_sine_adjoint(x, &mut x_adj, y, &mut y_adj, F::zero());
        check("seed 0", [x_adj, y_adj], [2.0 * gx, 2.0 * gy]);
    }

    /// Only `y` is active, so `only_y_adjoint(x, y, &mut y_adj, z, seed)`: ∂f/∂y = x z.
    #[test]
    fn wrt_one_of_three() {
        let adjoint: fn(f64, f64, &mut f64, f64, f64) -> f64 = only_y_adjoint;
        let (x, z) = (0.6, -1.4);
        check_points(
            |[y], [y_adj], seed| adjoint(x, y, y_adj, z, seed),
            |[y]| only_y(x, y, z),
            |[_]| [x * z],
            &[[0.3], [-2.0]],
        );
    }

    /// `x` and `z` are active, `y` is not: f = e^(xy) + z² y, ∂f/∂x = y e^(xy), ∂f/∂z = 2 z y.
    fn wrt_two_of_three<F: Float + Debug>() {
        let adjoint: fn(F, &mut F, F, F, &mut F, F) -> F = only_x_and_z_adjoint;
        let y = 0.7;
        check_points(
            |[x, z], [x_adj, z_adj], seed| adjoint(x, x_adj, from_f64(y), z, z_adj, seed),
            |[x, z]| only_x_and_z(x, from_f64(y), z),
            |[x, z]| [y * (x * y).exp(), 2.0 * z * y],
            &[[0.3, -1.1], [-0.8, 2.0]],
        );
    }

    /// f = x yⁿ: ∂f/∂x = yⁿ, ∂f/∂y = n x yⁿ⁻¹; the integer gets no adjoint slot.
    #[test]
    fn integer_between_floats() {
        for n in [0, 1, 3] {
            let k = n as i32;
            check_points(
                |[x, y], [x_adj, y_adj], seed| int_between_adjoint(x, x_adj, n, y, y_adj, seed),
                |[x, y]| int_between(x, n, y),
                |[x, y]| [y.powi(k), f64::from(k) * x * y.powi(k - 1)],
                &[[0.3, -1.1], [-0.8, 2.0]],
            );
        }
    }

    /// The same as [`integer_between_floats`], generic.
    fn integer_between_floats_generic<F: Float + Debug>() {
        for n in [0, 1, 3] {
            let k = n as i32;
            check_points::<F, 2>(
                |[x, y], [x_adj, y_adj], seed| {
                    int_between_generic_adjoint(x, x_adj, n, y, y_adj, seed)
                },
                |[x, y]| int_between_generic(x, n, y),
                |[x, y]| [y.powi(k), f64::from(k) * x * y.powi(k - 1)],
                &[[0.3, -1.1], [-0.8, 2.0]],
            );
        }
    }

    /// f = xᵏ + xᵏ⁺¹ with `k` a parameter: f' = k xᵏ⁻¹ + (k + 1) xᵏ, including negative k.
    fn integer_exponent_parameter<F: Float + Debug>() {
        for k in [-3, -1, 0, 2, 5] {
            check_points::<F, 1>(
                |[x], [x_adj], seed| power_adjoint(x, x_adj, k, seed),
                |[x]| power(x, k),
                |[x]| [f64::from(k) * x.powi(k - 1) + f64::from(k + 1) * x.powi(k)],
                &[[0.6], [-1.3]],
            );
        }
    }

    /// f = xᵏ through `f32::powi(x, k)`: f' = k xᵏ⁻¹.
    #[test]
    fn integer_exponent_parameter_f32_path() {
        for k in [-2, 0, 3] {
            check_points(
                |[x], [x_adj], seed| power_f32_adjoint(x, x_adj, k, seed),
                |[x]| power_f32(x, k),
                |[x]| [f64::from(k) * x.powi(k - 1)],
                &[[0.6], [-1.3]],
            );
        }
    }

    at_f32_and_f64!(
        accumulation_and_seed,
        wrt_two_of_three,
        integer_between_floats_generic,
        integer_exponent_parameter,
    );
}

mod calls {
    //! Calls inside a differentiated function go to `<callee>_adjoint`, whether the macro
    //! generated it or it was written by hand.
    use super::*;

    #[differentiate]
    fn inner<F: Float>(x: F, y: F) -> F {
        x * x * y
    }

    #[differentiate]
    fn outer<F: Float>(x: F, y: F) -> F {
        let a = inner(x, y).sin();
        inner(a, x) + y
    }

    #[differentiate]
    fn constant_argument<F: Float>(x: F) -> F {
        inner(x, F::from(3.0).unwrap())
    }

    #[differentiate]
    fn inner_f64(x: f64) -> f64 {
        x.exp()
    }

    #[differentiate]
    fn outer_f64(x: f64, y: f64) -> f64 {
        inner_f64(x * y) / y
    }

    /// ln(1 + eˣ) without overflow for large x.
    fn softplus_stable(x: f64) -> f64 {
        if x > 0.0 {
            x + (-x).exp().ln_1p()
        } else {
            x.exp().ln_1p()
        }
    }

    /// The rule by hand: d/dx ln(1 + eˣ) = 1 / (1 + e⁻ˣ), the logistic function.
    fn softplus_stable_adjoint(x: f64, x_adj: &mut f64, seed: f64) -> f64 {
        *x_adj += seed / (1.0 + (-x).exp());
        softplus_stable(x)
    }

    #[differentiate]
    fn uses_softplus(x: f64, y: f64) -> f64 {
        softplus_stable(x * y) * y
    }

    /// x^(1/2ⁿ) by `n` square roots; its adjoint is written by hand below.
    fn nested_sqrt(x: f64, n: u32) -> f64 {
        let mut root = x;
        for _ in 0..n {
            root = root.sqrt();
        }
        root
    }

    /// The rule by hand: with p = 2⁻ⁿ, d/dx xᵖ = p xᵖ⁻¹. The integer gets no adjoint slot.
    fn nested_sqrt_adjoint(x: f64, x_adj: &mut f64, n: u32, seed: f64) -> f64 {
        let p = 0.5f64.powi(n as i32);
        *x_adj += seed * p * x.powf(p - 1.0);
        nested_sqrt(x, n)
    }

    #[differentiate]
    fn uses_nested_sqrt(x: f64, n: u32) -> f64 {
        nested_sqrt(x, n) + nested_sqrt(x * x, n + 1)
    }

    fn cube<F: Float>(x: F) -> F {
        x * x * x
    }

    /// The rule by hand: d/dx x³ = 3x².
    fn cube_adjoint<F: Float>(x: F, x_adj: &mut F, seed: F) -> F {
        let three = F::from(3.0).unwrap();
        *x_adj = *x_adj + seed * three * x * x;
        cube(x)
    }

    #[differentiate]
    fn uses_cube<F: Float>(x: F, y: F) -> F {
        cube(x - y) * y
    }

    /// u = x²y, a = sin u, f = a²x + y:
    /// ∂f/∂x = a² + 2ax · cos u · 2xy, ∂f/∂y = 2ax · cos u · x² + 1.
    fn differentiated_calls_differentiated<F: Float + Debug>() {
        check_points::<F, 2>(
            |[x, y], [x_adj, y_adj], seed| outer_adjoint(x, x_adj, y, y_adj, seed),
            |[x, y]| outer(x, y),
            |[x, y]| {
                let u = x * x * y;
                let a = u.sin();
                let through_a = 2.0 * a * x * u.cos();
                [a * a + through_a * 2.0 * x * y, through_a * x * x + 1.0]
            },
            &[[0.7, -0.4], [1.1, 0.9]],
        );
    }

    /// f = 3x², f' = 6x: the constant argument gets a scratch adjoint slot.
    fn call_with_a_constant_argument<F: Float + Debug>() {
        check_points::<F, 1>(
            |[x], [x_adj], seed| constant_argument_adjoint(x, x_adj, seed),
            |[x]| constant_argument(x),
            |[x]| [6.0 * x],
            &[[0.7], [-1.3]],
        );
    }

    /// f = (x - y)³ y: ∂f/∂x = 3(x - y)² y, ∂f/∂y = -3(x - y)² y + (x - y)³.
    fn generic_hand_written_rule<F: Float + Debug>() {
        check_points::<F, 2>(
            |[x, y], [x_adj, y_adj], seed| uses_cube_adjoint(x, x_adj, y, y_adj, seed),
            |[x, y]| uses_cube(x, y),
            |[x, y]| {
                let d = x - y;
                [3.0 * d * d * y, -3.0 * d * d * y + d * d * d]
            },
            &[[0.7, -0.4], [1.1, 1.9]],
        );
    }

    at_f32_and_f64!(
        differentiated_calls_differentiated,
        call_with_a_constant_argument,
        generic_hand_written_rule,
    );

    /// f = e^(xy) / y: ∂f/∂x = e^(xy), ∂f/∂y = x e^(xy) / y - e^(xy) / y².
    #[test]
    fn concrete_call_chain() {
        check_points(
            |[x, y], [x_adj, y_adj], seed| outer_f64_adjoint(x, x_adj, y, y_adj, seed),
            |[x, y]| outer_f64(x, y),
            |[x, y]| {
                let e = (x * y).exp();
                [e, x * e / y - e / (y * y)]
            },
            &[[0.7, -0.4], [1.1, 0.9]],
        );
    }

    /// f = softplus(xy) y with σ = 1 / (1 + e^(-xy)): ∂f/∂x = σ y², ∂f/∂y = σ xy + softplus(xy).
    #[test]
    fn hand_written_rule() {
        check_points(
            |[x, y], [x_adj, y_adj], seed| uses_softplus_adjoint(x, x_adj, y, y_adj, seed),
            |[x, y]| uses_softplus(x, y),
            |[x, y]| {
                let sigma = 1.0 / (1.0 + (-x * y).exp());
                [sigma * y * y, sigma * x * y + (x * y).exp().ln_1p()]
            },
            &[[0.7, -0.4], [3.0, 2.5], [-1.5, 2.0]],
        );
    }

    /// f = x^(2⁻ⁿ) + (x²)^(2⁻ⁿ⁻¹) = 2 x^p with p = 2⁻ⁿ: f' = 2p xᵖ⁻¹. The rule is called twice
    /// and both calls add into the same adjoint.
    #[test]
    fn hand_written_rule_with_an_integer_argument() {
        for n in [0, 1, 3] {
            let p = 0.5f64.powi(n as i32);
            check_points(
                |[x], [x_adj], seed| uses_nested_sqrt_adjoint(x, x_adj, n, seed),
                |[x]| uses_nested_sqrt(x, n),
                |[x]| [2.0 * p * x.powf(p - 1.0)],
                &[[0.7], [2.5]],
            );
        }
    }
}

mod constructs {
    //! The supported language subset: constants, bindings, blocks, branches, casts, `return`.

    // The functions below are written the way the lints discourage on purpose: each spelling
    // (a final `return`, a block ending in a `let` binding, `!(a < b)`, `n % 2 == 0`, `x as f64`
    // on an `f64`) is a construct the macro must accept.
    #![allow(
        clippy::let_and_return,
        clippy::manual_is_multiple_of,
        clippy::needless_return,
        clippy::neg_cmp_op_on_partial_ord,
        clippy::unnecessary_cast
    )]
    use super::*;

    #[differentiate]
    fn constants<F: Float>(x: F) -> F {
        let two = F::one() + F::one();
        let half = F::from(0.5).unwrap();
        let pi = F::from(std::f64::consts::PI).unwrap();
        F::zero() + two * half * x + pi * x * x
    }

    #[differentiate]
    fn with_pi(x: f64) -> f64 {
        std::f64::consts::PI * x.sin() + 2.0 * x
    }

    #[differentiate]
    fn shadowing<F: Float>(x: F, y: F) -> F {
        let t = x * y;
        let t = t + x;
        let t: F = t * t;
        t - y
    }

    #[differentiate]
    fn reassignment<F: Float>(x: F, y: F) -> F {
        let mut acc = x;
        acc = acc * y;
        acc = acc + x * x;
        acc = acc.sin();
        acc * y
    }

    // `Float` does not imply `AddAssign` and friends, so compound assignment is tested at the
    // concrete types only.
    #[differentiate]
    fn compound_assignment(x: f64, y: f64) -> f64 {
        let mut a = x;
        a += y;
        a *= x;
        a -= y;
        a /= y;
        let mut b = x;
        b *= b;
        b += b;
        a + b
    }

    #[differentiate]
    fn compound_assignment_f32(x: f32, y: f32) -> f32 {
        let mut a = x;
        a += y;
        a *= x;
        a -= y;
        a /= y;
        let mut b = x;
        b *= b;
        b += b;
        a + b
    }

    #[differentiate]
    fn arithmetic<F: Float>(x: F, y: F) -> F {
        -(x * y) + x / y - (y - x)
    }

    #[differentiate]
    fn nested_blocks<F: Float>(x: F, y: F) -> F {
        let outer = {
            let inner = x * x;
            {
                let deeper = inner * y;
                deeper + x
            }
        };
        let z = {
            let x = outer * y;
            x
        };
        z + x
    }

    #[differentiate]
    fn else_if_chain<F: Float>(x: F) -> F {
        let two = F::from(2.0).unwrap();
        let y = if x < -F::one() {
            -x * x
        } else if x < F::one() {
            x.sin()
        } else if x < F::from(3.0).unwrap() {
            x.exp()
        } else {
            F::from(20.0).unwrap() + x
        };
        y * two
    }

    #[differentiate]
    fn if_statement<F: Float>(x: F, y: F) -> F {
        let mut r = x * y;
        if r > F::one() {
            r = r.sqrt();
        } else if !(r > -F::one()) {
            r = -r * y;
        }
        r
    }

    #[differentiate]
    fn gated<F: Float>(x: F, n: usize, y: F) -> F {
        if x > F::zero() && n % 2 == 0 || !(y < F::one()) {
            x * y
        } else {
            x + y
        }
    }

    #[differentiate]
    fn final_return<F: Float>(x: F, y: F) -> F {
        let s = x.hypot(y);
        return s * x;
    }

    #[differentiate]
    fn casts(x: f64, n: usize) -> f64 {
        let k = n as f64;
        let m = (2 * n + 1) as i32;
        let whole = x as i64;
        let same = x as f64;
        k * same + x.powi(m) + whole as f64 * x
    }

    #[differentiate]
    fn casts_f32(x: f32, n: usize) -> f32 {
        let k = n as f32;
        let m = (2 * n + 1) as i32;
        let whole = x as i64;
        k * x + x.powi(m) + whole as f32 * x
    }

    /// f = 0 + 2 · ½ · x + πx²: f' = 1 + 2πx.
    fn float_constants<F: Float + Debug>() {
        check_points::<F, 1>(
            |[x], [x_adj], seed| constants_adjoint(x, x_adj, seed),
            |[x]| constants(x),
            |[x]| [1.0 + 2.0 * std::f64::consts::PI * x],
            &[[0.7], [-1.3]],
        );
    }

    /// t = ((xy + x)²) - y: ∂/∂x = 2(xy + x)(y + 1), ∂/∂y = 2(xy + x)x - 1.
    fn shadowed_bindings<F: Float + Debug>() {
        check_points::<F, 2>(
            |[x, y], [x_adj, y_adj], seed| shadowing_adjoint(x, x_adj, y, y_adj, seed),
            |[x, y]| shadowing(x, y),
            |[x, y]| {
                let u = x * y + x;
                [2.0 * u * (y + 1.0), 2.0 * u * x - 1.0]
            },
            &[[0.7, -0.4], [1.1, 0.9]],
        );
    }

    /// f = y sin u with u = xy + x²: ∂/∂x = y cos u (y + 2x), ∂/∂y = sin u + y cos u · x.
    fn mutable_reassignment<F: Float + Debug>() {
        check_points::<F, 2>(
            |[x, y], [x_adj, y_adj], seed| reassignment_adjoint(x, x_adj, y, y_adj, seed),
            |[x, y]| reassignment(x, y),
            |[x, y]| {
                let u = x * y + x * x;
                [y * u.cos() * (y + 2.0 * x), u.sin() + y * u.cos() * x]
            },
            &[[0.7, -0.4], [1.1, 0.9]],
        );
    }

    /// f = -xy + x/y - y + x: ∂/∂x = -y + 1/y + 1, ∂/∂y = -x - x/y² - 1.
    fn operators_and_negation<F: Float + Debug>() {
        check_points::<F, 2>(
            |[x, y], [x_adj, y_adj], seed| arithmetic_adjoint(x, x_adj, y, y_adj, seed),
            |[x, y]| arithmetic(x, y),
            |[x, y]| [-y + 1.0 / y + 1.0, -x - x / (y * y) - 1.0],
            &[[0.7, -0.4], [1.1, 0.9]],
        );
    }

    /// f = (x²y + x)y + x, the last `x` being the parameter again once the inner block that
    /// shadowed it has ended: ∂/∂x = 2xy² + y + 1, ∂/∂y = 2x²y + x.
    fn blocks_and_scopes<F: Float + Debug>() {
        check_points::<F, 2>(
            |[x, y], [x_adj, y_adj], seed| nested_blocks_adjoint(x, x_adj, y, y_adj, seed),
            |[x, y]| nested_blocks(x, y),
            |[x, y]| [2.0 * x * y * y + y + 1.0, 2.0 * x * x * y + x],
            &[[0.7, -0.4], [1.1, 0.9]],
        );
    }

    /// f = 2·(-x²), 2 sin x, 2eˣ or 2(20 + x) on x < -1, < 1, < 3, ≥ 3:
    /// f' = -4x, 2 cos x, 2eˣ, 2.
    fn if_expression_chain<F: Float + Debug>() {
        check_points::<F, 1>(
            |[x], [x_adj], seed| else_if_chain_adjoint(x, x_adj, seed),
            |[x]| else_if_chain(x),
            |[x]| {
                let slope = if x < -1.0 {
                    -2.0 * x
                } else if x < 1.0 {
                    x.cos()
                } else if x < 3.0 {
                    x.exp()
                } else {
                    1.0
                };
                [2.0 * slope]
            },
            &[[-2.0], [0.3], [1.5], [4.5]],
        );
    }

    /// r = xy, then √(xy) where xy > 1, -xy² where xy ≤ -1, xy otherwise:
    /// (y/(2√(xy)), x/(2√(xy))), (-y², -2xy), (y, x).
    fn if_statement_branches<F: Float + Debug>() {
        check_points::<F, 2>(
            |[x, y], [x_adj, y_adj], seed| if_statement_adjoint(x, x_adj, y, y_adj, seed),
            |[x, y]| if_statement(x, y),
            |[x, y]| {
                let r = x * y;
                if r > 1.0 {
                    [y / (2.0 * r.sqrt()), x / (2.0 * r.sqrt())]
                } else if r <= -1.0 {
                    [-y * y, -2.0 * x * y]
                } else {
                    [y, x]
                }
            },
            &[[2.0, 1.5], [-2.0, 1.5], [0.5, 0.4]],
        );
    }

    /// `x > 0 && n even || !(y < 1)` picks xy, with gradient (y, x), else x + y, with (1, 1).
    fn conditions_on_floats_and_integers<F: Float + Debug>() {
        let cases = [
            (0.5, 2, 0.5, true),
            (0.5, 3, 0.5, false),
            (-0.5, 2, 2.0, true),
            (-0.5, 4, 0.5, false),
        ];
        for (x, n, y, product) in cases {
            check_points::<F, 2>(
                |[x, y], [x_adj, y_adj], seed| gated_adjoint(x, x_adj, n, y, y_adj, seed),
                |[x, y]| gated(x, n, y),
                |[x, y]| if product { [y, x] } else { [1.0, 1.0] },
                &[[x, y]],
            );
        }
    }

    /// f = s x with s = √(x² + y²): ∂/∂x = x²/s + s, ∂/∂y = xy/s.
    fn return_statement<F: Float + Debug>() {
        check_points::<F, 2>(
            |[x, y], [x_adj, y_adj], seed| final_return_adjoint(x, x_adj, y, y_adj, seed),
            |[x, y]| final_return(x, y),
            |[x, y]| {
                let s = x.hypot(y);
                [x * x / s + s, x * y / s]
            },
            &[[0.7, -0.4], [1.1, 0.9]],
        );
    }

    at_f32_and_f64!(
        float_constants,
        shadowed_bindings,
        mutable_reassignment,
        operators_and_negation,
        blocks_and_scopes,
        if_expression_chain,
        if_statement_branches,
        conditions_on_floats_and_integers,
        return_statement,
    );

    /// f = π sin x + 2x: f' = π cos x + 2.
    #[test]
    fn std_pi() {
        check_points(
            |[x], [x_adj], seed| with_pi_adjoint(x, x_adj, seed),
            |[x]| with_pi(x),
            |[x]| [std::f64::consts::PI * x.cos() + 2.0],
            &[[0.7], [-1.3]],
        );
    }

    /// f = k x + xᵐ + trunc(x) x with k = n and m = 2n + 1 computed from the integer `n`:
    /// f' = k + m xᵐ⁻¹ + trunc(x) away from the integers, where trunc jumps.
    #[test]
    fn integer_arithmetic_and_casts() {
        for n in [0usize, 1, 2] {
            let (k, m) = (n as f64, (2 * n + 1) as i32);
            let slope = |x: f64| k + f64::from(m) * x.powi(m - 1) + x.trunc();
            check_points(
                |[x], [x_adj], seed| casts_adjoint(x, x_adj, n, seed),
                |[x]| casts(x, n),
                |[x]| [slope(x)],
                &[[0.7], [-1.3], [2.4]],
            );
            check_points(
                |[x], [x_adj], seed| casts_f32_adjoint(x, x_adj, n, seed),
                |[x]| casts_f32(x, n),
                |[x]| [slope(x)],
                &[[0.7], [-1.3], [2.4]],
            );
        }
    }

    /// a = (x(x + y) - y) / y = x²/y + x - 1 and b = 2x² (from `b *= b; b += b`):
    /// ∂/∂x = 2x/y + 1 + 4x, ∂/∂y = -x²/y².
    #[test]
    fn compound_assignments() {
        let closed = |[x, y]: [f64; 2]| [2.0 * x / y + 1.0 + 4.0 * x, -x * x / (y * y)];
        check_points(
            |[x, y], [x_adj, y_adj], seed| compound_assignment_adjoint(x, x_adj, y, y_adj, seed),
            |[x, y]| compound_assignment(x, y),
            closed,
            &[[0.7, -0.4], [1.1, 0.9]],
        );
        check_points(
            |[x, y], [x_adj, y_adj], seed| {
                compound_assignment_f32_adjoint(x, x_adj, y, y_adj, seed)
            },
            |[x, y]| compound_assignment_f32(x, y),
            closed,
            &[[0.7, -0.4], [1.1, 0.9]],
        );
    }
}
