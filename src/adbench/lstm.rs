//! A character-level LSTM's prediction loss (ADBench's LSTM problem).
//!
//! Every layer has diagonal weights: gate `j` of a layer reads only element `j` of its
//! input and of its hidden state. `main_params` holds, for layer `i`, row `2i` of weights
//! and row `2i + 1` of biases, each `4b` long in the order forget, input gate, output
//! gate, change. `extra_params` holds the input weight, output weight and output bias;
//! `state` the hidden and cell state of each layer, `2l` rows of `b`.

use super::parse::{Numbers, ParseError};
use grad_runtime::differentiate;

/// One LSTM problem as stored in an ADBench `lstm` file.
#[derive(Debug, Clone, PartialEq)]
pub struct LstmInput {
    /// Number of layers.
    pub l: usize,
    /// Length of the character sequence.
    pub c: usize,
    /// Size of the alphabet, which is also the width of every layer.
    pub b: usize,
    /// Layer weights and biases, `2l * 4b`.
    pub main_params: Vec<f64>,
    /// Input weight, output weight and output bias, `3b`.
    pub extra_params: Vec<f64>,
    /// Initial hidden and cell state of every layer, `2l * b`.
    pub state: Vec<f64>,
    /// The characters, one-hot, `c * b`.
    pub sequence: Vec<f64>,
}

impl LstmInput {
    /// Reads the text of an ADBench LSTM file (format in `data/adbench/README.md`).
    ///
    /// ```
    /// use grad::adbench::lstm::LstmInput;
    ///
    /// let path = grad::adbench::data_path("lstm/lstm_l2_c1024.txt");
    /// let input = LstmInput::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
    /// assert_eq!((input.l, input.c, input.b), (2, 1024, 14));
    /// ```
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let mut numbers = Numbers::new(text);
        let (l, c, b) = (numbers.usize()?, numbers.usize()?, numbers.usize()?);
        let input = LstmInput {
            l,
            c,
            b,
            main_params: numbers.f64s(2 * l * 4 * b)?,
            extra_params: numbers.f64s(3 * b)?,
            state: numbers.f64s(2 * l * b)?,
            sequence: numbers.f64s(c * b)?,
        };
        numbers.finish()?;
        Ok(input)
    }

    /// The objective at the stored parameters.
    pub fn objective(&self) -> f64 {
        lstm_objective(
            self.l,
            self.c,
            self.b,
            &self.main_params,
            &self.extra_params,
            &self.state,
            &self.sequence,
        )
    }
}

