use grad_runtime::differentiate;
use grad_runtime::num_traits::Float;

#[differentiate]
fn f<F: Float>(x: F) -> F {
    let _two = F::from(2.0);
    x * x
}

fn main() {}
