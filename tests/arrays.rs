//! Gradients through arrays: local buffers, computed indices, nested arrays, array outputs
//! seeded with arrays, parameters mutated in place, and how adjoint buffers accumulate.
//!
//! Each derivative is checked against central differences and against a closed form derived in
//! the comment above its check. Generic cases run at `f32` and `f64`.

// Index loops are the construct under test here, so clippy's preference for iterators is
// beside the point.
#![allow(clippy::needless_range_loop)]

#[macro_use]
mod common;

use common::{cast, check_closed_form, check_fd, concat};
use grad_runtime::differentiate;
use num_traits::{Float, NumAssign};
use std::fmt::Debug;

at_both_precisions!(
    prefix_sums_in_local_vec,
    matrix_vector_energy,
    matrix_vector_output,
    fixed_array_output,
    vec_parameter_mutated_in_place,
    fixed_array_parameter_scaled,
    scratch_array_per_row,
    local_literals_and_copies,
    nested_parameter_mutated_in_place,
    vec_literal_output,
    array_call_inside_loop,
);

fn float<F: Float>(value: f64) -> F {
    F::from(value).unwrap()
}

/// The seeds every vector-Jacobian product is checked with: each unit vector and a mixed one.
fn seeds<F: Float>(len: usize) -> Vec<Vec<F>> {
    let mut all: Vec<Vec<F>> = (0..len)
        .map(|k| {
            (0..len)
                .map(|i| if i == k { F::one() } else { F::zero() })
                .collect()
        })
        .collect();
    all.push((0..len).map(|i| float(0.7 - 0.45 * i as f64)).collect());
    all
}

// Prefix sums written into a local `vec![0.0; n]`, then reduced.

#[differentiate]
fn prefix_energy<F: Float>(x: &[F]) -> F {
    let n = x.len();
    let mut sums = vec![F::zero(); n];
    sums[0] = x[0];
    for i in 1..n {
        sums[i] = sums[i - 1] + x[i];
    }
    let mut e = F::zero();
    for i in 0..n {
        e = e + sums[i] * sums[i];
    }
    e
}

fn prefix_sums_in_local_vec<F: Float + NumAssign + Debug>() {
    let x: Vec<F> = cast(&[0.5, -1.0, 1.5, 0.25, -0.3]);
    let mut x_adj = vec![F::zero(); x.len()];
    prefix_energy_adjoint(&x, &mut x_adj, F::one());

    // e = sum_r S_r^2 with S_r = x_0 + ... + x_r; x_i appears in every S_r with r >= i,
    // so de/dx_i = 2 sum_{r >= i} S_r.
    let sums: Vec<F> = (0..x.len())
        .map(|r| x[..=r].iter().fold(F::zero(), |s, &v| s + v))
        .collect();
    let expected: Vec<F> = (0..x.len())
        .map(|i| float::<F>(2.0) * sums[i..].iter().fold(F::zero(), |s, &v| s + v))
        .collect();
    check_closed_form(&x_adj, &expected);
    check_fd(|p: &[F]| prefix_energy(p), &x_adj, &x);
}

// Dense matrix-vector products over a row-major `w` addressed as `w[i * n + j]`.

#[differentiate]
fn matvec_energy<F: Float>(w: &[F], x: &[F]) -> F {
    let n = x.len();
    let m = w.len() / n;
    let mut e = F::zero();
    for i in 0..m {
        let mut y = F::zero();
        for j in 0..n {
            y = y + w[i * n + j] * x[j];
        }
        e = e + y * y;
    }
    e / (F::one() + F::one())
}

/// `y = W x` and the closed-form products `(W^T s, s x^T)` for a seed `s`.
fn matvec_reference<F: Float>(w: &[F], x: &[F], s: &[F]) -> (Vec<F>, Vec<F>, Vec<F>) {
    let n = x.len();
    let m = w.len() / n;
    let y: Vec<F> = (0..m)
        .map(|i| (0..n).fold(F::zero(), |acc, j| acc + w[i * n + j] * x[j]))
        .collect();
    let w_grad: Vec<F> = (0..m * n).map(|k| s[k / n] * x[k % n]).collect();
    let x_grad: Vec<F> = (0..n)
        .map(|j| (0..m).fold(F::zero(), |acc, i| acc + s[i] * w[i * n + j]))
        .collect();
    (y, w_grad, x_grad)
}

