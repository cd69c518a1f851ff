//! Minimal functions that once had wrong gradients or did not compile, each with the closed
//! form that shows it is right now.

use grad_runtime::differentiate;
use num_traits::Float;

/// Found by the differential tester: the value of an `if` expression inside a loop was saved
/// only on the trips that took the first arm.
#[differentiate]
fn if_value_in_loop<F: Float>(x: &[F], y: F) -> F {
    let mut s = y;
    for &xi in x.iter() {
        s = s * if xi < F::one() { y + y } else { y };
    }
    s
}

/// The same value reaching the product through a `let`.
#[differentiate]
fn if_value_through_let<F: Float>(x: &[F], y: F) -> F {
    let mut s = F::zero();
    for &xi in x.iter() {
        let t = if xi > s { y } else { F::one() };
        s = s + y * t;
    }
    s
}

#[test]
fn if_values_in_loops_are_kept_per_trip() {
    // Trip 0 takes the first arm and trip 1 the second: s = y * 2y * y = 2y³, ds/dy = 6y².
    let x = [0.5, 2.0];
    let (mut x_adj, mut y_adj) = ([0.0; 2], 0.0);
    let value = if_value_in_loop_adjoint(&x, &mut x_adj, 3.0, &mut y_adj, 1.0);
    assert_eq!((value, y_adj, x_adj), (54.0, 54.0, [0.0, 0.0]));

    // t0 = y (0.5 > 0), then s = y², and t1 = 1 (2 < 9): s = y² + y, ds/dy = 2y + 1 = 7.
    let (mut x_adj, mut y_adj) = ([0.0; 2], 0.0);
    let value = if_value_through_let_adjoint(&x, &mut x_adj, 3.0, &mut y_adj, 1.0);
    assert_eq!((value, y_adj), (if_value_through_let(&x, 3.0), 7.0));
    assert_eq!(if_value_in_loop(&x, 3.0), 54.0);
}

#[differentiate]
fn product_of_entries<F: Float>(a: &[F], b: &[F]) -> F {
    a[0] * b[1]
}

/// Found by the differential tester: one array passed to two parameters of a call lent its
/// adjoint buffer twice, which the borrow checker rejects.
#[differentiate]
fn same_array_twice<F: Float>(x: &[F]) -> F {
    product_of_entries(x, x)
}

#[test]
fn one_array_in_two_argument_positions() {
    // f(x) = x0 x1: the gradient is (x1, x0), one part from each argument position.
    let x = [2.0, 5.0];
    let mut x_adj = [0.0; 2];
    let value = same_array_twice_adjoint(&x, &mut x_adj, 1.0);
    assert_eq!((value, x_adj), (same_array_twice(&x), [5.0, 2.0]));
}
