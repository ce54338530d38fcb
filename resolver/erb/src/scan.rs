//! Splitting a template into text and tags, as Ruby's ERB scanner does with Foreman's
//! `trim_mode: '-'` (`lib/foreman/renderer/safe_mode_renderer.rb` and
//! `unsafe_mode_renderer.rb` both build `ERB.new(source, trim_mode: '-')`).
//!
//! Ruby's `ERB::Compiler::TrimScanner#explicit_trim_line` scans with
//! `/(.*?)(^[ \t]*<%\-|<%\-|<%%|%%>|<%=|<%#|<%|-%>\n|-%>|%>|\z)/m`: `<%-` at the start of a
//! line also removes the spaces and tabs before it, `-%>` followed by a newline removes that
//! newline, `<%%` in text is a literal `<%`, and `%%>` inside a tag is a literal `%>`.

use crate::Error;

/// What a tag does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tag {
    /// `<% code %>`: a statement (`if`, `elsif`, `else`, `unless`, `end`).
    Stmt,
    /// `<%= expr %>`: the value's `to_s` is written.
    Output,
}

/// One piece of a template.
#[derive(Clone, Debug)]
pub(crate) enum Seg {
    /// Text written as is.
    Text(String),
    /// Ruby code inside a tag, with the byte offset of its first character in the template.
    Code { tag: Tag, code: String, at: usize },
}

/// Split `src` into text and code.
pub(crate) fn scan(src: &str) -> Result<Vec<Seg>, Error> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    while i < b.len() {
        let Some(j) = src[i..].find("<%").map(|j| i + j) else {
            text.push_str(&src[i..]);
            break;
        };
        text.push_str(&src[i..j]);
        if b.get(j + 2) == Some(&b'%') {
            // `<%%`: a literal `<%`.
            text.push_str("<%");
            i = j + 3;
            continue;
        }
        let (tag, start) = match b.get(j + 2) {
            Some(b'=') => (Some(Tag::Output), j + 3),
            Some(b'#') => (None, j + 3),
            Some(b'-') => {
                // `^[ \t]*<%-`: at the start of a line, the indentation before it goes too. Ruby's
                // scanner (a StringScanner) also takes `^` at its own position, right after the
                // previous tag.
                let ws = j - src[i..j].bytes().rev().take_while(|&c| c == b' ' || c == b'\t').count();
                if ws == 0 || ws == i || b[ws - 1] == b'\n' {
                    text.truncate(text.len() - (j - ws));
                }
                (Some(Tag::Stmt), j + 3)
            }
            _ => (Some(Tag::Stmt), j + 2),
        };
        if !text.is_empty() {
            out.push(Seg::Text(std::mem::take(&mut text)));
        }
        // The tag's content, up to `%>` (`%%>` is a literal `%>`; `-%>` trims).
        let mut code = String::new();
        let mut k = start;
        let end = loop {
            let Some(p) = src[k..].find("%>").map(|p| k + p) else {
                return Err(Error::at(src, j, "unclosed ERB tag (no `%>`)".into()));
            };
            if p > k && b[p - 1] == b'%' {
                code.push_str(&src[k..p - 1]);
                code.push_str("%>");
                k = p + 2;
                continue;
            }
            if p > start && b[p - 1] == b'-' {
                code.push_str(&src[k..p - 1]);
                let after = p + 2;
                // `-%>\n` (erb 2.2's `\r?\n`: values typed in a browser end lines with CRLF).
                break match (b.get(after), b.get(after + 1)) {
                    (Some(b'\n'), _) => after + 1,
                    (Some(b'\r'), Some(b'\n')) => after + 2,
                    _ => after,
                };
            }
            code.push_str(&src[k..p]);
            break p + 2;
        };
        if let Some(tag) = tag {
            out.push(Seg::Code { tag, code, at: start });
        }
        i = end;
    }
    if !text.is_empty() {
        out.push(Seg::Text(text));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(src: &str) -> String {
        scan(src)
            .unwrap()
            .iter()
            .map(|s| match s {
                Seg::Text(t) => format!("T({t})"),
                Seg::Code { tag, code, .. } => format!("{tag:?}({code})"),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn tags_and_text() {
        assert_eq!(show("a <%= x %> b"), "T(a ) Output( x ) T( b)");
        assert_eq!(show("<%# note %>x"), "T(x)");
        assert_eq!(show("<%% literal"), "T(<% literal)");
        assert_eq!(show("<%= '%%>' %>"), "Output( '%>' )");
    }

    #[test]
    fn trim_mode_dash() {
        assert_eq!(show("  <%- if x -%>\nyes\n<% end -%>\n"), "Stmt( if x ) T(yes\n) Stmt( end )");
        assert_eq!(show("a <%- x %>"), "T(a ) Stmt( x )");
        assert_eq!(show("<%= x -%>y"), "Output( x ) T(y)");
        assert_eq!(show("<%= x %>\ny"), "Output( x ) T(\ny)");
        // Checked with Ruby 3.1's ERB (trim_mode '-').
        assert_eq!(show("<%= 1 %>  <%- 2 %>|"), "Output( 1 ) Stmt( 2 ) T(|)");
        assert_eq!(show("<% if x -%>\r\nA\r\n<% end -%>\r\nB"), "Stmt( if x ) T(A\r\n) Stmt( end ) T(B)");
    }

    #[test]
    fn unclosed_tag_names_its_position() {
        let e = scan("line\n  <%= x").unwrap_err();
        assert_eq!((e.line, e.column), (2, 3));
    }
}