fn matvec_data<F: Float>() -> (Vec<F>, Vec<F>) {
    let w = cast(&[
        0.5, -0.3, 0.1, 0.8, -0.6, 0.2, 1.1, 0.4, -0.9, 0.0, 0.35, -1.2,
    ]);
    let x = cast(&[1.5, -0.5, 0.25]);
    (w, x)
}

fn matrix_vector_energy<F: Float + NumAssign + Debug>() {
    let (w, x) = matvec_data::<F>();
    let mut w_adj = vec![F::zero(); w.len()];
    let mut x_adj = vec![F::zero(); x.len()];
    matvec_energy_adjoint(&w, &mut w_adj, &x, &mut x_adj, F::one());

    // E = 1/2 |W x|^2 with y = W x: dE/dW = y x^T and dE/dx = W^T y, the products below with s = y.
    let y = matvec(&w, &x);
    let (_, expected_w, expected_x) = matvec_reference(&w, &x, &y);
    let grad = concat(&[&w_adj, &x_adj]);
    check_closed_form(&grad, &concat(&[&expected_w, &expected_x]));
    check_fd(
        |p: &[F]| matvec_energy(&p[..12], &p[12..]),
        &grad,
        &concat(&[&w, &x]),
    );
}

#[differentiate]
fn matvec<F: Float + NumAssign>(w: &[F], x: &[F]) -> Vec<F> {
    let n = x.len();
    let m = w.len() / n;
    let mut y = vec![F::zero(); m];
    for i in 0..m {
        for j in 0..n {
            y[i] += w[i * n + j] * x[j];
        }
    }
    y
}

fn matrix_vector_output<F: Float + NumAssign + Debug>() {
    let (w, x) = matvec_data::<F>();
    for seed in seeds::<F>(4) {
        let mut w_adj = vec![F::zero(); w.len()];
        let mut x_adj = vec![F::zero(); x.len()];
        let y = matvec_adjoint(&w, &mut w_adj, &x, &mut x_adj, &seed);

        // For y = W x the vector-Jacobian product with s is s x^T for W and W^T s for x.
        let (expected_y, expected_w, expected_x) = matvec_reference(&w, &x, &seed);
        check_closed_form(&y, &expected_y);
        let grad = concat(&[&w_adj, &x_adj]);
        check_closed_form(&grad, &concat(&[&expected_w, &expected_x]));

        let projected = |p: &[F]| {
            let y = matvec(&p[..12], &p[12..]);
            y.iter()
                .zip(&seed)
                .fold(F::zero(), |acc, (&a, &b)| acc + a * b)
        };
        check_fd(projected, &grad, &concat(&[&w, &x]));
    }
}

// A fixed-size array output seeded with a fixed-size array.

#[differentiate]
fn cumulative_product<F: Float>(x: [F; 3]) -> [F; 3] {
    let mut out = [F::zero(); 3];
    let mut p = F::one();
    for i in 0..3 {
        p = p * x[i];
        out[i] = p;
    }
    out
}

fn fixed_array_output<F: Float + NumAssign + Debug>() {
    let x: [F; 3] = [float(1.5), float(-0.8), float(2.0)];
    for seed in seeds::<F>(3) {
        let seed: [F; 3] = [seed[0], seed[1], seed[2]];
        let mut x_adj = [F::zero(); 3];
        let out = cumulative_product_adjoint(x, &mut x_adj, &seed);

        // out_k = x_0 ... x_k, so d out_k / d x_i = out_k / x_i for i <= k and 0 otherwise;
        // the VJP is x_adj_i = sum_{k >= i} s_k out_k / x_i.
        let expected: Vec<F> = (0..3)
            .map(|i| (i..3).fold(F::zero(), |acc, k| acc + seed[k] * out[k] / x[i]))
            .collect();
        check_closed_form(&out, &[x[0], x[0] * x[1], x[0] * x[1] * x[2]]);
        check_closed_form(&x_adj, &expected);

        let projected = |p: &[F]| {
            let out = cumulative_product([p[0], p[1], p[2]]);
            (0..3).fold(F::zero(), |acc, k| acc + seed[k] * out[k])
        };
        check_fd(projected, &x_adj, &x);
    }
}

// A `mut v: Vec<F>` parameter changed in place with `*=` and `/=`, then reduced.

