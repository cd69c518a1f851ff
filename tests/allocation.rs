//! The reverse sweep of a dense loop allocates nothing per iteration: a counting global
//! allocator compares the allocations of a generated adjoint at n = 10 and at n = 1000.
//!
//! The counts are equal: each tape of overwritten values is reserved for all the trips of its
//! loop before the loop starts, so it is allocated once whatever the size.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use grad_runtime::differentiate;

/// The system allocator, counting every allocation and reallocation of each thread, so that
/// tests running side by side do not see each other's.
struct Counting;

thread_local! {
    // A constant initialiser with no destructor: reading it never allocates.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count_one() {
    ALLOCATIONS.with(|count| count.set(count.get() + 1));
}

// SAFETY: every call is passed unchanged to `System`, which upholds the contract.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by this thread while `f` runs.
fn allocations_during<R>(f: impl FnOnce() -> R) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    std::hint::black_box(f());
    ALLOCATIONS.with(Cell::get) - before
}

/// `Σᵢ tanh((W x)ᵢ)²`: a dense matrix-vector product into a local vector, then a nonlinear
/// reduction whose backward code needs the values the forward loops computed.
#[allow(clippy::needless_range_loop)] // The subset loops over index ranges.
#[differentiate(wrt(w, x))]
fn dense_loss(w: &[f64], x: &[f64], n: usize) -> f64 {
    let mut y = vec![0.0; n];
    for i in 0..n {
        let mut s = 0.0;
        for j in 0..n {
            s += w[i * n + j] * x[j];
        }
        y[i] = s.tanh();
    }
    let mut total = 0.0;
    for i in 0..n {
        total += y[i] * y[i];
    }
    total
}

/// A recurrence through the same dense rows: `h` is overwritten every iteration, so the
/// reverse sweep must get each old value back.
#[allow(clippy::needless_range_loop)]
#[differentiate(wrt(w, x))]
fn dense_recurrence(w: &[f64], x: &[f64], n: usize) -> f64 {
    let mut h = 0.0;
    for i in 0..n {
        let mut s = h;
        for j in 0..n {
            s += w[i * n + j] * x[j];
        }
        h = (0.01 * s).sin();
    }
    h
}

type Adjoint = fn(&[f64], &mut [f64], &[f64], &mut [f64], usize, f64) -> f64;

/// Allocations of one call of `adjoint` at size `n`, buffers allocated beforehand.
fn adjoint_allocations(adjoint: Adjoint, n: usize) -> usize {
    let w: Vec<f64> = (0..n * n)
        .map(|k| ((k % 7) as f64 - 3.0) / n as f64)
        .collect();
    let x: Vec<f64> = (0..n).map(|j| (j as f64).cos()).collect();
    let (mut w_adj, mut x_adj) = (vec![0.0; n * n], vec![0.0; n]);
    allocations_during(|| adjoint(&w, &mut w_adj, &x, &mut x_adj, n, 1.0))
}

fn assert_no_allocation_per_iteration(name: &str, adjoint: Adjoint) {
    let small = adjoint_allocations(adjoint, 10);
    let large = adjoint_allocations(adjoint, 1000);
    assert_eq!(
        small, large,
        "{name}: {small} allocations at n = 10, {large} at n = 1000"
    );
}

/// The only tape is the one of `s`, which the outer loop resets.
#[test]
fn dense_loss_adjoint_allocates_nothing_per_iteration() {
    assert_no_allocation_per_iteration("dense_loss", dense_loss_adjoint);
}

/// The only tape is the one of `h`, which every outer iteration overwrites.
#[test]
fn dense_recurrence_adjoint_allocates_nothing_per_iteration() {
    assert_no_allocation_per_iteration("dense_recurrence", dense_recurrence_adjoint);
}

#[test]
fn the_counter_sees_an_allocation() {
    assert_eq!(allocations_during(|| vec![1.0_f64; 4]), 1);
}
