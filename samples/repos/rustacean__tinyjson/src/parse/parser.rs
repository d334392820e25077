use std::collections::BTreeMap;

use super::lexer::{tokenize, Token};
use crate::error::{Error, Position, Result};
use crate::value::Value;

struct Parser {
    tokens: Vec<(Token, Position)>,
    next: usize,
}

impl Parser {
    fn bump(&mut self) -> Result<(Token, Position)> {
        let item = self.tokens.get(self.next).cloned().ok_or(Error::UnexpectedEnd)?;
        self.next += 1;
        Ok(item)
    }

    fn expect(&mut self, wanted: Token) -> Result<()> {
        let (token, pos) = self.bump()?;
        if token == wanted {
            Ok(())
        } else {
            Err(Error::UnexpectedToken(format!("{token:?}"), pos))
        }
    }

    fn value(&mut self) -> Result<Value> {
        let (token, pos) = self.bump()?;
        Ok(match token {
            Token::Null => Value::Null,
            Token::Bool(b) => Value::Bool(b),
            Token::Num(n) => Value::Number(n),
            Token::Str(s) => Value::String(s),
            Token::LBracket => {
                let mut items = Vec::new();
                if self.tokens.get(self.next).map(|t| &t.0) == Some(&Token::RBracket) {
                    self.next += 1;
                    return Ok(Value::Array(items));
                }
                loop {
                    items.push(self.value()?);
                    match self.bump()? {
                        (Token::Comma, _) => continue,
                        (Token::RBracket, _) => break Value::Array(items),
                        (other, p) => return Err(Error::UnexpectedToken(format!("{other:?}"), p)),
                    }
                }
            }
            Token::LBrace => {
                let mut map = BTreeMap::new();
                if self.tokens.get(self.next).map(|t| &t.0) == Some(&Token::RBrace) {
                    self.next += 1;
                    return Ok(Value::Object(map));
                }
                loop {
                    let key = match self.bump()? {
                        (Token::Str(s), _) => s,
                        (other, p) => return Err(Error::UnexpectedToken(format!("{other:?}"), p)),
                    };
                    self.expect(Token::Colon)?;
                    map.insert(key, self.value()?);
                    match self.bump()? {
                        (Token::Comma, _) => continue,
                        (Token::RBrace, _) => break Value::Object(map),
                        (other, p) => return Err(Error::UnexpectedToken(format!("{other:?}"), p)),
                    }
                }
            }
            other => return Err(Error::UnexpectedToken(format!("{other:?}"), pos)),
        })
    }
}

/// Parse a complete JSON document; trailing tokens are an error.
pub fn parse(input: &str) -> Result<Value> {
    let mut parser = Parser { tokens: tokenize(input)?, next: 0 };
    let value = parser.value()?;
    match parser.tokens.get(parser.next) {
        None => Ok(value),
        Some((token, pos)) => Err(Error::UnexpectedToken(format!("{token:?}"), *pos)),
    }
}