#[differentiate]
fn squared_over<F: Float + NumAssign>(mut v: Vec<F>, a: F) -> F {
    for i in 0..v.len() {
        let before = v[i];
        v[i] *= before;
        v[i] /= a;
    }
    let mut s = F::zero();
    for i in 0..v.len() {
        s += v[i];
    }
    s
}

fn vec_parameter_mutated_in_place<F: Float + NumAssign + Debug>() {
    let v: Vec<F> = cast(&[0.5, -1.0, 1.5, 0.25]);
    let a: F = float(1.7);
    let mut v_adj = vec![F::zero(); v.len()];
    let mut a_adj = F::zero();
    squared_over_adjoint(v.clone(), &mut v_adj, a, &mut a_adj, F::one());

    // s = sum_i v_i^2 / a: ds/dv_i = 2 v_i / a and ds/da = -sum_i v_i^2 / a^2.
    let mut expected: Vec<F> = v.iter().map(|&e| float::<F>(2.0) * e / a).collect();
    expected.push(-v.iter().fold(F::zero(), |s, &e| s + e * e) / (a * a));
    let grad = concat(&[&v_adj, &[a_adj]]);
    check_closed_form(&grad, &expected);
    check_fd(
        |p: &[F]| squared_over(p[..4].to_vec(), p[4]),
        &grad,
        &concat(&[&v, &[a]]),
    );
}

// `v[i] *= v[i]` reads the element it writes; generic `F` cannot borrow like this, `f64` can.

#[differentiate]
fn fourth_powers(mut v: Vec<f64>) -> f64 {
    for i in 0..v.len() {
        v[i] *= v[i];
        v[i] *= v[i];
    }
    let mut s = 0.0;
    for &e in v.iter() {
        s += e;
    }
    s
}

#[test]
fn element_multiplied_by_itself() {
    let v = vec![0.5, -1.0, 1.5, 0.25];
    let mut v_adj = [0.0; 4];
    fourth_powers_adjoint(v.clone(), &mut v_adj, 1.0);

    // d/dv_i sum_j v_j^4 = 4 v_i^3: the old value of each element must survive both updates.
    let expected: Vec<f64> = v.iter().map(|e| 4.0 * e * e * e).collect();
    check_closed_form(&v_adj, &expected);
    check_fd(|p: &[f64]| fourth_powers(p.to_vec()), &v_adj, &v);
}

// A fixed-size array parameter scaled element by element, each by the previous one.

#[differentiate]
fn chained_scaling<F: Float + NumAssign>(mut x: [F; 4], r: &[F; 4]) -> F {
    for i in 1..4 {
        x[i] *= x[i - 1];
        x[i] /= r[i];
    }
    x[3]
}

fn fixed_array_parameter_scaled<F: Float + NumAssign + Debug>() {
    let x: [F; 4] = [float(1.2), float(-0.7), float(1.5), float(0.9)];
    let r: [F; 4] = [float(2.0), float(0.8), float(1.3), float(-1.1)];
    let mut x_adj = [F::zero(); 4];
    let mut r_adj = [F::zero(); 4];
    let value = chained_scaling_adjoint(x, &mut x_adj, &r, &mut r_adj, F::one());

    // z_0 = x_0 and z_i = z_{i-1} x_i / r_i, so z_3 = x_0 x_1 x_2 x_3 / (r_1 r_2 r_3):
    // dz_3/dx_i = z_3 / x_i, dz_3/dr_i = -z_3 / r_i for i >= 1, and r_0 is never read.
    let z3 = x[0] * x[1] * x[2] * x[3] / (r[1] * r[2] * r[3]);
    let mut expected: Vec<F> = x.iter().map(|&e| z3 / e).collect();
    expected.push(F::zero());
    expected.extend(r[1..].iter().map(|&e| -z3 / e));
    check_closed_form(&[value], &[z3]);
    let grad = concat(&[&x_adj, &r_adj]);
    check_closed_form(&grad, &expected);
    check_fd(
        |p: &[F]| chained_scaling([p[0], p[1], p[2], p[3]], &[p[4], p[5], p[6], p[7]]),
        &grad,
        &concat(&[&x, &r]),
    );
}

// A scratch array re-initialised on every trip of the outer loop.

