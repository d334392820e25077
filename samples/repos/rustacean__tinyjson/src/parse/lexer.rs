use crate::error::{Error, Position, Result};

#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Colon,
    Comma,
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
}

pub fn tokenize(input: &str) -> Result<Vec<(Token, Position)>> {
    let mut tokens = Vec::new();
    let mut chars = input.char_indices().peekable();
    let (mut line, mut column) = (1, 1);
    while let Some(&(start, c)) = chars.peek() {
        let pos = Position { line, column };
        let single = match c {
            '{' => Some(Token::LBrace),
            '}' => Some(Token::RBrace),
            '[' => Some(Token::LBracket),
            ']' => Some(Token::RBracket),
            ':' => Some(Token::Colon),
            ',' => Some(Token::Comma),
            _ => None,
        };
        if let Some(token) = single {
            tokens.push((token, pos));
            chars.next();
            column += 1;
        } else if c == '\n' {
            chars.next();
            line += 1;
            column = 1;
        } else if c.is_whitespace() {
            chars.next();
            column += 1;
        } else if c == '"' {
            chars.next();
            let mut text = String::new();
            loop {
                match chars.next() {
                    None => return Err(Error::UnexpectedEnd),
                    Some((_, '"')) => break,
                    Some((_, '\\')) => match chars.next() {
                        Some((_, 'n')) => text.push('\n'),
                        Some((_, 't')) => text.push('\t'),
                        Some((_, e @ ('"' | '\\' | '/'))) => text.push(e),
                        Some((_, e)) => return Err(Error::InvalidEscape(e, pos)),
                        None => return Err(Error::UnexpectedEnd),
                    },
                    Some((_, ch)) => text.push(ch),
                }
            }
            column += text.chars().count() + 2;
            tokens.push((Token::Str(text), pos));
        } else if c == '-' || c.is_ascii_digit() {
            let mut end = start;
            while let Some(&(i, d)) = chars.peek() {
                if d.is_ascii_digit() || matches!(d, '-' | '+' | '.' | 'e' | 'E') {
                    end = i + d.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            let text = &input[start..end];
            let n = text.parse().map_err(|_| Error::InvalidNumber(text.to_string(), pos))?;
            column += end - start;
            tokens.push((Token::Num(n), pos));
        } else {
            let word: String = input[start..].chars().take_while(|ch| ch.is_ascii_alphabetic()).collect();
            let token = match word.as_str() {
                "true" => Token::Bool(true),
                "false" => Token::Bool(false),
                "null" => Token::Null,
                _ => return Err(Error::UnexpectedChar(c, pos)),
            };
            for _ in 0..word.len() {
                chars.next();
            }
            column += word.len();
            tokens.push((token, pos));
        }
    }
    Ok(tokens)
}
