namespace Calc

type Token =
    | Number of float
    | Plus
    | Minus

module Lexer =
    let tokenize (s: string) : Token list = []
