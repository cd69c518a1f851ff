//! Bundle adjustment reprojection error (ADBench's BA problem), one observation at a time.
//!
//! A camera is 11 numbers, `[r (3, Rodrigues rotation), C (3, centre), f, u0, v0, k1, k2]`;
//! a point is 3 numbers. The Jacobian of one observation's two residuals is a 2x15 block
//! over `[camera (11), point (3), weight (1)]`, stored column-major like ADBench's:
//! entry `(row, column)` at `2 * column + row`.

use super::parse::{Numbers, ParseError};
use grad_runtime::differentiate;

/// Numbers per camera.
pub const CAMERA_LEN: usize = 11;
/// Numbers per point.
pub const POINT_LEN: usize = 3;
/// Columns of one observation's Jacobian block: camera, point, weight.
pub const BLOCK_COLUMNS: usize = CAMERA_LEN + POINT_LEN + 1;

const FOCAL: usize = 6;
const PRINCIPAL_U: usize = 7;
const DISTORTION_1: usize = 9;
const DISTORTION_2: usize = 10;

/// A BA problem as stored in an ADBench `ba` file: one camera, point, weight and feature,
/// which observation `i` uses as camera `i mod n` and point `i mod m`.
#[derive(Debug, Clone, PartialEq)]
pub struct BaInput {
    /// Number of cameras.
    pub n: usize,
    /// Number of points.
    pub m: usize,
    /// Number of observations.
    pub p: usize,
    /// The camera, [`CAMERA_LEN`] numbers.
    pub cam: Vec<f64>,
    /// The point, [`POINT_LEN`] numbers.
    pub x: Vec<f64>,
    /// The observation's weight.
    pub w: f64,
    /// The observed feature, two image coordinates.
    pub feat: Vec<f64>,
}

impl BaInput {
    /// Reads the text of an ADBench BA file (format in `data/adbench/README.md`).
    ///
    /// ```
    /// use grad::adbench::ba::BaInput;
    ///
    /// let text = std::fs::read_to_string(grad::adbench::data_path("ba/test.txt")).unwrap();
    /// let input = BaInput::parse(&text).unwrap();
    /// assert_eq!((input.n, input.m, input.p), (2, 10, 10));
    /// ```
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let mut numbers = Numbers::new(text);
        let input = BaInput {
            n: numbers.usize()?,
            m: numbers.usize()?,
            p: numbers.usize()?,
            cam: numbers.f64s(CAMERA_LEN)?,
            x: numbers.f64s(POINT_LEN)?,
            w: numbers.f64()?,
            feat: numbers.f64s(2)?,
        };
        numbers.finish()?;
        Ok(input)
    }
}

/// The weighted reprojection error `w (proj(cam, x) - feat)` of one observation, in the
/// subset `#[differentiate]` accepts.
///
/// The rotation is Rodrigues' formula `Xcam = Xo cos t + (v x Xo) sin t + v (v . Xo)(1 - cos t)`
/// with `t = |r|`, `v = r / t`; at `r = 0` it becomes its first-order form
/// `Xo + r x Xo`, which has the right value and derivative there. The attribute generates
/// `ba_reprojection_error_adjoint`, whose seed `&[f64; 2]` weighs the two residuals: seeding
/// one residual at a time gives the rows of the 2x15 block.
#[differentiate(wrt(cam, x, w))]
pub fn ba_reprojection_error(cam: &[f64], x: &[f64], w: f64, feat: &[f64]) -> [f64; 2] {
    let xo0 = x[0] - cam[3];
    let xo1 = x[1] - cam[4];
    let xo2 = x[2] - cam[5];
    let t2 = cam[0] * cam[0] + cam[1] * cam[1] + cam[2] * cam[2];
    let mut xcam = [0.0; 3];
    if t2 != 0.0 {
        let t = t2.sqrt();
        let cos = t.cos();
        let sin = t.sin();
        let v0 = cam[0] / t;
        let v1 = cam[1] / t;
        let v2 = cam[2] / t;
        let along = (v0 * xo0 + v1 * xo1 + v2 * xo2) * (1.0 - cos);
        xcam[0] = xo0 * cos + (v1 * xo2 - v2 * xo1) * sin + v0 * along;
        xcam[1] = xo1 * cos + (v2 * xo0 - v0 * xo2) * sin + v1 * along;
        xcam[2] = xo2 * cos + (v0 * xo1 - v1 * xo0) * sin + v2 * along;
    } else {
        xcam[0] = xo0 + (cam[1] * xo2 - cam[2] * xo1);
        xcam[1] = xo1 + (cam[2] * xo0 - cam[0] * xo2);
        xcam[2] = xo2 + (cam[0] * xo1 - cam[1] * xo0);
    }

    let p0 = xcam[0] / xcam[2];
    let p1 = xcam[1] / xcam[2];
    let rsq = p0 * p0 + p1 * p1;
    let distortion = 1.0 + cam[9] * rsq + cam[10] * rsq * rsq;
    [
        w * (p0 * distortion * cam[6] + cam[7] - feat[0]),
        w * (p1 * distortion * cam[6] + cam[8] - feat[1]),
    ]
}

