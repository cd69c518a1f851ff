use grad_runtime::differentiate;

#[differentiate]
fn f(m: &[[f64; 2]; 2]) -> f64 {
    let mut s = 0.0;
    for row in m.iter() {
        s += row[0];
    }
    s
}

fn main() {}
