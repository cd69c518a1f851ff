//! Checks the ADBench objectives and hand-written gradients against ADBench's values.

use grad::adbench::adbench_distance;
use grad::adbench::ba::{
    ba_block, ba_reprojection_error, ba_reprojection_error_adjoint, ba_weight_error,
    ba_weight_error_adjoint, ba_weight_error_derivative, BaInput, BLOCK_COLUMNS, CAMERA_LEN,
};
use grad::adbench::gmm::{gmm_gradient, ln_gamma_half_integer, GmmGradient, GmmInput};
use grad::adbench::lstm::{lstm_gradient, lstm_objective_adjoint, LstmGradient, LstmInput};
use grad::adbench::parse::reference_values;

/// ADBench accepts a derivative when every entry is this close by [`adbench_distance`].
const ADBENCH_TOLERANCE: f64 = 1e-8;

/// The GMM and BA references hold 17 digits, and ADBench's hand-written and Tapenade GMM
/// gradients agree to 1.4e-13, so a correct gradient is far closer than ADBench asks.
const REFERENCE_TOLERANCE: f64 = 1e-11;

fn read(relative: &str) -> String {
    let path = grad::adbench::data_path(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn reference(relative: &str) -> Vec<f64> {
    reference_values(&read(relative)).unwrap()
}

fn gmm(relative: &str) -> GmmInput {
    GmmInput::parse(&read(relative)).unwrap()
}

fn ba(relative: &str) -> BaInput {
    BaInput::parse(&read(relative)).unwrap()
}

fn lstm() -> LstmInput {
    LstmInput::parse(&read("lstm/lstm_l2_c1024.txt")).unwrap()
}

/// Asserts that every entry of `computed` is within `tolerance` of `expected` by ADBench's
/// distance, naming the first entry that is not.
fn assert_close(what: &str, computed: &[f64], expected: &[f64], tolerance: f64) {
    assert_eq!(computed.len(), expected.len(), "{what}: lengths differ");
    for (i, (&x, &y)) in computed.iter().zip(expected).enumerate() {
        let distance = adbench_distance(x, y);
        assert!(
            distance < tolerance,
            "{what}[{i}]: computed {x}, expected {y}, distance {distance:e}"
        );
    }
}

/// `(f(x + h e_i) - f(x - h e_i)) / 2h`, with `h` scaled to the size of `x_i`.
fn central_difference(f: impl Fn(&[f64]) -> f64, x: &[f64], i: usize) -> f64 {
    let h = 1e-6 * x[i].abs().max(1.0);
    let mut shifted = x.to_vec();
    shifted[i] = x[i] + h;
    let up = f(&shifted);
    shifted[i] = x[i] - h;
    let down = f(&shifted);
    (up - down) / (2.0 * h)
}

/// Asserts agreement with a central difference, whose truncation and rounding errors
/// are around 1e-7 relative at these step sizes.
fn assert_matches_difference(what: &str, derivative: f64, difference: f64) {
    let error = (derivative - difference).abs();
    assert!(
        error <= 1e-5 * difference.abs().max(1.0),
        "{what}: derivative {derivative}, central difference {difference}"
    );
}

const GMM_GRADIENT_FILES: [(&str, &str); 5] = [
    ("gmm/test.txt", "reference/gmm_test.grad.txt"),
    (
        "gmm/1k/gmm_d2_K5.txt",
        "reference/gmm_1k_gmm_d2_K5.grad.txt",
    ),
    (
        "gmm/1k/gmm_d2_K10.txt",
        "reference/gmm_1k_gmm_d2_K10.grad.txt",
    ),
    (
        "gmm/1k/gmm_d10_K5.txt",
        "reference/gmm_1k_gmm_d10_K5.grad.txt",
    ),
    (
        "gmm/1k/gmm_d10_K25.txt",
        "reference/gmm_1k_gmm_d10_K25.grad.txt",
    ),
];

#[test]
fn gmm_objectives_match_the_listed_values() {
    // As data/adbench/README.md lists them, to 17 digits (more than an f64 literal needs);
    // with ADBench's truncated pi they match to all digits.
    #[allow(clippy::excessive_precision)]
    let listed = [
        ("gmm/test.txt", 8.0738040800497579),
        ("gmm/1k/gmm_d2_K5.txt", -5240.5905625496471),
        ("gmm/1k/gmm_d2_K10.txt", -3484.5523663481904),
        ("gmm/1k/gmm_d2_K25.txt", -3448.4057534553617),
        ("gmm/1k/gmm_d10_K5.txt", -31302.540910910713),
        ("gmm/1k/gmm_d10_K25.txt", -25649.65262119762),
        ("gmm/10k/gmm_d2_K5.txt", -52512.306054523615),
    ];
    for (file, expected) in listed {
        let objective = gmm(file).objective();
        let relative = (objective - expected).abs() / expected.abs();
        assert!(relative < 1e-13, "{file}: {objective} against {expected}");
    }
}

#[test]
fn gmm_hand_gradient_matches_the_reference_gradients() {
    for (file, reference_file) in GMM_GRADIENT_FILES {
        let input = gmm(file);
        let expected = reference(reference_file);
        let mut grad = GmmGradient::zeros(input.d, input.k);
        let objective = gmm_gradient(&input, &mut grad);

        assert_close(file, &[objective], &expected[..1], REFERENCE_TOLERANCE);
        assert_close(file, &grad.flat(), &expected[1..], REFERENCE_TOLERANCE);
    }
}

#[test]
fn gmm_hand_gradient_meets_adbench_unit_test() {
    let input = gmm("gmm/test.txt");
    let expected = reference("reference/gmm_test.expected.txt");
    let mut grad = GmmGradient::zeros(input.d, input.k);
    let objective = gmm_gradient(&input, &mut grad);

    assert_close("objective", &[objective], &expected[..1], ADBENCH_TOLERANCE);
    assert_close("gradient", &grad.flat(), &expected[1..], ADBENCH_TOLERANCE);
}

#[test]
fn gmm_hand_gradient_adds_into_the_buffers() {
    let input = gmm("gmm/test.txt");
    let mut once = GmmGradient::zeros(input.d, input.k);
    gmm_gradient(&input, &mut once);
    let mut twice = once.clone();
    gmm_gradient(&input, &mut twice);

    let doubled: Vec<f64> = once.flat().iter().map(|g| 2.0 * g).collect();
    assert_close("twice", &twice.flat(), &doubled, 1e-15);
}

#[test]
fn gmm_hand_gradient_matches_central_differences() {
    let input = gmm("gmm/1k/gmm_d10_K5.txt");
    let mut grad = GmmGradient::zeros(input.d, input.k);
    gmm_gradient(&input, &mut grad);
    let params = grad_free_params(&input);
    let objective = |p: &[f64]| with_params(&input, p).objective();

    // An alpha, a mean entry, a diagonal logarithm and an entry below the diagonal.
    let (k, kd, d) = (input.k, input.k * input.d, input.d);
    let tri = d * (d + 1) / 2;
    for i in [2, k + 7, k + kd + tri + 3, k + kd + 2 * tri + d + 5] {
        let difference = central_difference(objective, &params, i);
        assert_matches_difference(&format!("entry {i}"), grad.flat()[i], difference);
    }
}

/// The GMM parameters in gradient order.
fn grad_free_params(input: &GmmInput) -> Vec<f64> {
    [&input.alphas[..], &input.means, &input.icf].concat()
}

fn with_params(input: &GmmInput, params: &[f64]) -> GmmInput {
    let (k, kd) = (input.k, input.k * input.d);
    GmmInput {
        alphas: params[..k].to_vec(),
        means: params[k..k + kd].to_vec(),
        icf: params[k + kd..].to_vec(),
        ..input.clone()
    }
}

#[test]
fn ln_gamma_of_half_integers_matches_closed_forms() {
    // Gamma(1) = Gamma(2) = 1, Gamma(5) = 24, Gamma(1/2) = sqrt(pi),
    // Gamma(7/2) = 15/8 sqrt(pi).
    let sqrt_pi = std::f64::consts::PI.sqrt();
    let cases = [
        (1.0, 1.0),
        (2.0, 1.0),
        (5.0, 24.0),
        (0.5, sqrt_pi),
        (3.5, 1.875 * sqrt_pi),
    ];
    for (x, gamma) in cases {
        let error = (ln_gamma_half_integer(x) - f64::ln(gamma)).abs();
        assert!(error < 1e-14, "ln Gamma({x}) is off by {error:e}");
    }
}

const BA_FILES: [(&str, &str); 2] = [
    ("ba/test.txt", "reference/ba_test.block.txt"),
    (
        "ba/ba1_n49_m7776_p31843.txt",
        "reference/ba_ba1_n49_m7776_p31843.block.txt",
    ),
];

/// The reference block file: residuals, `w_err`, the 2x15 block printed one row per line,
/// and `d w_err / d w`.
struct BaReference {
    residual_and_weight_error: Vec<f64>,
    rows: Vec<f64>,
    weight_error_derivative: f64,
}

fn ba_reference(relative: &str) -> BaReference {
    let values = reference(relative);
    assert_eq!(values.len(), 3 + 2 * BLOCK_COLUMNS + 1, "{relative}");
    BaReference {
        residual_and_weight_error: values[..3].to_vec(),
        rows: values[3..3 + 2 * BLOCK_COLUMNS].to_vec(),
        weight_error_derivative: values[3 + 2 * BLOCK_COLUMNS],
    }
}

/// The column-major block read row by row, the order of the reference files.
fn block_rows(jacobian: &[f64]) -> Vec<f64> {
    (0..2)
        .flat_map(|row| (0..BLOCK_COLUMNS).map(move |column| jacobian[2 * column + row]))
        .collect()
}

#[test]
fn ba_residuals_match_the_reference() {
    for (file, reference_file) in BA_FILES {
        let input = ba(file);
        let expected = ba_reference(reference_file);
        let [u, v] = ba_reprojection_error(&input.cam, &input.x, input.w, &input.feat);
        let computed = [u, v, ba_weight_error(input.w)];

        assert_close(
            file,
            &computed,
            &expected.residual_and_weight_error,
            REFERENCE_TOLERANCE,
        );
    }
}

#[test]
fn ba_hand_block_matches_the_reference() {
    for (file, reference_file) in BA_FILES {
        let input = ba(file);
        let expected = ba_reference(reference_file);
        let block = ba_block(&input.cam, &input.x, input.w, &input.feat);

        let residuals = &expected.residual_and_weight_error[..2];
        assert_close(file, &block.residual, residuals, REFERENCE_TOLERANCE);
        assert_close(
            file,
            &block_rows(&block.jacobian),
            &expected.rows,
            REFERENCE_TOLERANCE,
        );
        let derivative = ba_weight_error_derivative(input.w);
        let weight = [expected.weight_error_derivative];
        assert_close(file, &[derivative], &weight, REFERENCE_TOLERANCE);
    }
}

/// Checks every entry of the hand-written block at `cam` against central differences.
fn assert_ba_block_matches_differences(cam: &[f64], input: &BaInput) {
    let block = ba_block(cam, &input.x, input.w, &input.feat);
    let params = [cam, &input.x[..], &[input.w]].concat();
    for row in 0..2 {
        let residual = |p: &[f64]| {
            ba_reprojection_error(&p[..CAMERA_LEN], &p[CAMERA_LEN..14], p[14], &input.feat)[row]
        };
        for column in 0..BLOCK_COLUMNS {
            let difference = central_difference(residual, &params, column);
            let what = format!("row {row} column {column}");
            assert_matches_difference(&what, block.jacobian[2 * column + row], difference);
        }
    }
}

#[test]
fn ba_hand_block_matches_central_differences() {
    let input = ba("ba/test.txt");
    assert_ba_block_matches_differences(&input.cam, &input);
}

#[test]
fn ba_hand_block_matches_central_differences_without_rotation() {
    // At r = 0 the first-order branch is taken; the differences step to r = +-h, where
    // the full Rodrigues formula runs, so they check that the two branches meet smoothly.
    let input = ba("ba/test.txt");
    let mut cam = input.cam.clone();
    cam[..3].fill(0.0);
    assert_ba_block_matches_differences(&cam, &input);
}

#[test]
fn lstm_objective_matches_the_expected_loss_to_its_eight_digits() {
    let expected = reference("reference/lstm_l2_c1024.expected.txt")[0];
    let loss = lstm().objective();

    // The expected loss is printed as 0.66666518: half a unit of its last digit.
    assert!((loss - expected).abs() <= 5e-9, "{loss} against {expected}");
}

#[test]
fn lstm_hand_gradient_matches_the_expected_gradient() {
    let input = lstm();
    let expected = reference("reference/lstm_l2_c1024.expected.txt");
    let mut grad = LstmGradient::zeros(input.l, input.b);
    lstm_gradient(&input, &mut grad);
    let computed = grad.flat();

    assert_close("lstm", &computed, &expected[1..], ADBENCH_TOLERANCE);
    // The entries are around 1e-5, where ADBench's rule is an absolute 1e-8 and so says
    // little; they are printed to 18 digits, which allows a relative check as well. The
    // zero entries are exact: they belong to characters that never occur, whose input to
    // the first layer is always zero.
    for (i, (&x, &y)) in computed.iter().zip(&expected[1..]).enumerate() {
        let error = (x - y).abs();
        assert!(error <= 1e-10 * y.abs(), "entry {i}: {x} against {y}");
    }
}

#[test]
fn lstm_hand_gradient_matches_central_differences() {
    let input = lstm();
    let mut grad = LstmGradient::zeros(input.l, input.b);
    lstm_gradient(&input, &mut grad);
    let (main_len, b) = (input.main_params.len(), input.b);
    let params = [&input.main_params[..], &input.extra_params].concat();
    let loss = |p: &[f64]| {
        let (main_params, extra_params) = p.split_at(main_len);
        let changed = LstmInput {
            main_params: main_params.to_vec(),
            extra_params: extra_params.to_vec(),
            ..input.clone()
        };
        changed.objective()
    };

    // A forget weight, an outgate bias of the second layer, the input weight and the
    // output bias.
    for i in [7, 4 * b * 3 + 2 * b + 5, main_len + 3, main_len + 2 * b + 9] {
        let difference = central_difference(loss, &params, i);
        // The loss is about 0.7 and its derivatives about 1e-4: scale them up so that the
        // relative check applies.
        let scale = 1e4;
        let what = format!("entry {i}");
        assert_matches_difference(&what, scale * grad.flat()[i], scale * difference);
    }
}

#[test]
fn gmm_generated_gradient_matches_the_reference_gradients() {
    for (file, reference_file) in GMM_GRADIENT_FILES {
        let input = gmm(file);
        let expected = reference(reference_file);
        let mut grad = GmmGradient::zeros(input.d, input.k);
        let objective = input.generated_gradient(&mut grad);

        assert_close(file, &[objective], &expected[..1], REFERENCE_TOLERANCE);
        assert_close(file, &grad.flat(), &expected[1..], REFERENCE_TOLERANCE);
    }
}

/// The generated block: one reverse sweep per residual, seeded with that residual.
fn generated_ba_block(input: &BaInput) -> Vec<f64> {
    let mut rows = Vec::new();
    for seed in [[1.0, 0.0], [0.0, 1.0]] {
        let mut cam_adj = vec![0.0; CAMERA_LEN];
        let mut x_adj = vec![0.0; 3];
        let mut w_adj = 0.0;
        ba_reprojection_error_adjoint(
            &input.cam,
            &mut cam_adj,
            &input.x,
            &mut x_adj,
            input.w,
            &mut w_adj,
            &input.feat,
            &seed,
        );
        rows.extend(cam_adj.iter().chain(&x_adj).chain([&w_adj]));
    }
    rows
}

#[test]
fn ba_generated_block_matches_the_reference() {
    for (file, reference_file) in BA_FILES {
        let input = ba(file);
        let expected = ba_reference(reference_file);

        assert_close(
            file,
            &generated_ba_block(&input),
            &expected.rows,
            REFERENCE_TOLERANCE,
        );
        let mut w_adj = 0.0;
        ba_weight_error_adjoint(input.w, &mut w_adj, 1.0);
        let weight = [expected.weight_error_derivative];
        assert_close(file, &[w_adj], &weight, REFERENCE_TOLERANCE);
    }
}

#[test]
fn ba_generated_block_matches_the_hand_block_without_rotation() {
    // The references rotate; this takes the first-order branch at r = 0.
    let mut input = ba("ba/test.txt");
    input.cam[..3].fill(0.0);
    let hand = ba_block(&input.cam, &input.x, input.w, &input.feat);

    let rows = block_rows(&hand.jacobian);
    assert_close(
        "r = 0",
        &generated_ba_block(&input),
        &rows,
        REFERENCE_TOLERANCE,
    );
}

#[test]
fn lstm_generated_gradient_matches_the_expected_gradient() {
    let input = lstm();
    let expected = reference("reference/lstm_l2_c1024.expected.txt");
    let mut grad = LstmGradient::zeros(input.l, input.b);
    let loss = lstm_objective_adjoint(
        input.l,
        input.c,
        input.b,
        &input.main_params,
        &mut grad.main_params,
        &input.extra_params,
        &mut grad.extra_params,
        &input.state,
        &input.sequence,
        1.0,
    );

    assert!(
        (loss - expected[0]).abs() <= 5e-9,
        "{loss} against {}",
        expected[0]
    );
    for (i, (&x, &y)) in grad.flat().iter().zip(&expected[1..]).enumerate() {
        assert!(
            (x - y).abs() <= 1e-10 * y.abs(),
            "entry {i}: {x} against {y}"
        );
    }
}