#[differentiate]
fn rows_of_squares<F: Float + NumAssign>(x: &[F]) -> F {
    let rows = x.len() / 3;
    let mut total = F::zero();
    for r in 0..rows {
        let mut scratch = [F::zero(); 3];
        for j in 0..3 {
            scratch[j] += x[3 * r + j] * x[3 * r + j];
        }
        for j in 1..3 {
            scratch[j] += scratch[j - 1];
        }
        total += scratch[2] * scratch[0];
    }
    total
}

fn scratch_array_per_row<F: Float + NumAssign + Debug>() {
    let x: Vec<F> = cast(&[0.5, -1.0, 1.5, 0.25, 0.8, -0.3, 1.1, -0.6, 0.2]);
    let mut x_adj = vec![F::zero(); x.len()];
    rows_of_squares_adjoint(&x, &mut x_adj, F::one());

    // Per row (a, b, c): t = (a^2 + b^2 + c^2) a^2, so dt/da = 2a a^2 + (a^2 + b^2 + c^2) 2a,
    // dt/db = 2b a^2 and dt/dc = 2c a^2. A scratch array leaking between rows would add terms.
    let two: F = float(2.0);
    let mut expected = Vec::new();
    for row in x.chunks(3) {
        let (a, b, c) = (row[0], row[1], row[2]);
        let q = a * a + b * b + c * c;
        expected.extend([
            two * a * a * a + q * two * a,
            two * b * a * a,
            two * c * a * a,
        ]);
    }
    check_closed_form(&x_adj, &expected);
    check_fd(|p: &[F]| rows_of_squares(p), &x_adj, &x);
}

// Array literals, `vec![a, b]`, and copies by assignment, `.clone()` and `.to_vec()`.

// `vec![a, b]` is one of the constructs under test, even where an array would do.
#[allow(clippy::useless_vec)]
#[differentiate]
fn literals_and_copies<F: Float + NumAssign>(x: &[F], a: F, b: F) -> F {
    let pair = vec![a, b];
    let triple = [a * b, a, b];
    let mut copy = x.to_vec();
    let mut twice = copy.clone();
    let mut fixed = triple;
    for i in 0..copy.len() {
        copy[i] *= pair[i % 2];
        twice[i] += copy[i];
    }
    fixed[0] -= fixed[1];
    let mut s = F::zero();
    for i in 0..twice.len() {
        s += twice[i] * fixed[i % 3];
    }
    s + triple[0]
}

fn local_literals_and_copies<F: Float + NumAssign + Debug>() {
    let x: Vec<F> = cast(&[0.5, -1.0, 1.5, 0.25]);
    let (a, b): (F, F) = (float(1.3), float(-0.4));
    let mut x_adj = vec![F::zero(); x.len()];
    let (mut a_adj, mut b_adj) = (F::zero(), F::zero());
    literals_and_copies_adjoint(&x, &mut x_adj, a, &mut a_adj, b, &mut b_adj, F::one());

    // With p = (a, b), f = (ab - a, a, b) and the copy-then-scale t_i = x_i (1 + p_{i mod 2}),
    // s = sum_{i < 4} t_i f_{i mod 3} + ab expands to
    //   s = x_0 (1 + a)(ab - a) + x_1 (1 + b) a + x_2 (1 + a) b + x_3 (1 + b)(ab - a) + ab.
    // Its partial derivatives follow term by term; `triple` keeps its value after `fixed` changes.
    let one = F::one();
    let c = a * b - a;
    let expected = [
        (one + a) * c,
        (one + b) * a,
        (one + a) * b,
        (one + b) * c,
        x[0] * (c + (one + a) * (b - one))
            + x[1] * (one + b)
            + x[2] * b
            + x[3] * (one + b) * (b - one)
            + b,
        x[0] * (one + a) * a + x[1] * a + x[2] * (one + a) + x[3] * (c + (one + b) * a) + a,
    ];
    let grad = concat(&[&x_adj, &[a_adj, b_adj]]);
    check_closed_form(&grad, &expected);
    check_fd(
        |p: &[F]| literals_and_copies(&p[..4], p[4], p[5]),
        &grad,
        &concat(&[&x, &[a, b]]),
    );
}

// Nested arrays `[[f64; 3]; 2]`, as a parameter and as a local `[[0.0; 3]; 2]`.

