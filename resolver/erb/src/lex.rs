//! Tokens of the Ruby inside a tag.

use crate::Error;

/// A token with the byte offset (in the template) it starts at.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) at: usize,
    /// Whitespace came before it (Ruby reads `f -1` and `f - 1` differently).
    pub(crate) space_before: bool,
}

/// A piece of a double-quoted string.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum StrPart {
    Lit(String),
    /// `#{code}`: its source and its offset in the template.
    Code(String, usize),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    /// An identifier or keyword, with a trailing `?` or `!` when it has one.
    Ident(String),
    /// `@name`.
    Ivar(String),
    /// An integer literal, as written without underscores (it may exceed 64 bits).
    Int(String),
    Float(f64),
    Str(Vec<StrPart>),
    /// `:name`.
    Symbol(String),
    /// An operator or punctuation.
    Op(&'static str),
    /// `;` or a newline: the end of a statement.
    End,
    Eof,
}

const OPS: [&str; 27] = [
    "&&", "||", "==", "!=", "=~", "!~", "<=", ">=", "&.", "::", "**", "+", "-", "*", "/", "%", "!", "<", ">", ".", ",",
    "(", ")", "[", "]", "?", ":",
];
const OTHER_OPS: [&str; 6] = ["=", "{", "}", "|", "&", "^"];

/// Tokenize `code`, which starts at byte `base` of template `tpl`.
pub(crate) fn lex(tpl: &str, code: &str, base: usize) -> Result<Vec<Token>, Error> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut space = true;
    // Open `(` and `[`.
    let mut depth = 0usize;
    while i < b.len() {
        let c = b[i];
        let at = base + i;
        if c == b' ' || c == b'\t' || c == b'\r' || (c == b'\\' && b.get(i + 1) == Some(&b'\n')) {
            i += if c == b'\\' { 2 } else { 1 };
            space = true;
            continue;
        }
        if c == b'#' {
            // A comment runs to the end of the line.
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let tok = if c == b'\n' || c == b';' {
            i += 1;
            // Ruby continues a statement across a newline inside brackets and after an operator
            // or a comma.
            let continues = c == b'\n'
                && (depth > 0
                    || matches!(out.last(), Some(Token { tok: Tok::Op(op), .. }) if !matches!(*op, ")" | "]")));
            if continues {
                space = true;
                continue;
            }
            Tok::End
        } else if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            let s = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80) {
                i += 1;
            }
            // `name?` / `name!` when attached (a ternary's `?` follows a space), unless `!=`.
            if i < b.len() && (b[i] == b'?' || b[i] == b'!') && b.get(i + 1) != Some(&b'=') {
                i += 1;
            }
            Tok::Ident(code[s..i].to_string())
        } else if c == b'@' {
            let s = i + 1;
            i += 1;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            if i == s {
                return Err(Error::at(tpl, at, "`@` without a name".into()));
            }
            Tok::Ivar(code[s..i].to_string())
        } else if c.is_ascii_digit() {
            let s = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
                i += 1;
            }
            if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
                i += 1;
                while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
                    i += 1;
                }
                let text: String = code[s..i].chars().filter(|&c| c != '_').collect();
                Tok::Float(text.parse().map_err(|_| Error::at(tpl, at, format!("invalid number {text}")))?)
            } else {
                if c == b'0' && i - s > 1 {
                    return Err(Error::unsupported(tpl, at, "an octal integer literal"));
                }
                Tok::Int(code[s..i].chars().filter(|&c| c != '_').collect())
            }
        } else if c == b'\'' {
            let (s, n) = single_quoted(tpl, code, i, base)?;
            i = n;
            Tok::Str(vec![StrPart::Lit(s)])
        } else if c == b'"' {
            let (parts, n) = double_quoted(tpl, code, i, base)?;
            i = n;
            Tok::Str(parts)
        } else if c == b':' && b.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic() || *n == b'_') {
            let s = i + 1;
            i += 1;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            Tok::Symbol(code[s..i].to_string())
        } else if let Some(op) = OPS.iter().chain(OTHER_OPS.iter()).find(|op| code[i..].starts_with(**op)) {
            i += op.len();
            match *op {
                "(" | "[" => depth += 1,
                ")" | "]" => depth = depth.saturating_sub(1),
                _ => {}
            }
            Tok::Op(op)
        } else {
            let ch = code[i..].chars().next().unwrap_or('?');
            return Err(Error::at(tpl, at, format!("unexpected character {ch:?}")));
        };
        out.push(Token { tok, at, space_before: space });
        space = false;
    }
    out.push(Token { tok: Tok::Eof, at: base + b.len(), space_before: space });
    Ok(out)
}

fn single_quoted(tpl: &str, code: &str, start: usize, base: usize) -> Result<(String, usize), Error> {
    let mut s = String::new();
    let mut chars = code[start + 1..].char_indices();
    while let Some((k, ch)) = chars.next() {
        match ch {
            '\'' => return Ok((s, start + 1 + k + 1)),
            '\\' => match chars.next() {
                Some((_, c @ ('\'' | '\\'))) => s.push(c),
                Some((_, c)) => {
                    s.push('\\');
                    s.push(c);
                }
                None => break,
            },
            c => s.push(c),
        }
    }
    Err(Error::at(tpl, base + start, "unterminated string".into()))
}

