//! A small hand-written SVG chart (axes, ticks, lines, points, shaded cells, a legend) for the
//! examples, so that they need neither a plotting crate nor system fonts.
#![allow(dead_code)] // Each example uses only part of the chart's vocabulary.

use std::fmt::Write as _;
use std::path::Path;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 440.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 55.0;

/// One of a handful of colours that stay apart for readers with common colour blindness.
pub const BLUE: &str = "#1f77b4";
pub const ORANGE: &str = "#e8710a";
pub const GREEN: &str = "#2ca02c";
pub const GREY: &str = "#7f7f7f";

/// A chart in data coordinates; the elements are SVG fragments in drawing order.
pub struct Chart {
    title: String,
    x_label: String,
    y_label: String,
    x_range: (f64, f64),
    y_range: (f64, f64),
    log_y: bool,
    body: String,
    legend: Vec<(String, String)>,
}

impl Chart {
    /// A chart showing `x_range × y_range`; with `log_y` the vertical axis is logarithmic and
    /// `y_range` must be positive.
    pub fn new(title: &str, x_range: (f64, f64), y_range: (f64, f64), log_y: bool) -> Self {
        Chart {
            title: title.to_owned(),
            x_label: String::new(),
            y_label: String::new(),
            x_range,
            y_range,
            log_y,
            body: String::new(),
            legend: Vec::new(),
        }
    }

    pub fn labels(mut self, x_label: &str, y_label: &str) -> Self {
        self.x_label = x_label.to_owned();
        self.y_label = y_label.to_owned();
        self
    }

    /// A polyline through `points`, dashed if asked, with an entry in the legend.
    pub fn line(&mut self, points: &[(f64, f64)], color: &str, dashed: bool, name: &str) {
        let mut path = String::new();
        for &(x, y) in points {
            let (px, py) = self.to_pixels(x, y);
            let _ = write!(path, "{px:.2},{py:.2} ");
        }
        let dash = if dashed {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let _ = writeln!(
            self.body,
            r#"<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"{dash}/>"#
        );
        self.legend.push((color.to_owned(), name.to_owned()));
    }

    /// Dots at `points`, with an entry in the legend.
    pub fn points(&mut self, points: &[(f64, f64)], color: &str, radius: f64, name: &str) {
        for &(x, y) in points {
            let (px, py) = self.to_pixels(x, y);
            let _ = writeln!(
                self.body,
                r#"<circle cx="{px:.2}" cy="{py:.2}" r="{radius}" fill="{color}" stroke="white" stroke-width="0.5"/>"#
            );
        }
        self.legend.push((color.to_owned(), name.to_owned()));
    }

    /// A translucent rectangle between two corners in data coordinates: one cell of a map.
    pub fn cell(&mut self, corner: (f64, f64), opposite: (f64, f64), color: &str, opacity: f64) {
        let (x0, y0) = self.to_pixels(corner.0, corner.1);
        let (x1, y1) = self.to_pixels(opposite.0, opposite.1);
        let _ = writeln!(
            self.body,
            r#"<rect x="{:.2}" y="{:.2}" width="{:.2}" height="{:.2}" fill="{color}" fill-opacity="{opacity:.3}" shape-rendering="crispEdges"/>"#,
            x0.min(x1),
            y0.min(y1),
            (x1 - x0).abs(),
            (y1 - y0).abs(),
        );
    }

    /// Writes the chart to `path`, creating its directory.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, self.render())
    }

