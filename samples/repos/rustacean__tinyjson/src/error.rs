use std::fmt;

/// Where in the input something went wrong (1-based line and column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    UnexpectedChar(char, Position),
    UnexpectedEnd,
    UnexpectedToken(String, Position),
    InvalidNumber(String, Position),
    InvalidEscape(char, Position),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnexpectedChar(c, p) => write!(f, "unexpected {c:?} at {}:{}", p.line, p.column),
            Error::UnexpectedEnd => write!(f, "unexpected end of input"),
            Error::UnexpectedToken(t, p) => write!(f, "unexpected token {t} at {}:{}", p.line, p.column),
            Error::InvalidNumber(n, p) => write!(f, "invalid number {n:?} at {}:{}", p.line, p.column),
            Error::InvalidEscape(c, p) => write!(f, "invalid escape \\{c} at {}:{}", p.line, p.column),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