fn double_quoted(tpl: &str, code: &str, start: usize, base: usize) -> Result<(Vec<StrPart>, usize), Error> {
    let mut parts = Vec::new();
    let mut s = String::new();
    let b = code.as_bytes();
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'"' => {
                if !s.is_empty() || parts.is_empty() {
                    parts.push(StrPart::Lit(s));
                }
                return Ok((parts, i + 1));
            }
            b'\\' => {
                let Some(ch) = code[i + 1..].chars().next() else { break };
                let rest = &code[i + 1 + ch.len_utf8()..];
                let mut used = 0;
                match ch {
                    'n' => s.push('\n'),
                    't' => s.push('\t'),
                    'r' => s.push('\r'),
                    's' => s.push(' '),
                    'e' => s.push('\x1b'),
                    'a' => s.push('\x07'),
                    'b' => s.push('\x08'),
                    'f' => s.push('\x0c'),
                    'v' => s.push('\x0b'),
                    // `\uXXXX`, `\u{X...}`, `\xHH`, octal `\NNN`.
                    'u' | 'x' | '0'..='7' => {
                        let (digits, radix, skip) = if ch == 'u' && rest.starts_with('{') {
                            let end = rest
                                .find('}')
                                .ok_or_else(|| Error::at(tpl, base + i, "unterminated Unicode escape".into()))?;
                            (&rest[1..end], 16, end + 1)
                        } else if ch == 'u' {
                            let n = rest.bytes().take(4).take_while(u8::is_ascii_hexdigit).count();
                            (&rest[..n], 16, n)
                        } else if ch == 'x' {
                            let n = rest.bytes().take(2).take_while(u8::is_ascii_hexdigit).count();
                            (&rest[..n], 16, n)
                        } else {
                            let n = rest.bytes().take(2).take_while(|b| (b'0'..=b'7').contains(b)).count();
                            (&code[i + 1..i + 2 + n], 8, n)
                        };
                        let v = u32::from_str_radix(digits, radix).ok().and_then(char::from_u32);
                        let Some(v) = v.filter(|_| !digits.is_empty()) else {
                            return Err(Error::at(tpl, base + i, format!("invalid escape \\{ch}{digits}")));
                        };
                        s.push(v);
                        used = skip;
                    }
                    c @ ('"' | '\\' | '#' | '\'') => s.push(c),
                    '\n' => {}
                    c => s.push(c),
                }
                i += 1 + ch.len_utf8() + used;
            }
            b'#' if b.get(i + 1) == Some(&b'{') => {
                // `#{...}`: find the matching brace, skipping nested strings and braces.
                let open = i + 2;
                let mut depth = 1;
                let mut k = open;
                let mut quote: Option<u8> = None;
                while k < b.len() {
                    let c = b[k];
                    match quote {
                        Some(_) if c == b'\\' => k += 1,
                        Some(q) if c == q => quote = None,
                        Some(_) => {}
                        None if c == b'"' || c == b'\'' => quote = Some(c),
                        None if c == b'{' => depth += 1,
                        None if c == b'}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        None => {}
                    }
                    k += 1;
                }
                if depth != 0 {
                    return Err(Error::at(tpl, base + i, "unterminated `#{` in a string".into()));
                }
                if !s.is_empty() {
                    parts.push(StrPart::Lit(std::mem::take(&mut s)));
                }
                parts.push(StrPart::Code(code[open..k].to_string(), base + open));
                i = k + 1;
            }
            _ => {
                let ch = code[i..].chars().next().unwrap_or(' ');
                s.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    Err(Error::at(tpl, base + start, "unterminated string".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(code: &str) -> Vec<Tok> {
        lex(code, code, 0).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn identifiers_keep_predicate_marks() {
        assert_eq!(
            toks("host_param_true?('x') && !y"),
            vec![
                Tok::Ident("host_param_true?".into()),
                Tok::Op("("),
                Tok::Str(vec![StrPart::Lit("x".into())]),
                Tok::Op(")"),
                Tok::Op("&&"),
                Tok::Op("!"),
                Tok::Ident("y".into()),
                Tok::Eof
            ]
        );
        assert_eq!(toks("a != b")[1], Tok::Op("!="));
        assert_eq!(toks("a ? b : c")[1], Tok::Op("?"));
        assert_eq!(toks("x.empty? ? 1 : 2")[2], Tok::Ident("empty?".into()));
    }

    #[test]
    fn strings_and_interpolation() {
        assert_eq!(toks(r"'it\'s \n'"), vec![Tok::Str(vec![StrPart::Lit("it's \\n".into())]), Tok::Eof]);
        assert_eq!(
            toks(r#""a\t#{@host.name}""#),
            vec![Tok::Str(vec![StrPart::Lit("a\t".into()), StrPart::Code("@host.name".into(), 6)]), Tok::Eof]
        );
        assert_eq!(toks(r#""""#), vec![Tok::Str(vec![StrPart::Lit(String::new())]), Tok::Eof]);
    }

    #[test]
    fn numbers() {
        assert_eq!(toks("1_000 2.5"), vec![Tok::Int("1000".into()), Tok::Float(2.5), Tok::Eof]);
        assert!(lex("0755", "0755", 0).is_err());
    }
}