#[differentiate]
fn outer_then_trace(m: [[f64; 3]; 2], u: [f64; 2], v: &[f64; 3]) -> f64 {
    let mut outer = [[0.0; 3]; 2];
    for i in 0..2 {
        for j in 0..3 {
            outer[i][j] = u[i] * v[j];
        }
    }
    let mut s = 0.0;
    for i in 0..2 {
        for j in 0..3 {
            s += m[i][j] * outer[i][j];
        }
    }
    s
}

#[test]
fn nested_arrays() {
    let m = [[0.5, -1.0, 1.5], [0.25, 0.8, -0.3]];
    let u = [1.2, -0.7];
    let v = [0.4, 2.0, -1.1];
    let mut m_adj = [[0.0; 3]; 2];
    let mut u_adj = [0.0; 2];
    let mut v_adj = [0.0; 3];
    outer_then_trace_adjoint(m, &mut m_adj, u, &mut u_adj, &v, &mut v_adj, 1.0);

    // s = u^T M v: ds/dM_ij = u_i v_j, ds/du_i = (M v)_i and ds/dv_j = (M^T u)_j.
    let mut expected = Vec::new();
    for i in 0..2 {
        expected.extend((0..3).map(|j| u[i] * v[j]));
    }
    expected.extend((0..2).map(|i| (0..3).map(|j| m[i][j] * v[j]).sum::<f64>()));
    expected.extend((0..3).map(|j| (0..2).map(|i| m[i][j] * u[i]).sum::<f64>()));
    let grad = concat(&[m_adj.as_flattened(), &u_adj, &v_adj]);
    check_closed_form(&grad, &expected);

    let point = concat(&[m.as_flattened(), &u, &v]);
    let unpack = |p: &[f64]| {
        let m = [[p[0], p[1], p[2]], [p[3], p[4], p[5]]];
        outer_then_trace(m, [p[6], p[7]], &[p[8], p[9], p[10]])
    };
    check_fd(unpack, &grad, &point);
}

// Adjoint buffers are added into, never overwritten.

#[test]
fn adjoint_called_twice_adds_twice() {
    let (w, x) = matvec_data::<f64>();
    let seed = [0.3, -1.0, 0.5, 2.0];
    let mut once_w = vec![0.0; w.len()];
    let mut once_x = vec![0.0; x.len()];
    matvec_adjoint(&w, &mut once_w, &x, &mut once_x, &seed);

    let mut twice_w = vec![0.0; w.len()];
    let mut twice_x = vec![0.0; x.len()];
    matvec_adjoint(&w, &mut twice_w, &x, &mut twice_x, &seed);
    matvec_adjoint(&w, &mut twice_w, &x, &mut twice_x, &seed);

    let doubled: Vec<f64> = concat(&[&once_w, &once_x])
        .iter()
        .map(|g| 2.0 * g)
        .collect();
    check_closed_form(&concat(&[&twice_w, &twice_x]), &doubled);
}

#[test]
fn nonzero_adjoint_is_kept() {
    let x = [0.5, -1.0, 1.5, 0.25, -0.3];
    let start = [10.0, -20.0, 30.0, -40.0, 50.0];
    let mut x_adj = start;
    prefix_energy_adjoint(&x, &mut x_adj, 1.0);

    let mut fresh = [0.0; 5];
    prefix_energy_adjoint(&x, &mut fresh, 1.0);
    let shifted: Vec<f64> = fresh.iter().zip(&start).map(|(g, s)| g + s).collect();
    check_closed_form(&x_adj, &shifted);

    let mut scalar_adj = 3.0;
    let mut v_adj = [1.0, 1.0, 1.0, 1.0];
    squared_over_adjoint(
        vec![0.5, -1.0, 1.5, 0.25],
        &mut v_adj,
        1.7,
        &mut scalar_adj,
        1.0,
    );
    let mut fresh_v = [0.0; 4];
    let mut fresh_scalar = 0.0;
    squared_over_adjoint(
        vec![0.5, -1.0, 1.5, 0.25],
        &mut fresh_v,
        1.7,
        &mut fresh_scalar,
        1.0,
    );
    let expected: Vec<f64> = concat(&[&fresh_v.map(|g| g + 1.0), &[fresh_scalar + 3.0]]);
    check_closed_form(&concat(&[&v_adj, &[scalar_adj]]), &expected);
}

