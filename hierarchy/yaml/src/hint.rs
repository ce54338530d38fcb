//! Hints for the mistakes people make in hand-written YAML. libyaml's and Psych's words stay
//! as they are (Puppet prints them, and `psych_parity_live` holds them to Psych); a hint is
//! extra text ([`YamlError::hint`](super::YamlError::hint)) saying what the words mean for the
//! file at hand, and may move the reported position to the cause: an unclosed string is
//! reported where its quote opens, not where libyaml gives up, which can be many lines later.

use libyaml_safer::{Encoding, ScalarStyle, Scanner, TokenData};

use super::Mark;
use super::reader::mark;

/// What to add to an error, and where the error is better placed.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Hint {
    pub(super) at: Mark,
    pub(super) text: String,
}

/// A hint for a libyaml error in `src`, when one of the usual causes is recognised:
/// a quoted string that is never closed, a tab where YAML wants spaces, or a quoted string
/// that runs on past its line to a quote meant to open another one.
pub(super) fn syntax(src: &str, e: &libyaml_safer::Error) -> Option<Hint> {
    let problem = e.problem_mark()?;
    // libyaml reads to the end of the input looking for the closing quote; its context mark is
    // the opening quote (`scanner.c` `yaml_parser_scan_flow_scalar`).
    if e.problem() == "found unexpected end of stream" && e.context() == Some("while scanning a quoted scalar") {
        let open = mark(e.context_mark()?);
        let text = format!("the string opened at line {}, column {} is never closed", open.line, open.col);
        return Some(Hint { at: open, text });
    }
    if let Some(at) = tab(src, problem) {
        return Some(Hint { at, text: "a tab character: YAML indents with spaces".into() });
    }
    let (open, close) = last_quoted(src, problem)?;
    // A string that spans lines and ends on the line where parsing fails: most often its own
    // closing quote is missing and the quote that opens the next string closed it.
    (open.line < close.line && close.line == problem.line).then(|| {
        let open = mark(open);
        let text = format!(
            "the string opened at line {}, column {} runs on to line {}: is its closing quote missing?",
            open.line,
            open.col,
            close.line + 1
        );
        Hint { at: open, text }
    })
}

/// The tab at the problem, or in the indentation of the problem's line.
fn tab(src: &str, problem: libyaml_safer::Mark) -> Option<Mark> {
    let index = usize::try_from(problem.index).ok()?;
    let at = |col: usize| Mark { line: mark(problem).line, col: u32::try_from(col + 1).unwrap_or(u32::MAX) };
    if src.get(index..)?.starts_with('\t') {
        return Some(mark(problem));
    }
    let start = src.get(..index)?.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let indent = src[start..].chars().take_while(|c| *c == ' ' || *c == '\t');
    indent.enumerate().find(|(_, c)| *c == '\t').map(|(col, _)| at(col))
}

/// The start and end marks of the last quoted scalar that starts before `problem`, scanning
/// `src` again (only on the error path) up to there.
fn last_quoted(src: &str, problem: libyaml_safer::Mark) -> Option<(libyaml_safer::Mark, libyaml_safer::Mark)> {
    let mut scanner: Scanner<&[u8]> = Scanner::new();
    // A scanner error ends the scan: the tokens before it are all this needs.
    scanner.set_input(src.as_bytes());
    scanner.set_encoding(Encoding::Utf8);
    let mut last = None;
    for token in scanner.map_while(Result::ok) {
        if token.start_mark.index >= problem.index || matches!(token.data, TokenData::StreamEnd) {
            break;
        }
        if let TokenData::Scalar { style: ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted, .. } = token.data {
            last = Some((token.start_mark, token.end_mark));
        }
    }
    last
}