/// The weight's residual `1 - w^2`, which keeps the weights near one.
#[differentiate]
pub fn ba_weight_error(w: f64) -> f64 {
    1.0 - w * w
}

/// The hand-written derivative of [`ba_weight_error`].
pub fn ba_weight_error_derivative(w: f64) -> f64 {
    -2.0 * w
}

/// One observation's residuals and their 2x15 Jacobian block (column-major).
#[derive(Debug, Clone, PartialEq)]
pub struct BaBlock {
    /// `w (proj - feat)`.
    pub residual: [f64; 2],
    /// `d residual[row] / d column` at `2 * column + row`, columns
    /// `[camera (11), point (3), weight (1)]`.
    pub jacobian: [f64; 2 * BLOCK_COLUMNS],
}

/// The hand-written derivative of [`ba_reprojection_error`]: one forward sweep keeping its
/// intermediates, then one cheap reverse sweep per residual.
///
/// ```
/// use grad::adbench::ba::{ba_block, ba_reprojection_error, BaInput};
///
/// let text = std::fs::read_to_string(grad::adbench::data_path("ba/test.txt")).unwrap();
/// let input = BaInput::parse(&text).unwrap();
/// let block = ba_block(&input.cam, &input.x, input.w, &input.feat);
/// let residual = ba_reprojection_error(&input.cam, &input.x, input.w, &input.feat);
/// assert!((block.residual[0] - residual[0]).abs() < 1e-12);
/// ```
pub fn ba_block(cam: &[f64], x: &[f64], w: f64, feat: &[f64]) -> BaBlock {
    let sweep = ProjectionSweep::forward(cam, x);
    let mut block = BaBlock {
        residual: [0.0; 2],
        jacobian: [0.0; 2 * BLOCK_COLUMNS],
    };
    for (row, target) in feat.iter().enumerate().take(2) {
        let miss = sweep.proj[row] - target;
        block.residual[row] = w * miss;
        let gradient = sweep.reverse(cam, w, row);
        for (column, value) in gradient.iter().enumerate() {
            block.jacobian[2 * column + row] = *value;
        }
        block.jacobian[2 * (BLOCK_COLUMNS - 1) + row] = miss;
    }
    block
}

type Vec3 = [f64; 3];

/// The intermediates of the projection that the reverse sweeps read.
struct ProjectionSweep {
    rotation: Rotation,
    /// `1 / Xcam[2]`.
    inv_z: f64,
    /// The normalised image point `Xcam[0..2] / Xcam[2]`.
    p: [f64; 2],
    rsq: f64,
    distortion: f64,
    proj: [f64; 2],
}

impl ProjectionSweep {
    fn forward(cam: &[f64], x: &[f64]) -> Self {
        let xo = [x[0] - cam[3], x[1] - cam[4], x[2] - cam[5]];
        let rotation = Rotation::new([cam[0], cam[1], cam[2]], xo);
        let xcam = rotation.apply();
        let inv_z = 1.0 / xcam[2];
        let p = [xcam[0] * inv_z, xcam[1] * inv_z];
        let rsq = p[0] * p[0] + p[1] * p[1];
        let distortion = 1.0 + cam[DISTORTION_1] * rsq + cam[DISTORTION_2] * rsq * rsq;
        let scale = distortion * cam[FOCAL];
        let proj = [
            p[0] * scale + cam[PRINCIPAL_U],
            p[1] * scale + cam[PRINCIPAL_U + 1],
        ];
        ProjectionSweep {
            rotation,
            inv_z,
            p,
            rsq,
            distortion,
            proj,
        }
    }