// A nested array parameter changed in place with `*=`.

#[differentiate]
fn scaled_squares_nested<F: Float + NumAssign>(mut m: [[F; 3]; 2], a: F) -> F {
    for i in 0..2 {
        for j in 0..3 {
            let entry = m[i][j];
            m[i][j] *= a * entry;
        }
    }
    let mut s = F::zero();
    for i in 0..2 {
        for j in 0..3 {
            s += m[i][j] * F::from(j + 1).unwrap();
        }
    }
    s
}

fn nested_parameter_mutated_in_place<F: Float + NumAssign + Debug>() {
    let flat: Vec<F> = cast(&[0.3, 0.8, -0.45, 1.1, -0.2, 0.5]);
    let m = [[flat[0], flat[1], flat[2]], [flat[3], flat[4], flat[5]]];
    let a: F = float(1.2);
    let mut m_adj = [[F::zero(); 3]; 2];
    let mut a_adj = F::zero();
    scaled_squares_nested_adjoint(m, &mut m_adj, a, &mut a_adj, F::one());

    // s = sum_ij (j + 1) a m_ij^2: ds/dm_ij = 2 (j + 1) a m_ij and ds/da = sum_ij (j + 1) m_ij^2.
    let weight = |k: usize| float::<F>((k % 3 + 1) as f64);
    let mut expected: Vec<F> = (0..6)
        .map(|k| float::<F>(2.0) * weight(k) * a * flat[k])
        .collect();
    expected.push((0..6).fold(F::zero(), |s, k| s + weight(k) * flat[k] * flat[k]));
    let grad = concat(&[m_adj.as_flattened(), &[a_adj]]);
    check_closed_form(&grad, &expected);

    let unpack = |p: &[F]| scaled_squares_nested([[p[0], p[1], p[2]], [p[3], p[4], p[5]]], p[6]);
    check_fd(unpack, &grad, &concat(&[&flat, &[a]]));
}

// A `Vec` output built with `vec![...]`, seeded with several slices.

#[differentiate]
fn product_sum_difference<F: Float>(a: F, b: F) -> Vec<F> {
    vec![a * b, a + b, a - b * b]
}

fn vec_literal_output<F: Float + NumAssign + Debug>() {
    let (a, b): (F, F) = (float(2.0), float(-0.7));
    for seed in seeds::<F>(3) {
        let (mut a_adj, mut b_adj) = (F::zero(), F::zero());
        let out = product_sum_difference_adjoint(a, &mut a_adj, b, &mut b_adj, &seed);

        // The Jacobian has rows (b, a), (1, 1), (1, -2b), so the VJP with s is
        // (s_0 b + s_1 + s_2, s_0 a + s_1 - 2 b s_2).
        check_closed_form(&out, &product_sum_difference(a, b));
        let two: F = float(2.0);
        let expected = [
            seed[0] * b + seed[1] + seed[2],
            seed[0] * a + seed[1] - two * b * seed[2],
        ];
        check_closed_form(&[a_adj, b_adj], &expected);
    }
}

// A call returning a fixed-size array, made on every trip of a loop.

#[differentiate]
fn sum_of_cumulative_products<F: Float>(x: [F; 3]) -> F {
    let mut s = F::zero();
    for r in 0..3 {
        let out: [F; 3] = cumulative_product(x);
        s = s + out[r];
    }
    s
}

fn array_call_inside_loop<F: Float + NumAssign + Debug>() {
    let x: [F; 3] = [float(1.5), float(-0.8), float(2.0)];
    let mut x_adj = [F::zero(); 3];
    sum_of_cumulative_products_adjoint(x, &mut x_adj, F::one());

    // s = x_0 + x_0 x_1 + x_0 x_1 x_2: ds/dx_0 = 1 + x_1 + x_1 x_2, ds/dx_1 = x_0 + x_0 x_2,
    // ds/dx_2 = x_0 x_1. Each trip's call adds its own share into the one buffer.
    let one = F::one();
    let expected = [one + x[1] + x[1] * x[2], x[0] + x[0] * x[2], x[0] * x[1]];
    check_closed_form(&x_adj, &expected);
    check_fd(
        |p: &[F]| sum_of_cumulative_products([p[0], p[1], p[2]]),
        &x_adj,
        &x,
    );
}