/// A hint for Psych's refusal of an unquoted date or timestamp (`Tried to load unspecified
/// class: Date`) at `at`: the line rewritten with the value quoted, naming its key.
pub(super) fn date(src: &str, at: Mark, class: &str) -> Option<String> {
    let what = match class {
        "Date" => "date",
        "Time" => "timestamp",
        _ => return None,
    };
    let line = src.split('\n').nth(usize::try_from(at.line).ok()?.checked_sub(1)?)?.trim_end_matches('\r');
    let split = line.char_indices().nth(usize::try_from(at.col).ok()?.checked_sub(1)?)?.0;
    let (before, rest) = line.split_at(split);
    // The plain scalar: up to a comment, and in a flow collection up to its next indicator.
    let flow = before.contains(['[', '{']);
    let end = rest
        .char_indices()
        .find(|&(i, c)| (flow && matches!(c, ',' | ']' | '}')) || (c == '#' && rest[..i].ends_with([' ', '\t'])))
        .map_or(rest.len(), |(i, _)| i);
    let value = rest[..end].trim_end();
    if value.is_empty() {
        return None;
    }
    let quoted = format!("'{}'", value.replace('\'', "''"));
    let key = before
        .trim_end()
        .strip_suffix(':')
        .map(|k| k.rsplit(['{', ',', '[']).next().unwrap_or(k).trim().trim_start_matches("- ").trim())
        .filter(|k| !k.is_empty());
    Some(match key {
        Some(k) => format!("an unquoted {what}: write {k}: {quoted}"),
        None => format!("an unquoted {what}: write {quoted}"),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Limits, parse_node, parse_value};

    /// The error of `src` as printed: position, Psych's words, hint.
    fn shown(src: &str) -> String {
        let a = parse_value(src, "t.yaml", &Limits::default()).expect_err("must fail");
        let b = parse_node(src, "t.yaml", &Limits::default()).expect_err("must fail");
        assert_eq!(a, b, "both entry points report the same error");
        a.to_string()
    }

    #[test]
    fn unclosed_string_points_at_its_opening_quote() {
        let src = "hostgroups:\n  - title: Base\n    environment: \"production\n  - title: Base/Web\n";
        assert_eq!(
            shown(src),
            "t.yaml:3:18: found unexpected end of stream while scanning a quoted scalar \
             (the string opened at line 3, column 18 is never closed)"
        );
        let src = "a: 'x\nb: c\n";
        assert_eq!(
            shown(src),
            "t.yaml:1:4: found unexpected end of stream while scanning a quoted scalar \
             (the string opened at line 1, column 4 is never closed)"
        );
    }

    #[test]
    fn string_closed_by_the_next_lines_quote() {
        let src = "g:\n  a: \"x\n  b: \"y\"\n";
        assert_eq!(
            shown(src),
            "t.yaml:2:6: did not find expected key while parsing a block mapping \
             (the string opened at line 2, column 6 runs on to line 3: is its closing quote missing?)"
        );
    }

    #[test]
    fn tabs_are_named_with_their_column() {
        assert_eq!(
            shown("a:\n\tb: 1\n"),
            "t.yaml:2:1: found character that cannot start any token while scanning for the next token \
             (a tab character: YAML indents with spaces)"
        );
        assert_eq!(
            shown("a:\n  b: 1\n  \tc: 2\n"),
            "t.yaml:3:3: found a tab character that violates indentation while scanning a plain scalar \
             (a tab character: YAML indents with spaces)"
        );
    }

    #[test]
    fn unquoted_dates_are_shown_quoted() {
        assert_eq!(
            shown("a:\n  since: 2024-01-31  # start\n"),
            "t.yaml:2:10: Tried to load unspecified class: Date (an unquoted date: write since: '2024-01-31')"
        );
        assert_eq!(
            shown("- {x: 1, at: 2024-01-31 10:00:00}\n"),
            "t.yaml:1:14: Tried to load unspecified class: Time \
             (an unquoted timestamp: write at: '2024-01-31 10:00:00')"
        );
        assert_eq!(
            shown("- 2024-01-31\n"),
            "t.yaml:1:3: Tried to load unspecified class: Date (an unquoted date: write '2024-01-31')"
        );
    }

    #[test]
    fn psych_words_are_kept() {
        let e = parse_value("a: \"x\nb: c\n", "t.yaml", &Limits::default()).expect_err("must fail");
        assert_eq!(e.message, "found unexpected end of stream while scanning a quoted scalar");
        assert_eq!(
            e.psych,
            Some(super::super::PsychError::Syntax(
                "found unexpected end of stream while scanning a quoted scalar at line 1 column 4".into()
            ))
        );
    }
}
