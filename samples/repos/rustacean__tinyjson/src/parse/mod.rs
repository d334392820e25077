//! Turning text into tokens, and tokens into values.

pub mod lexer;
mod parser;

pub use parser::parse;