    fn render(&self) -> String {
        let mut svg = String::new();
        let _ = writeln!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
        );
        let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="24" text-anchor="middle" font-size="15">{}</text>"#,
            WIDTH / 2.0,
            escape(&self.title)
        );
        // Data outside the ranges is clipped to the plotting area rather than drawn over the
        // axes.
        let _ = writeln!(
            svg,
            r#"<clipPath id="area"><rect x="{LEFT}" y="{TOP}" width="{}" height="{}"/></clipPath>"#,
            WIDTH - LEFT - RIGHT,
            HEIGHT - TOP - BOTTOM
        );
        let _ = writeln!(svg, r#"<g clip-path="url(#area)">"#);
        svg.push_str(&self.body);
        svg.push_str("</g>\n");
        self.render_axes(&mut svg);
        self.render_legend(&mut svg);
        svg.push_str("</svg>\n");
        svg
    }

    fn render_axes(&self, svg: &mut String) {
        let (right, bottom) = (WIDTH - RIGHT, HEIGHT - BOTTOM);
        let _ = writeln!(
            svg,
            r#"<rect x="{LEFT}" y="{TOP}" width="{}" height="{}" fill="none" stroke="black"/>"#,
            right - LEFT,
            bottom - TOP
        );
        for x in ticks(self.x_range.0, self.x_range.1) {
            let (px, _) = self.to_pixels(x, self.y_range.0);
            let _ = writeln!(
                svg,
                r#"<line x1="{px:.2}" y1="{bottom}" x2="{px:.2}" y2="{}" stroke="black"/><text x="{px:.2}" y="{}" text-anchor="middle">{}</text>"#,
                bottom + 5.0,
                bottom + 18.0,
                tick_label(x)
            );
        }
        for y in self.y_ticks() {
            let (_, py) = self.to_pixels(self.x_range.0, y);
            let _ = writeln!(
                svg,
                r#"<line x1="{}" y1="{py:.2}" x2="{LEFT}" y2="{py:.2}" stroke="black"/><text x="{}" y="{:.2}" text-anchor="end">{}</text>"#,
                LEFT - 5.0,
                LEFT - 8.0,
                py + 4.0,
                tick_label(y)
            );
        }
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
            (LEFT + right) / 2.0,
            HEIGHT - 15.0,
            escape(&self.x_label)
        );
        let _ = writeln!(
            svg,
            r#"<text x="18" y="{0}" text-anchor="middle" transform="rotate(-90 18 {0})">{1}</text>"#,
            (TOP + bottom) / 2.0,
            escape(&self.y_label)
        );
    }

    fn render_legend(&self, svg: &mut String) {
        let x = WIDTH - RIGHT - 190.0;
        let rows = self.legend.len() as f64;
        let _ = writeln!(
            svg,
            r#"<rect x="{}" y="{}" width="186" height="{}" fill="white" fill-opacity="0.85"/>"#,
            x - 6.0,
            TOP + 2.0,
            18.0 * rows + 6.0
        );
        for (row, (color, name)) in self.legend.iter().enumerate() {
            let y = TOP + 16.0 + 18.0 * row as f64;
            let _ = writeln!(
                svg,
                r#"<rect x="{x}" y="{}" width="12" height="12" fill="{color}"/><text x="{}" y="{}">{}</text>"#,
                y - 10.0,
                x + 18.0,
                y,
                escape(name)
            );
        }
    }

    fn y_ticks(&self) -> Vec<f64> {
        if !self.log_y {
            return ticks(self.y_range.0, self.y_range.1);
        }
        let (low, high) = (
            self.y_range.0.log10().floor(),
            self.y_range.1.log10().ceil(),
        );
        let decades = (low as i32)..=(high as i32);
        decades
            .map(|e| 10f64.powi(e))
            .filter(|&t| t >= self.y_range.0 && t <= self.y_range.1)
            .collect()
    }

    fn to_pixels(&self, x: f64, y: f64) -> (f64, f64) {
        let fx = (x - self.x_range.0) / (self.x_range.1 - self.x_range.0);
        let fy = if self.log_y {
            let (low, high) = (self.y_range.0.ln(), self.y_range.1.ln());
            (y.max(self.y_range.0).ln() - low) / (high - low)
        } else {
            (y - self.y_range.0) / (self.y_range.1 - self.y_range.0)
        };
        let px = LEFT + fx * (WIDTH - LEFT - RIGHT);
        let py = HEIGHT - BOTTOM - fy * (HEIGHT - TOP - BOTTOM);
        (px, py)
    }
}

/// Round tick positions covering `[low, high]`: steps of 1, 2 or 5 times a power of ten,
/// about six of them.
fn ticks(low: f64, high: f64) -> Vec<f64> {
    let rough = (high - low) / 6.0;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|&s| s >= rough)
        .unwrap_or(10.0 * power);
    let first = (low / step).ceil() as i64;
    let last = (high / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

fn tick_label(value: f64) -> String {
    if value != 0.0 && (value.abs() < 1e-2 || value.abs() >= 1e4) {
        format!("{value:.0e}")
    } else {
        // Ticks are multiples of a round step, so a short rendering is exact enough.
        let text = format!("{value:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
