mod error;
mod parse;
mod value;

use std::io::{self, Read};
use std::process::ExitCode;

use crate::parse::parse;

fn main() -> ExitCode {
    let mut input = String::new();
    if let Err(err) = io::stdin().read_to_string(&mut input) {
        eprintln!("tinyjson: cannot read stdin: {err}");
        return ExitCode::FAILURE;
    }
    match parse(&input) {
        Ok(value) => {
            println!("{}", value.pretty());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("tinyjson: {err}");
            ExitCode::FAILURE
        }
    }
}
