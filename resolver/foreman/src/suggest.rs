//! "Did you mean": the names closest to a misspelt one, by edit distance (Damerau–Levenshtein,
//! restricted: insertions, deletions, substitutions and swaps of two adjacent characters each
//! cost one), case ignored. Only close names are offered: at most one edit for a word of up to
//! five characters, two up to nine, three beyond, so that a suggestion is a likely typo and
//! never a guess.
//!
//! ```
//! use lamina_foreman::{closest, did_you_mean};
//!
//! let fields = ["name", "hostgroup", "environment"];
//! assert_eq!(closest("enviroment", fields), ["environment"]);
//! assert_eq!(did_you_mean("host_group", fields), r#": did you mean "hostgroup"?"#);
//! assert_eq!(did_you_mean("colour", fields), "", "nothing close");
//! ```

use std::cell::RefCell;
use std::collections::HashMap;

/// How many edits a suggestion for `word` may be away.
fn max_edits(word: &[char]) -> usize {
    ((word.len() + 2) / 4).clamp(1, 3)
}

/// The edit distance between `a` and `b` when it is at most `max`, else `None`: one row per
/// character of `a`, stopping as soon as every entry of a row is over `max`.
fn distance(a: &[char], b: &[char], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let mut before: Vec<usize> = Vec::new();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut row = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        row[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(row[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            row[j] = d;
        }
        if row.iter().all(|&d| d > max) {
            return None;
        }
        before = std::mem::replace(&mut prev, row.clone());
    }
    Some(prev[b.len()]).filter(|&d| d <= max)
}

/// The candidates closest to `word` (case ignored), at most three, in the order given; empty
/// when none is within the distance a typo makes.
#[must_use]
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let w: Vec<char> = word.to_lowercase().chars().collect();
    if w.is_empty() {
        return Vec::new();
    }
    let max = max_edits(&w);
    let mut best: Option<usize> = None;
    let mut out = Vec::new();
    for c in candidates {
        if c == word {
            continue;
        }
        let cand: Vec<char> = c.to_lowercase().chars().collect();
        let Some(d) = distance(&w, &cand, best.unwrap_or(max)) else { continue };
        if best.is_none_or(|b| d < b) {
            best = Some(d);
            out.clear();
        }
        if out.len() < 3 {
            out.push(c);
        }
    }
    out
}

/// `: did you mean "x"?` (or `"x" or "y"`, `"x", "y" or "z"`) for the candidates closest to
/// `word`, to append to an error's message; empty when none is close.
#[must_use]
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<String> = closest(word, candidates).iter().map(|c| format!("{c:?}")).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => format!(": did you mean {one}?"),
        [rest @ .., last] => format!(": did you mean {} or {last}?", rest.join(", ")),
    }
}

/// Suggestions for unknown references, computed once per kind and name: when a host group
/// goes missing, thousands of hosts name it, and each would search every title again.
#[derive(Debug, Default)]
pub(crate) struct Hints(RefCell<HashMap<(String, String), String>>);

impl Hints {
    /// [`did_you_mean`] for the `what` called `name` among `candidates`, remembered.
    pub(crate) fn for_name<'a>(&self, what: &str, name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
        let key = (what.to_string(), name.to_string());
        if let Some(s) = self.0.borrow().get(&key) {
            return s.clone();
        }
        // Sorted, so that which of several equally close names are offered never depends on
        // the order of a hash map.
        let mut sorted: Vec<&str> = candidates.into_iter().collect();
        sorted.sort_unstable();
        let s = did_you_mean(name, sorted);
        self.0.borrow_mut().insert(key, s.clone());
        s
    }
}

#[cfg(test)]
mod tests {
    use super::{closest, did_you_mean};

    #[test]
    fn typos_are_found_and_strangers_are_not() {
        let hosts = ["web01.example.com", "web02.example.com", "db01.example.com"];
        assert_eq!(closest("web0l.example.com", hosts), ["web01.example.com", "web02.example.com"]);
        assert_eq!(closest("wbe01.example.com", hosts), ["web01.example.com"], "a swap is one edit");
        assert_eq!(closest("WEB01.example.com", hosts), ["web01.example.com"], "case is ignored");
        assert!(closest("mail.example.org", hosts).is_empty());
        assert!(closest("", hosts).is_empty());
        // One edit for short words: `ip` is not `mac`, `id` is `ip`.
        assert_eq!(closest("id", ["ip", "mac"]), ["ip"]);
        assert!(closest("tag", ["name", "type"]).is_empty());
        assert_eq!(did_you_mean("x", ["y", "z", "w", "v"]), r#": did you mean "y", "z" or "w"?"#);
        assert_eq!(did_you_mean("Base/Wbe", ["Base", "Base/Web", "Base/DB"]), r#": did you mean "Base/Web"?"#);
    }
}
