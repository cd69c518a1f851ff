//! Readers of ADBench's whitespace-separated text files.

use std::fmt;

/// Why an ADBench file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    message: String,
}

impl ParseError {
    fn new(message: String) -> Self {
        ParseError { message }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParseError {}

/// A cursor over the whitespace-separated numbers of a file.
///
/// ADBench's formats are defined by the order of their numbers, not by their line
/// breaks (the LSTM files separate sections with blank lines), so the reader ignores
/// line structure entirely.
pub struct Numbers<'a> {
    tokens: std::str::SplitWhitespace<'a>,
    read: usize,
}

impl<'a> Numbers<'a> {
    /// Starts reading at the beginning of `text`.
    pub fn new(text: &'a str) -> Self {
        Numbers {
            tokens: text.split_whitespace(),
            read: 0,
        }
    }

    /// Reads the next number as a count or size.
    pub fn usize(&mut self) -> Result<usize, ParseError> {
        let token = self.token("an integer")?;
        token
            .parse()
            .map_err(|_| self.error(format!("expected an integer, found `{token}`")))
    }

    /// Reads the next number as a float.
    pub fn f64(&mut self) -> Result<f64, ParseError> {
        let token = self.token("a number")?;
        token
            .parse()
            .map_err(|_| self.error(format!("expected a number, found `{token}`")))
    }

    /// Reads the next `count` floats.
    pub fn f64s(&mut self, count: usize) -> Result<Vec<f64>, ParseError> {
        (0..count).map(|_| self.f64()).collect()
    }

    /// Fails unless every number has been read, so a wrong size cannot go unnoticed.
    pub fn finish(mut self) -> Result<(), ParseError> {
        match self.tokens.next() {
            None => Ok(()),
            Some(token) => Err(self.error(format!("unexpected trailing `{token}`"))),
        }
    }

    fn token(&mut self, wanted: &str) -> Result<&'a str, ParseError> {
        self.read += 1;
        let read = self.read;
        self.tokens.next().ok_or_else(|| {
            ParseError::new(format!("token {read}: expected {wanted}, found the end"))
        })
    }

    fn error(&self, message: String) -> ParseError {
        ParseError::new(format!("token {}: {message}", self.read))
    }
}

/// Reads every number of a reference file, skipping the lines that start with `#`.
///
/// ```
/// use grad::adbench::parse::reference_values;
///
/// let values = reference_values("# objective\n1.5\n# gradient\n2\n-3e-1\n").unwrap();
/// assert_eq!(values, [1.5, 2.0, -0.3]);
/// ```
pub fn reference_values(text: &str) -> Result<Vec<f64>, ParseError> {
    let data = text
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    let mut numbers = Numbers::new(&data);
    let mut values = Vec::new();
    while numbers.tokens.clone().next().is_some() {
        values.push(numbers.f64()?);
    }
    Ok(values)
}
