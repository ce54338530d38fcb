//! `--format html` of `diff` and `migrate-check`, rendered by a real browser (headless
//! Chromium's `--dump-dom`, after the page's script ran): the summary, the counts, the search
//! (`#q=`) and the drill-down (`#open=`) are in the DOM; data is text, never markup; secrets
//! are not in the file.

use lamina_tests::{copy_demo, edit, lamina, repo_root, under_ci, which};
use std::path::{Path, PathBuf};
use std::process::Command;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Chromium, or `None` (test skipped) outside CI; under CI its absence fails the test.
fn chromium(test: &str) -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|p| which(p));
    if found.is_none() {
        assert!(!under_ci(), "{test}: Chromium is required under CI: apt-get install -y chromium");
        eprintln!("{test}: SKIPPED: chromium not found (apt-get install -y chromium)");
    }
    found
}

/// The DOM of `file` (with `fragment`) after its scripts ran.
fn dom(browser: &Path, file: &Path, fragment: &str) -> String {
    let profile = tempfile::tempdir().expect("profile");
    let url = format!("file://{}#{fragment}", file.display());
    let out = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--dump-dom", &url])
        .output()
        .expect("run chromium");
    assert!(out.status.success(), "chromium failed: {}", text(&out.stderr));
    text(&out.stdout)
}

/// A diff with a changed password and a parameter whose new value is markup: the page shows the
/// counts, filters to the searched host, opens it, shows the markup as text and masks the
/// password, which is nowhere in the file.
#[test]
fn diff_html_report_shows_counts_search_and_drill_down_in_chromium() {
    let Some(browser) = chromium("diff_html_report") else { return };
    let dir = tempfile::tempdir().expect("tmp");
    let after = dir.path().join("after");
    copy_demo(&after);
    edit(&after.join("puppetclasses.yaml"), "db01-S3cr3t!", "db01-N3w-S3cr3t!");
    edit(
        &after.join("hostgroups.yaml"),
        "{name: tier, value: \"gold\"}",
        "{name: tier, value: \"</script><b id=pwned>x</b>\"}",
    );
    let demo = repo_root().join("corpus/demo").display().to_string();
    let after_s = after.display().to_string();
    let json = lamina(&["diff", "--before", &demo, "--after", &after_s, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    let changed = v["summary"]["changed"].as_i64().expect("changed");
    assert!(changed >= 2, "{v}");
    let html = lamina(&["diff", "--before", &demo, "--after", &after_s, "--format", "html"]);
    assert_eq!(html.status.code(), Some(1), "{}", text(&html.stderr));
    let page = text(&html.stdout);
    for secret in ["db01-S3cr3t!", "db01-N3w-S3cr3t!"] {
        assert!(!page.contains(secret), "the page holds a hidden value");
    }
    let file = dir.path().join("diff.html");
    std::fs::write(&file, &page).expect("write");

    let all = dom(&browser, &file, "");
    assert!(all.contains("lamina diff:"), "{all}");
    assert_eq!(all.matches("<details").count() as i64, changed, "every changed host is listed");
    assert!(all.contains("By host group") && all.contains("By key"), "count tables");
    assert!(all.contains(&format!("<b>{changed}</b><span>changed</span>")), "summary card");
    assert!(!all.contains("id=\"pwned\""), "data became markup: {all}");
    assert!(all.contains("&lt;/script&gt;&lt;b id=pwned&gt;x&lt;/b&gt;"), "the value is shown as text");

    let one = dom(&browser, &file, "q=db01&open=db01.demo.example.com");
    assert_eq!(one.matches("<details").count(), 1, "the search keeps db01 only: {one}");
    assert!(
        one.contains("<details id=\"item-db01.demo.example.com\" data-id=\"db01.demo.example.com\" open=\"\">"),
        "{one}"
    );
    assert!(one.contains("postgresql::password"), "{one}");
    assert!(one.contains("\"*****\""), "the password is masked: {one}");
}

/// migrate-check against an export with one value changed: the page lists that host with both
/// provenances in its drill-down.
#[test]
fn migrate_check_html_report_shows_both_provenances_in_chromium() {
    let Some(browser) = chromium("migrate_check_html_report") else { return };
    let dir = tempfile::tempdir().expect("tmp");
    let demo = repo_root().join("corpus/demo").display().to_string();
    let out = dir.path().join("hiera");
    let e = lamina(&["export-hiera", "--estate", &demo, "--out", &out.display().to_string()]);
    assert!(e.status.success(), "{}", text(&e.stderr));
    edit(&out.join("data/fqdn/web01.demo.example.com.yaml"), "apache::", "apache_renamed::");
    let config = out.join("hiera.yaml").display().to_string();
    let html = lamina(&["migrate-check", "--estate", &demo, "--hiera-config", &config, "--format", "html"]);
    assert_eq!(html.status.code(), Some(1), "{}", text(&html.stderr));
    let file = dir.path().join("check.html");
    std::fs::write(&file, &html.stdout).expect("write");
    let page = dom(&browser, &file, "open=web01.demo.example.com");
    assert!(page.contains("lamina migrate-check against"), "{page}");
    assert_eq!(page.matches("<details").count(), 1, "only web01 differs: {page}");
    assert!(page.contains("open=\"\""), "web01 is opened: {page}");
    assert!(page.contains("matcher fqdn=web01.demo.example.com (order line fqdn)"), "Foreman's side: {page}");
    assert!(
        page.contains("<td class=\"v\">apache::listen_port</td><td class=\"v\">8443</td><td class=\"v\">443</td>"),
        "both values: {page}"
    );
    assert!(
        page.contains("hostgroup (") && page.contains("data/hostgroup/Base/Web/Frontend.yaml)"),
        "Hiera's side: {page}"
    );
}
