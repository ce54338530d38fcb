//! `--format html` of `diff` and `migrate-check`: one static file (no network, no other file)
//! with the summary, the counts (a click filters by a row), every host with its changes behind
//! a drill-down, and a search over hosts, keys and values. The page is `report.html`; the
//! report is embedded as JSON and rendered by its script with `textContent` only, so nothing
//! in the data is ever read as markup. Deep links: `#q=TEXT` and `#open=CERTNAME`.

use serde_json::{Value as J, json};

const PAGE: &str = include_str!("report.html");

/// A report's value as JSON for the page.
pub(crate) fn data(report: &lamina_foreman::Value) -> Result<J, crate::failure::Failure> {
    serde_json::from_str(&lamina_yaml::to_json(report))
        .map_err(|e| crate::failure::Failure::invalid(format!("cannot build the HTML report: {e}")))
}

/// The page for a report model (see [`diff`] and [`migrate`]).
fn page(model: &J) -> String {
    let title = model["title"].as_str().unwrap_or("Lamina report");
    // `<` never appears in JSON outside strings: escaped there, no `</script>` can end the
    // data block early.
    let data = model.to_string().replace('<', "\\u003c");
    let title = title.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    PAGE.replacen("__TITLE__", &title, 1).replacen("__DATA__", &data, 1)
}

fn s(v: &J) -> String {
    match v {
        J::Null => "(absent)".to_string(),
        J::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A value as shown in a cell: JSON for data (strings quoted, so `"1"` and `1` differ).
fn shown(v: &J) -> String {
    if v.is_null() { "(absent)".to_string() } else { v.to_string() }
}

fn counts(summary: &J, key: &str, title: &str, column: &str) -> J {
    let mut rows: Vec<(String, i64)> = summary[key]
        .as_object()
        .map(|m| m.iter().map(|(k, n)| (k.clone(), n.as_i64().unwrap_or(0))).collect())
        .unwrap_or_default();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    json!({"title": title, "column": column, "rows": rows})
}

/// The page of `lamina diff` (its JSON report, `lamina_diff::Report::to_value`).
pub(crate) fn diff(report: &J, before: &str, after: &str) -> String {
    let sm = &report["summary"];
    let summary = json!([
        ["hosts compared", sm["compared"]],
        ["changed", sm["changed"]],
        ["added", sm["added"]],
        ["removed", sm["removed"]],
    ]);
    let notes: Vec<String> = report["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| {
            let reach = match &o["reaches"] {
                J::Number(n) => format!("can reach {n} hosts"),
                _ => "can reach every host".to_string(),
            };
            let changed = o["changed_hosts"].as_array().map_or(0, Vec::len);
            format!("{} {} {}: {reach}, {changed} changed", s(&o["kind"]), s(&o["name"]), s(&o["how"]))
        })
        .collect();
    let items: Vec<J> = report["hosts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| {
            let rows: Vec<[String; 3]> = h["changes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    let what = match s(&c["what"]).as_str() {
                        "class_parameter" => format!("{}::{}", s(&c["class"]), s(&c["key"])),
                        "parameter" => format!("parameter {}", s(&c["name"])),
                        "class" => format!("class {}", s(&c["name"])),
                        other => other.to_string(),
                    };
                    match s(&c["what"]).as_str() {
                        "class" => [what, String::new(), s(&c["how"])],
                        _ => [what, shown(&c["before"]), shown(&c["after"])],
                    }
                })
                .collect();
            let meta = format!("{} · {} · {}", s(&h["status"]), s(&h["hostgroup"]), s(&h["environment"]));
            json!({"id": h["certname"], "meta": meta, "rows": rows})
        })
        .collect();
    page(&json!({
        "title": format!("lamina diff: {before} → {after}"),
        "summary": summary,
        "notes": notes,
        "tables": [
            counts(sm, "by_hostgroup", "By host group", "host group"),
            counts(sm, "by_environment", "By environment", "environment"),
            counts(sm, "by_key", "By key", "key"),
        ],
        "items_title": "Hosts that differ",
        "columns": ["what", "before", "after"],
        "items": items,
    }))
}

/// One side's provenance in words (`enc_source` of a mismatch).
fn foreman_source(src: &J) -> String {
    let at = match (src["file"].as_str(), src["line"].as_i64()) {
        (Some(f), Some(l)) => format!(" at {f}:{l}"),
        (Some(f), None) => format!(" at {f}"),
        _ => String::new(),
    };
    match src["from"].as_str() {
        Some("matcher") => format!("matcher {} (order line {}){at}", s(&src["match"]), s(&src["order_line"])),
        Some("merged overrides") => {
            let m: Vec<String> = src["contributors"].as_array().into_iter().flatten().map(|c| s(&c["match"])).collect();
            format!("merged overrides {}", m.join(", "))
        }
        Some(other) => format!("{other}{at}"),
        None => String::new(),
    }
}

/// The page of `lamina migrate-check` (its JSON report, `lamina_migrate::Report::to_value`).
pub(crate) fn migrate(report: &J, hiera_config: &str) -> String {
    let sm = &report["summary"];
    let summary = json!([
        ["hosts", sm["hosts"]],
        ["parameters compared", sm["compared"]],
        ["mismatches", sm["mismatches"]],
        ["hosts with mismatches", sm["hosts_with_mismatches"]],
        ["hosts that fail", sm["failures"]],
    ]);
    let notes: Vec<String> = report["failures"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| format!("{}: cannot be resolved: {}", s(&f["host"]), s(&f["error"])))
        .collect();
    // Mismatches come sorted by host: one item per host.
    let mut items: Vec<J> = Vec::new();
    for m in report["mismatches"].as_array().into_iter().flatten() {
        let hiera = match m["hiera_error"].as_str() {
            Some(e) => format!("lookup failed: {e}"),
            None if m["hiera"].is_null() => "not found".to_string(),
            None => m["hiera"].to_string(),
        };
        let found: Vec<String> = m["hiera_found"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|o| format!("{} ({})", s(&o["level"]), s(&o["path"])))
            .collect();
        let row =
            json!([s(&m["key"]), m["enc"].to_string(), hiera, foreman_source(&m["enc_source"]), found.join(", ")]);
        match items.last_mut() {
            Some(it) if it["id"] == m["host"] => {
                if let Some(rows) = it["rows"].as_array_mut() {
                    rows.push(row);
                }
            }
            _ => items.push(json!({"id": m["host"], "meta": s(&m["hostgroup"]), "rows": [row]})),
        }
    }
    page(&json!({
        "title": format!("lamina migrate-check against {hiera_config}"),
        "summary": summary,
        "notes": notes,
        "tables": [
            counts(sm, "by_class", "By class", "class"),
            counts(sm, "by_key", "By key", "key"),
            counts(sm, "by_hostgroup", "By host group", "host group"),
        ],
        "items_title": "Hosts with mismatches",
        "columns": ["key", "ENC", "Hiera", "Foreman's source", "Hiera's source"],
        "items": items,
    }))
}
