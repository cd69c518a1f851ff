use grad_runtime::differentiate;

#[differentiate]
fn f(m: &[[f64; 2]; 2]) -> f64 {
    let mut s = m[0][0];
    for _row in m.iter() {
        s = s * 2.0;
    }
    s
}

fn main() {}