/// The logistic function `1 / (1 + exp(-x))`.
#[differentiate]
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The LSTM loss (ADBench's `lstm_objective`), in the subset `#[differentiate]` accepts.
///
/// From each character the network predicts the next one; the loss is the mean over
/// steps and alphabet of `-gold_j (y_j - lse)` with `lse = log(sum_j exp(y_j) + 2)`,
/// unshifted and with ADBench's `+ 2` kept so that the reference values are reproduced.
/// The attribute generates `lstm_objective_adjoint`, the gradient with respect to
/// `main_params` and `extra_params`.
#[differentiate(wrt(main_params, extra_params))]
pub fn lstm_objective(
    l: usize,
    c: usize,
    b: usize,
    main_params: &[f64],
    extra_params: &[f64],
    state: &[f64],
    sequence: &[f64],
) -> f64 {
    // The state evolves over the sequence, so it is copied out of the input.
    let mut memory = vec![0.0; 2 * l * b];
    for (j, value) in state.iter().enumerate() {
        memory[j] = *value;
    }
    let mut layer_input = vec![0.0; b];
    let mut prediction = vec![0.0; b];
    let mut total = 0.0;
    for t in 0..c - 1 {
        for j in 0..b {
            layer_input[j] = sequence[t * b + j] * extra_params[j];
        }
        for layer in 0..l {
            let weight = 8 * layer * b;
            let bias = weight + 4 * b;
            let hidden = 2 * layer * b;
            let cell = hidden + b;
            for j in 0..b {
                let old_hidden = memory[hidden + j];
                let forget =
                    sigmoid(layer_input[j] * main_params[weight + j] + main_params[bias + j]);
                let ingate =
                    sigmoid(old_hidden * main_params[weight + b + j] + main_params[bias + b + j]);
                let outgate = sigmoid(
                    layer_input[j] * main_params[weight + 2 * b + j]
                        + main_params[bias + 2 * b + j],
                );
                let change = (old_hidden * main_params[weight + 3 * b + j]
                    + main_params[bias + 3 * b + j])
                    .tanh();
                memory[cell + j] = memory[cell + j] * forget + ingate * change;
                memory[hidden + j] = outgate * memory[cell + j].tanh();
                layer_input[j] = memory[hidden + j];
            }
        }

        let mut sum_exp = 0.0;
        for j in 0..b {
            prediction[j] = layer_input[j] * extra_params[b + j] + extra_params[2 * b + j];
            sum_exp += prediction[j].exp();
        }
        let lse = (sum_exp + 2.0).ln();
        let mut step = 0.0;
        for j in 0..b {
            step += sequence[(t + 1) * b + j] * (prediction[j] - lse);
        }
        total += step;
    }
    -total / ((c - 1) * b) as f64
}

/// The gradient of the LSTM loss with respect to the parameters, in ADBench's order when
/// flattened.
#[derive(Debug, Clone, PartialEq)]
pub struct LstmGradient {
    /// With respect to `main_params`, `2l * 4b` entries.
    pub main_params: Vec<f64>,
    /// With respect to `extra_params`, `3b` entries.
    pub extra_params: Vec<f64>,
}

impl LstmGradient {
    /// A zero gradient for `l` layers of width `b`.
    pub fn zeros(l: usize, b: usize) -> Self {
        LstmGradient {
            main_params: vec![0.0; 8 * l * b],
            extra_params: vec![0.0; 3 * b],
        }
    }

    /// Sets every entry back to zero, keeping the allocations.
    pub fn clear(&mut self) {
        self.main_params.fill(0.0);
        self.extra_params.fill(0.0);
    }

    /// `main_params` then `extra_params`.
    pub fn flat(&self) -> Vec<f64> {
        [&self.main_params[..], &self.extra_params].concat()
    }
}

/// The hand-written reverse pass of [`lstm_objective`]: adds the gradient with respect to
/// the parameters into `grad` and returns the loss.
///
/// The forward sweep records every gate of every step on a tape (`8 b` numbers per layer
/// and step); the reverse sweep then walks the steps backwards carrying the adjoints of
/// each layer's hidden and cell state.
///
/// ```
/// use grad::adbench::lstm::{lstm_gradient, LstmGradient, LstmInput};
///
/// let path = grad::adbench::data_path("lstm/lstm_l2_c1024.txt");
/// let input = LstmInput::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
/// let mut grad = LstmGradient::zeros(input.l, input.b);
/// let loss = lstm_gradient(&input, &mut grad);
/// assert!((loss - input.objective()).abs() < 1e-12);
/// ```
pub fn lstm_gradient(input: &LstmInput, grad: &mut LstmGradient) -> f64 {
    let tape = Tape::record(input);
    tape.reverse(input, grad);
    tape.loss
}

/// What the forward sweep keeps for one layer at one step, each `b` long.
#[derive(Clone, Copy)]
enum Slot {
    /// The layer's input: the scaled character or the hidden state of the layer below.
    Input,
    OldHidden,
    OldCell,
    Forget,
    Ingate,
    Outgate,
    Change,
    /// `tanh` of the new cell state.
    CellTanh,
}

const SLOTS: usize = 8;

/// The recorded forward sweep of the LSTM.
struct Tape {
    l: usize,
    b: usize,
    /// Index `((t * l + layer) * SLOTS + slot) * b + j`.
    gates: Vec<f64>,
    /// `exp(y_j) / (sum exp(y) + 2)` per step, the weight of `y_j` in the `lse`.
    probabilities: Vec<f64>,
    loss: f64,
}

impl Tape {
    fn record(input: &LstmInput) -> Self {
        let (l, b, steps) = (input.l, input.b, input.c - 1);
        let mut tape = Tape {
            l,
            b,
            gates: vec![0.0; steps * l * SLOTS * b],
            probabilities: vec![0.0; steps * b],
            loss: 0.0,
        };
        let mut memory = input.state.clone();
        let mut layer_input = vec![0.0; b];
        let mut total = 0.0;
        for t in 0..steps {
            let characters = &input.sequence[t * b..(t + 1) * b];
            for ((value, x), w) in layer_input
                .iter_mut()
                .zip(characters)
                .zip(&input.extra_params)
            {
                *value = x * w;
            }
            for layer in 0..l {
                tape.record_layer(input, &mut memory, &mut layer_input, t, layer);
            }
            let gold = &input.sequence[(t + 1) * b..(t + 2) * b];
            total += tape.record_prediction(input, &layer_input, gold, t);
        }
        tape.loss = -total / (steps * b) as f64;
        tape
    }

    fn slot(&self, t: usize, layer: usize, slot: Slot) -> std::ops::Range<usize> {
        let start = ((t * self.l + layer) * SLOTS + slot as usize) * self.b;
        start..start + self.b
    }

    /// Runs one layer at step `t`, replacing `layer_input` by its new hidden state.
    fn record_layer(
        &mut self,
        input: &LstmInput,
        memory: &mut [f64],
        layer_input: &mut [f64],
        t: usize,
        layer: usize,
    ) {
        let b = self.b;
        let weights = &input.main_params[8 * layer * b..(8 * layer + 4) * b];
        let biases = &input.main_params[(8 * layer + 4) * b..(8 * layer + 8) * b];
        let (hidden, cell) = memory[2 * layer * b..(2 * layer + 2) * b].split_at_mut(b);
        let base = self.slot(t, layer, Slot::Input).start;
        let record = &mut self.gates[base..base + SLOTS * b];
        for j in 0..b {
            let gate = |g: usize, x: f64| x * weights[g * b + j] + biases[g * b + j];
            let forget = sigmoid(gate(0, layer_input[j]));
            let ingate = sigmoid(gate(1, hidden[j]));
            let outgate = sigmoid(gate(2, layer_input[j]));
            let change = gate(3, hidden[j]).tanh();
            let new_cell = cell[j] * forget + ingate * change;
            let cell_tanh = new_cell.tanh();
            let values = [
                layer_input[j],
                hidden[j],
                cell[j],
                forget,
                ingate,
                outgate,
                change,
                cell_tanh,
            ];
            for (slot, value) in values.into_iter().enumerate() {
                record[slot * b + j] = value;
            }
            cell[j] = new_cell;
            hidden[j] = outgate * cell_tanh;
            layer_input[j] = hidden[j];
        }
    }

    /// Records the prediction's softmax weights and returns `sum_j gold_j (y_j - lse)`.
    fn record_prediction(&mut self, input: &LstmInput, top: &[f64], gold: &[f64], t: usize) -> f64 {
        let b = self.b;
        let probabilities = &mut self.probabilities[t * b..(t + 1) * b];
        let mut sum_exp = 0.0;
        for j in 0..b {
            let y = top[j] * input.extra_params[b + j] + input.extra_params[2 * b + j];
            probabilities[j] = y;
            sum_exp += y.exp();
        }
        let lse = (sum_exp + 2.0).ln();
        let mut step = 0.0;
        for (y, gold) in probabilities.iter_mut().zip(gold) {
            step += gold * (*y - lse);
            *y = (*y - lse).exp();
        }
        step
    }

    fn reverse(&self, input: &LstmInput, grad: &mut LstmGradient) {
        let (l, b, steps) = (self.l, self.b, input.c - 1);
        let scale = 1.0 / (steps * b) as f64;
        let mut hidden_bar = vec![0.0; l * b];
        let mut cell_bar = vec![0.0; l * b];
        let mut input_bar = vec![0.0; b];
        for t in (0..steps).rev() {
            self.reverse_prediction(input, t, scale, &mut input_bar, grad);
            for layer in (0..l).rev() {
                let state_bar = (
                    &mut hidden_bar[layer * b..(layer + 1) * b],
                    &mut cell_bar[layer * b..(layer + 1) * b],
                );
                self.reverse_layer(input, t, layer, state_bar, &mut input_bar, grad);
            }
            let characters = &input.sequence[t * b..(t + 1) * b];
            for ((g, x), bar) in grad.extra_params[..b]
                .iter_mut()
                .zip(characters)
                .zip(&input_bar)
            {
                *g += bar * x;
            }
        }
    }

    /// From `loss += -scale sum_j gold_j (y_j - lse)` with `y = h w_out + b_out`: adds the
    /// output weight and bias gradient and sets `top_bar` to the adjoint of the top layer.
    fn reverse_prediction(
        &self,
        input: &LstmInput,
        t: usize,
        scale: f64,
        top_bar: &mut [f64],
        grad: &mut LstmGradient,
    ) {
        let b = self.b;
        let gold = &input.sequence[(t + 1) * b..(t + 2) * b];
        let gold_sum: f64 = gold.iter().sum();
        let probabilities = &self.probabilities[t * b..(t + 1) * b];
        let top_layer = self.l - 1;
        let outgate = &self.gates[self.slot(t, top_layer, Slot::Outgate)];
        let cell_tanh = &self.gates[self.slot(t, top_layer, Slot::CellTanh)];
        let (output_weight_bar, output_bias_bar) = grad.extra_params[b..].split_at_mut(b);
        for j in 0..b {
            // d lse / d y_j is the recorded probability.
            let y_bar = -scale * (gold[j] - gold_sum * probabilities[j]);
            output_weight_bar[j] += y_bar * outgate[j] * cell_tanh[j];
            output_bias_bar[j] += y_bar;
            top_bar[j] = y_bar * input.extra_params[b + j];
        }
    }

    /// Reverses one layer at step `t`. On entry `input_bar` holds the adjoint of the
    /// layer's new hidden state from above and `state_bar` the adjoints of its new state
    /// from step `t + 1`; on exit they hold the adjoints of its input and its old state.
    fn reverse_layer(
        &self,
        input: &LstmInput,
        t: usize,
        layer: usize,
        state_bar: (&mut [f64], &mut [f64]),
        input_bar: &mut [f64],
        grad: &mut LstmGradient,
    ) {
        let b = self.b;
        let (hidden_bar, cell_bar) = state_bar;
        let base = self.slot(t, layer, Slot::Input).start;
        let record = &self.gates[base..base + SLOTS * b];
        let weights = &input.main_params[8 * layer * b..(8 * layer + 4) * b];
        let (weights_bar, biases_bar) =
            grad.main_params[8 * layer * b..(8 * layer + 8) * b].split_at_mut(4 * b);
        let value = |slot: Slot, j: usize| record[slot as usize * b + j];
        for j in 0..b {
            let (x, old_hidden) = (value(Slot::Input, j), value(Slot::OldHidden, j));
            let (forget, ingate) = (value(Slot::Forget, j), value(Slot::Ingate, j));
            let (outgate, change) = (value(Slot::Outgate, j), value(Slot::Change, j));
            let cell_tanh = value(Slot::CellTanh, j);

            let new_hidden_bar = hidden_bar[j] + input_bar[j];
            let new_cell_bar =
                cell_bar[j] + new_hidden_bar * outgate * (1.0 - cell_tanh * cell_tanh);
            cell_bar[j] = new_cell_bar * forget;

            // Adjoints of the four pre-activations, in the order of the parameter rows.
            let pre_bar = [
                new_cell_bar * value(Slot::OldCell, j) * forget * (1.0 - forget),
                new_cell_bar * change * ingate * (1.0 - ingate),
                new_hidden_bar * cell_tanh * outgate * (1.0 - outgate),
                new_cell_bar * ingate * (1.0 - change * change),
            ];
            let gate_inputs = [x, old_hidden, x, old_hidden];
            for g in 0..4 {
                weights_bar[g * b + j] += pre_bar[g] * gate_inputs[g];
                biases_bar[g * b + j] += pre_bar[g];
            }
            input_bar[j] = pre_bar[0] * weights[j] + pre_bar[2] * weights[2 * b + j];
            hidden_bar[j] = pre_bar[1] * weights[b + j] + pre_bar[3] * weights[3 * b + j];
        }
    }
}