    /// The derivatives of `w proj[row]` with respect to the camera and the point.
    fn reverse(&self, cam: &[f64], w: f64, row: usize) -> [f64; CAMERA_LEN + POINT_LEN] {
        let mut out = [0.0; CAMERA_LEN + POINT_LEN];
        let focal = cam[FOCAL];
        let distortion_bar = w * focal * self.p[row];
        out[FOCAL] = w * self.distortion * self.p[row];
        out[PRINCIPAL_U + row] = w;
        out[DISTORTION_1] = distortion_bar * self.rsq;
        out[DISTORTION_2] = distortion_bar * self.rsq * self.rsq;

        // d distortion / d p_j = 2 p_j (k1 + 2 k2 |p|^2).
        let slope = 2.0 * (cam[DISTORTION_1] + 2.0 * cam[DISTORTION_2] * self.rsq);
        let mut p_bar = [self.p[0], self.p[1]];
        for value in &mut p_bar {
            *value *= distortion_bar * slope;
        }
        p_bar[row] += w * focal * self.distortion;

        // p = Xcam[0..2] / Xcam[2].
        let xcam_bar = [
            p_bar[0] * self.inv_z,
            p_bar[1] * self.inv_z,
            -(p_bar[0] * self.p[0] + p_bar[1] * self.p[1]) * self.inv_z,
        ];
        let (r_bar, xo_bar) = self.rotation.reverse(xcam_bar);
        for i in 0..3 {
            out[i] = r_bar[i];
            out[3 + i] = -xo_bar[i];
            out[CAMERA_LEN + i] = xo_bar[i];
        }
        out
    }
}

/// Rodrigues' rotation of `xo` by `r`, with what its reverse sweep needs.
struct Rotation {
    r: Vec3,
    xo: Vec3,
    /// `|r|`; when it is zero the other fields are unused.
    t: f64,
    inv_t: f64,
    /// The unit axis `r / |r|`.
    v: Vec3,
    cos: f64,
    sin: f64,
    /// `v x Xo` and `v . Xo`, shared by the rotation and its reverse.
    turned: Vec3,
    v_dot_xo: f64,
}

impl Rotation {
    fn new(r: Vec3, xo: Vec3) -> Self {
        let t = dot(r, r).sqrt();
        let inv_t = 1.0 / t;
        let v = [r[0] * inv_t, r[1] * inv_t, r[2] * inv_t];
        let (sin, cos) = t.sin_cos();
        Rotation {
            r,
            xo,
            t,
            inv_t,
            v,
            cos,
            sin,
            turned: cross(v, xo),
            v_dot_xo: dot(v, xo),
        }
    }

    fn apply(&self) -> Vec3 {
        if self.t == 0.0 {
            return add(self.xo, cross(self.r, self.xo));
        }
        let along = self.v_dot_xo * (1.0 - self.cos);
        combine(self.cos, self.xo, self.sin, self.turned, along, self.v)
    }

    /// Given the adjoint `g` of the rotated point, returns the adjoints of `r` and `xo`.
    fn reverse(&self, g: Vec3) -> (Vec3, Vec3) {
        if self.t == 0.0 {
            // Xcam = Xo + r x Xo, and (r x Xo) . g = r . (Xo x g) = Xo . (g x r).
            return (cross(self.xo, g), add(g, cross(g, self.r)));
        }
        let (v, xo, cos, sin) = (self.v, self.xo, self.cos, self.sin);
        let v_dot_g = dot(v, g);

        // xo_bar is R^T g.
        let xo_bar = combine(cos, g, sin, cross(g, v), (1.0 - cos) * v_dot_g, v);

        let cos_bar = dot(xo, g) - self.v_dot_xo * v_dot_g;
        let sin_bar = dot(self.turned, g);
        let t_bar = -sin * cos_bar + cos * sin_bar;
        let v_bar = combine(
            sin,
            cross(xo, g),
            (1.0 - cos) * self.v_dot_xo,
            g,
            (1.0 - cos) * v_dot_g,
            xo,
        );

        // v = r / t and t = |r|: r_bar = (v_bar - (v_bar . v) v) / t + t_bar v.
        let radial = dot(v_bar, v);
        let r_bar = combine(self.inv_t, v_bar, t_bar - radial * self.inv_t, v, 0.0, v);
        (r_bar, xo_bar)
    }
}

fn dot(a: Vec3, b: Vec3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: Vec3, b: Vec3) -> Vec3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn add(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

/// `a x + b y + c z`.
fn combine(a: f64, x: Vec3, b: f64, y: Vec3, c: f64, z: Vec3) -> Vec3 {
    [
        a * x[0] + b * y[0] + c * z[0],
        a * x[1] + b * y[1] + c * z[1],
        a * x[2] + b * y[2] + c * z[2],
    ]
}
