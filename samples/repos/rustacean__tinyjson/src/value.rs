use std::collections::BTreeMap;
use std::fmt::{self, Write};

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Value>),
    Object(BTreeMap<String, Value>),
}

impl Value {
    /// Render with two-space indentation.
    pub fn pretty(&self) -> String {
        let mut out = String::new();
        self.write_pretty(&mut out, 0).expect("writing to a String cannot fail");
        out
    }

    fn write_pretty(&self, out: &mut String, depth: usize) -> fmt::Result {
        let pad = "  ".repeat(depth + 1);
        match self {
            Value::Null => out.write_str("null"),
            Value::Bool(b) => write!(out, "{b}"),
            Value::Number(n) => write!(out, "{n}"),
            Value::String(s) => write!(out, "{s:?}"),
            Value::Array(items) if items.is_empty() => out.write_str("[]"),
            Value::Array(items) => {
                out.write_str("[\n")?;
                for (i, item) in items.iter().enumerate() {
                    out.write_str(&pad)?;
                    item.write_pretty(out, depth + 1)?;
                    out.write_str(if i + 1 < items.len() { ",\n" } else { "\n" })?;
                }
                write!(out, "{}]", "  ".repeat(depth))
            }
            Value::Object(map) if map.is_empty() => out.write_str("{}"),
            Value::Object(map) => {
                out.write_str("{\n")?;
                for (i, (key, item)) in map.iter().enumerate() {
                    write!(out, "{pad}{key:?}: ")?;
                    item.write_pretty(out, depth + 1)?;
                    out.write_str(if i + 1 < map.len() { ",\n" } else { "\n" })?;
                }
                write!(out, "{}}}", "  ".repeat(depth))
            }
        }
    }
}
