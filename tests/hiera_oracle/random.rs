//! The random cases of `random_cases_match_puppet`: a seeded generator of hierarchies (3-6 levels
//! with interpolated paths, globs, mapped paths and JSON levels), data (nested hashes and arrays,
//! knockouts, interpolations, Integer keys, floats), lookup_options, facts and queries, written
//! as a case directory both tools read. Some of it is where Puppet 8 answers otherwise than
//! Puppet 7: undefined variables in values and in paths, legacy facts the facts do not carry
//! (Puppet 8 agents send none), and data files that are not hashes.

use std::fmt::Write as _;
use std::path::Path;

/// SplitMix64: small, seedable, good enough for test data.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
}

/// A generated value.
#[derive(Debug, Clone)]
enum V {
    Null,
    Bool(bool),
    Int(i64),
    /// A float written as this literal (both YAML and JSON read it as a Float).
    Float(&'static str),
    Str(String),
    /// A YAML 1.1 plain scalar written unquoted (`yes`, `0755`, `1:30`, ...); a string in JSON files.
    Plain(&'static str),
    Arr(Vec<V>),
    Map(Vec<(String, V)>),
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).expect("string")
}

impl V {
    fn yaml(&self, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        match self {
            V::Arr(items) if !items.is_empty() => {
                for it in items {
                    out.push('\n');
                    out.push_str(&pad);
                    out.push('-');
                    it.yaml(indent + 2, out);
                }
            }
            V::Map(entries) if !entries.is_empty() => {
                for (k, v) in entries {
                    out.push('\n');
                    out.push_str(&pad);
                    // An Integer key is written bare (Psych reads an Integer); see `INT_KEY`.
                    match k.strip_prefix(INT_KEY) {
                        Some(i) => out.push_str(i),
                        None => out.push_str(&json_str(k)),
                    }
                    out.push(':');
                    v.yaml(indent + 2, out);
                }
            }
            _ => {
                out.push(' ');
                out.push_str(&self.scalar());
            }
        }
    }
    fn scalar(&self) -> String {
        match self {
            V::Null => "~".into(),
            V::Bool(b) => b.to_string(),
            V::Int(i) => i.to_string(),
            V::Float(f) | V::Plain(f) => (*f).to_string(),
            V::Str(s) => json_str(s),
            V::Arr(_) => "[]".into(),
            V::Map(_) => "{}".into(),
        }
    }
    fn json(&self) -> String {
        match self {
            V::Null => "null".into(),
            V::Plain(p) => json_str(p),
            V::Arr(items) => format!("[{}]", items.iter().map(V::json).collect::<Vec<_>>().join(", ")),
            V::Map(entries) => format!(
                "{{{}}}",
                entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", json_str(k.strip_prefix(INT_KEY).unwrap_or(k)), v.json()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            other => other.scalar(),
        }
    }
}

fn yaml_doc(entries: &[(String, V)]) -> String {
    if entries.is_empty() {
        return "{}\n".into();
    }
    let mut s = String::from("---");
    V::Map(entries.to_vec()).yaml(0, &mut s);
    s.push('\n');
    s
}

/// Random facts of one case.
struct Facts {
    role: &'static str,
    env: &'static str,
    dc: &'static str,
    family: &'static str,
    major: &'static str,
    apps: Vec<&'static str>,
    certname: Option<String>,
}

const ROLES: &[&str] = &["web", "db", "app"];
const APPS: &[&str] = &["nginx", "redis", "pg"];
const WORDS: &[&str] = &["x", "y", "z", "w", "alpha", "beta"];
const HKEYS: &[&str] = &["k1", "k2", "k3", "k4"];
const PLAIN: &[&str] = &[
    "yes", "no", "on", "off", "y", "n", "0755", "0x1F", "1_000", "1:30", "~", "1e3", "1.0e+3", "08", "True", "Null",
    "017",
];
const FLOATS: &[&str] = &["1.5", "0.25", "-3.75", "2.0", "100.0", "1.0e+20", "0.1"];
const INTERPS: &[&str] = &[
    "%{facts.f_role}-%{::f_env}",
    "%{f_os.family}/%{facts.f_os.release.major}",
    "node=%{trusted.certname}",
    "%{lookup('s1')}",
    "v:%{hiera('s2')}",
    "%{alias('h1')}",
    "%{alias('a1')}",
    "%{alias('s3')}",
    "%{literal('%')}{x}",
    "apps=%{facts.f_apps}",
    "%{facts.f_apps.1}|%{facts.f_apps.7}",
    "%{lookup('h1.k1')}",
    "%{lookup('a2')}",
    "os=%{facts.f_os}",
    "%{scope('f_dc')}-%{facts.f_num}-%{f_flag}",
    "%{facts.f_os.nosuch}!",
];
/// Undefined variables: an error in data under Puppet 8 (`strict=error`), `""` under Puppet 7;
/// legacy facts (`::osfamily`) are undefined, as Puppet 8's agents no longer send them.
const UNDEFINED: &[&str] = &[
    "%{nosuch}",
    "u-%{::f_nosuch}",
    "legacy=%{::osfamily}",
    "%{::operatingsystemmajrelease}.x",
    "%{facts.nosuch}|%{trusted.nosuch}",
    "%{lookup('nokey')}z",
];
/// Documents that are not hashes: an error under Puppet 8 except the empty, comment-only and
/// `~`/`false` ones (`false` to Puppet), which only warn; all warn under Puppet 7.
const NOT_HASHES: &[&str] = &["just a string\n", "- a\n- b\n", "42\n", "", "# only a comment\n", "~\n", "false\n"];

fn gen_scalar(rng: &mut Rng, interp: bool) -> V {
    match rng.below(if interp { 10 } else { 9 }) {
        0 => V::Null,
        1 => V::Bool(rng.chance(50)),
        2 => V::Int(i64::try_from(rng.below(2000)).unwrap_or(0) - 500),
        3 => V::Float(rng.pick(FLOATS)),
        4 => V::Plain(rng.pick(PLAIN)),
        5 | 6 => V::Str(rng.pick(WORDS).to_string()),
        7 => V::Str(format!("--{}", rng.pick(WORDS))),
        8 => V::Str(format!("{}-%{{facts.f_dc}}", rng.pick(WORDS))),
        _ if rng.chance(30) => V::Str(rng.pick(UNDEFINED).to_string()),
        _ => V::Str(rng.pick(&INTERPS[..3]).to_string()),
    }
}

fn gen_array(rng: &mut Rng, depth: usize) -> V {
    let n = rng.range(0, 4);
    let items = (0..n)
        .map(|_| match rng.below(12) {
            0 if depth < 2 => gen_array(rng, depth + 1),
            1 if depth < 2 => gen_hash(rng, depth + 1),
            2 => V::Str(format!("--{}", rng.pick(WORDS))),
            3 => V::Int(i64::try_from(rng.below(3)).unwrap_or(0)),
            4 => V::Float("1.0"),
            5 => V::Str("%{facts.f_role}".into()),
            _ => V::Str(rng.pick(WORDS).to_string()),
        })
        .collect();
    V::Arr(items)
}

/// Marks a generated key to be written as a YAML Integer (`1:`); JSON files get the string.
const INT_KEY: &str = "#int:";

fn gen_hash(rng: &mut Rng, depth: usize) -> V {
    let n = rng.range(1, 3);
    let mut keys: Vec<&str> = HKEYS.to_vec();
    let mut entries = Vec::new();
    // Integer keys at the top of the `h` hashes only (dug by `h1.1`, deep-merged, refused by
    // the `hash` strategy); inside arrays the `unique` strategy would refuse them, which Lamina
    // does not model (see the README).
    if depth == 0 && rng.chance(15) {
        entries.push((format!("{INT_KEY}{}", rng.range(1, 3)), gen_scalar(rng, false)));
    }
    for _ in 0..n {
        let k = keys.remove(rng.below(keys.len()));
        let key = if rng.chance(8) { format!("{k}_%{{facts.f_role}}") } else { k.to_string() };
        let v = match rng.below(6) {
            0 | 1 if depth < 3 => gen_hash(rng, depth + 1),
            2 => gen_array(rng, depth + 1),
            _ => gen_scalar(rng, true),
        };
        entries.push((key, v));
    }
    V::Map(entries)
}

/// The data of one file: a random subset of the key pool.
fn gen_data(rng: &mut Rng) -> Vec<(String, V)> {
    let mut entries = Vec::new();
    for k in ["s1", "s2", "s3", "s4"] {
        if rng.chance(45) {
            entries.push((k.to_string(), gen_scalar(rng, false)));
        }
    }
    for k in ["a1", "a2", "a3"] {
        if rng.chance(50) {
            let v = if rng.chance(8) { gen_scalar(rng, false) } else { gen_array(rng, 0) };
            entries.push((k.to_string(), v));
        }
    }
    for k in ["h1", "h2", "h3"] {
        if rng.chance(50) {
            let v = if rng.chance(6) { gen_array(rng, 0) } else { gen_hash(rng, 0) };
            entries.push((k.to_string(), v));
        }
    }
    for k in ["i1", "i2"] {
        if rng.chance(35) {
            let v = if rng.chance(25) {
                V::Map(vec![
                    ("in".into(), V::Str(rng.pick(INTERPS).into())),
                    ("k1".into(), V::Str("%{facts.f_env}".into())),
                ])
            } else if rng.chance(20) {
                V::Str(rng.pick(UNDEFINED).into())
            } else {
                V::Str(rng.pick(INTERPS).into())
            };
            entries.push((k.to_string(), v));
        }
    }
    if rng.chance(25) {
        entries.push(("lookup_options".into(), gen_lookup_options(rng)));
    }
    // Shuffle so that key order differs between files.
    for i in (1..entries.len()).rev() {
        let j = rng.below(i + 1);
        entries.swap(i, j);
    }
    entries
}

fn gen_merge(rng: &mut Rng) -> V {
    match rng.below(6) {
        0 => V::Str("first".into()),
        1 => V::Str("unique".into()),
        2 => V::Str("hash".into()),
        3 => V::Str("deep".into()),
        _ => {
            let mut m = vec![("strategy".to_string(), V::Str("deep".into()))];
            if rng.chance(60) {
                m.push(("knockout_prefix".into(), V::Str(rng.pick(&["--", "--", "!"]).into())));
            }
            if rng.chance(30) {
                m.push(("sort_merged_arrays".into(), V::Bool(true)));
            }
            if rng.chance(30) {
                m.push(("merge_hash_arrays".into(), V::Bool(true)));
            }
            V::Map(m)
        }
    }
}

fn gen_lookup_options(rng: &mut Rng) -> V {
    let mut entries = Vec::new();
    for _ in 0..rng.range(1, 3) {
        let key = rng.pick(&["h1", "h2", "a1", "a2", "s1", "^h", "^a\\d", "^(h|a)2$", "i1"]);
        if entries.iter().any(|(k, _): &(String, V)| k == key) {
            continue;
        }
        entries.push((key.to_string(), V::Map(vec![("merge".into(), gen_merge(rng))])));
    }
    V::Map(entries)
}

/// One hierarchy level: its hiera.yaml text and the data files (relative to datadir) it may read.
struct Level {
    yaml: String,
    /// (file, is it read for these facts)
    files: Vec<(String, bool)>,
    json: bool,
}

fn gen_level(rng: &mut Rng, kind: usize, name: &str, f: &Facts) -> Level {
    let yaml_level = |loc: String| format!("  - name: {name:?}\n{loc}");
    let (yaml, files, json) = match kind {
        0 => {
            let certname = f.certname.clone().unwrap_or_default();
            (
                yaml_level("    path: \"nodes/%{trusted.certname}.yaml\"\n".into()),
                vec![(format!("nodes/{certname}.yaml"), true)],
                false,
            )
        }
        1 => {
            let mut files: Vec<(String, bool)> = vec![(format!("role/{}.yaml", f.role), true)];
            files.extend(ROLES.iter().filter(|r| **r != f.role).map(|r| (format!("role/{r}.yaml"), false)));
            (yaml_level("    path: \"role/%{facts.f_role}.yaml\"\n".into()), files, false)
        }
        2 => (
            yaml_level("    path: \"os/%{facts.f_os.family}/%{facts.f_os.release.major}.yaml\"\n".into()),
            vec![(format!("os/{}/{}.yaml", f.family, f.major), true)],
            false,
        ),
        3 => (
            yaml_level("    paths:\n      - \"env/%{::f_env}.yaml\"\n      - \"dc/%{f_dc}.yaml\"\n".into()),
            vec![(format!("env/{}.yaml", f.env), true), (format!("dc/{}.yaml", f.dc), true)],
            false,
        ),
        4 => (
            yaml_level("    mapped_paths: [facts.f_apps, app, \"apps/%{app}.yaml\"]\n".into()),
            APPS.iter().map(|a| (format!("apps/{a}.yaml"), f.apps.contains(a))).collect(),
            false,
        ),
        5 => {
            let n = rng.range(0, 3);
            let files = (0..n).map(|i| (format!("conf.d/{}-{}.yaml", 10 * (3 - i), rng.pick(WORDS)), true)).collect();
            (yaml_level("    glob: \"conf.d/*.yaml\"\n".into()), files, false)
        }
        6 => (
            yaml_level("    data_hash: json_data\n    path: \"json/%{facts.f_role}.json\"\n".into()),
            vec![(format!("json/{}.json", f.role), true)],
            true,
        ),
        // An undefined variable in a path only warns, in both Puppets: it is "" there.
        8 => (
            yaml_level("    path: \"legacy/%{::osfamily}/%{nosuch}.yaml\"\n".into()),
            vec![("legacy//.yaml".to_string(), true)],
            false,
        ),
        _ => (yaml_level("    path: common.yaml\n".into()), vec![("common.yaml".to_string(), true)], false),
    };
    Level { yaml, files, json }
}

/// Write one random case under `dir`; returns its query lines.
pub(crate) fn gen_case(rng: &mut Rng, dir: &Path) -> Vec<String> {
    let f = Facts {
        role: rng.pick(ROLES),
        env: rng.pick(&["prod", "dev"]),
        dc: rng.pick(&["ams", "nyc"]),
        family: rng.pick(&["Debian", "RedHat"]),
        major: rng.pick(&["11", "12"]),
        apps: APPS.iter().copied().filter(|_| rng.chance(60)).collect(),
        certname: rng.chance(50).then(|| format!("{}.example.com", rng.pick(&["n1", "n2"]))),
    };
    let mut facts = format!(
        "f_role: {}\nf_env: {}\nf_dc: {}\nf_os:\n  family: {}\n  release:\n    major: \"{}\"\nf_apps: [{}]\nf_num: {}\nf_flag: {}\n",
        f.role,
        f.env,
        f.dc,
        f.family,
        f.major,
        f.apps.join(", "),
        rng.below(100),
        rng.chance(50)
    );
    if let Some(c) = &f.certname {
        let host = c.split('.').next().unwrap_or("n");
        let _ = write!(facts, "clientcert: {c}\nhostname: {host}\ndomain: example.com\nfqdn: {c}\n");
    }
    std::fs::create_dir_all(dir.join("data")).expect("case dir");
    std::fs::write(dir.join("facts.yaml"), facts).expect("facts");

    // 3..6 levels: a random subset of the templates in random order, then common.
    let mut kinds: Vec<usize> = vec![0, 1, 2, 3, 4, 5, 6, 8];
    let mut chosen = Vec::new();
    for _ in 0..rng.range(2, 5) {
        chosen.push(kinds.remove(rng.below(kinds.len())));
    }
    chosen.push(7);
    let mut hiera = String::from("version: 5\ndefaults:\n  datadir: data\n  data_hash: yaml_data\nhierarchy:\n");
    for (i, kind) in chosen.iter().enumerate() {
        let level = gen_level(rng, *kind, &format!("level {i}"), &f);
        hiera.push_str(&level.yaml);
        for (file, read) in &level.files {
            // Most read files exist (a missing one is skipped); some unread decoys exist too.
            if rng.chance(if *read { 80 } else { 30 }) {
                let path = dir.join("data").join(file);
                std::fs::create_dir_all(path.parent().expect("parent")).expect("data dir");
                let data = gen_data(rng);
                let text = if level.json {
                    format!("{}\n", V::Map(data).json())
                } else if rng.chance(7) {
                    rng.pick(NOT_HASHES).to_string()
                } else {
                    yaml_doc(&data)
                };
                std::fs::write(path, text).expect("data file");
            }
        }
    }
    std::fs::write(dir.join("hiera.yaml"), hiera).expect("hiera.yaml");

    let mut queries = Vec::new();
    for _ in 0..rng.range(4, 7) {
        let key: String = match rng.below(14) {
            0..=1 => rng.pick(&["s1", "s2", "s3", "s4"]).into(),
            2..=4 => rng.pick(&["a1", "a2", "a3"]).into(),
            5..=8 => rng.pick(&["h1", "h2", "h3"]).into(),
            9 => rng.pick(&["i1", "i2"]).into(),
            10 => format!("{}.{}", rng.pick(&["h1", "h2", "h3"]), rng.pick(&["k1", "k2", "k3", "k4", "1", "2"])),
            11 => format!("{}.{}.{}", rng.pick(&["h1", "h2"]), rng.pick(HKEYS), rng.pick(HKEYS)),
            12 => format!("{}.{}", rng.pick(&["a1", "a2"]), rng.below(3)),
            _ => "nokey".into(),
        };
        let mut line = key.clone();
        if rng.chance(15) {
            line = format!("nokey {line}");
        }
        let is_array = key.starts_with('a') && !key.contains('.');
        let is_hash = key.starts_with('h') || key.contains('.');
        let mut merge = rng.pick(&["", "", "", "first", "unique", "hash", "deep", "deep", "deep"]);
        if (is_array && merge == "hash" && rng.chance(80)) || (is_hash && merge == "unique" && rng.chance(80)) {
            merge = "deep";
        }
        if !merge.is_empty() {
            let _ = write!(line, " --merge {merge}");
        }
        if merge == "deep" {
            if rng.chance(40) {
                let _ = write!(line, " --knock-out-prefix {}", rng.pick(&["--", "--", "!"]));
            }
            if rng.chance(25) {
                line.push_str(" --sort-merged-arrays");
            }
            if rng.chance(25) {
                line.push_str(" --merge-hash-arrays");
            }
        }
        if rng.chance(15) {
            line.push_str(" --default dflt");
        }
        queries.push(line);
    }
    std::fs::write(dir.join("queries.txt"), queries.join("\n") + "\n").expect("queries");
    queries
}
