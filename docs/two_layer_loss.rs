// The loss of examples/two_layer.rs's classifier, kept here so that docs/two_layer_adjoint.md
// can show what `#[differentiate]` makes of it; tests/two_layer_adjoint.rs checks that it
// matches the example and that the document shows the current expansion.

/// Softmax cross-entropy of the classifier on one sample of class `label`.
#[differentiate(wrt(w1, b1, w2, b2))]
pub fn classifier_loss(
    w1: &[f64],
    b1: &[f64],
    w2: &[f64],
    b2: &[f64],
    x: &[f64],
    label: usize,
) -> f64 {
    let z1 = grad_runtime::affine(w1, b1, x, HIDDEN, INPUTS);
    let h = grad_runtime::relu_vec(&z1);
    let logits = grad_runtime::affine(w2, b2, &h, CLASSES, HIDDEN);
    grad_runtime::softmax_cross_entropy(&logits, label)
}
