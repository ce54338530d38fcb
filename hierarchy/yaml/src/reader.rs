//! Builds a document from libyaml's events (`libyaml-safer`, a line-by-line Rust port of the
//! libyaml that Psych links, so the grammar, the refusals and the error texts are Puppet's) the
//! way Psych's `Visitors::ToRuby` builds Ruby objects, without recursion: open collections live
//! on an explicit stack, so nesting depth costs heap, not call stack, and the depth limit is
//! checked when a collection *opens* — a 10,000-deep `[[[[...` stops at level `max_depth + 1`
//! having read only that much of the input.
//!
//! The same driver feeds three sinks: [`ValueSink`] (straight to `Value`, the fast path),
//! [`DataSink`] (Ruby's data for Hiera: typed keys, Symbols, bignums) and [`NodeSink`] (a
//! `Node` tree with marks and duplicate keys kept).

use std::collections::HashMap;

use lamina_value::{Data, DataMap, Int, Key, Map, Value};
use libyaml_safer::{Encoding, Event, EventData, Parser, ScalarStyle};

use super::scalar::{self, SeqKind, Token};
use super::{Limits, Mark, Node, NodeKind, key_string};

/// Why building stopped.
#[derive(Debug)]
pub(super) enum Fail {
    /// The parser refused the input (`Psych::SyntaxError`).
    Syntax(libyaml_safer::Error),
    /// Psych would raise while *converting* the parsed tree (disallowed class, bad number, ...).
    /// Psych parses the whole document before converting it, so a syntax error later in the
    /// document wins; the driver checks for one before reporting this.
    Psych(String, Mark),
    /// One of our own budgets ([`Limits`]); reported at once.
    Refused(String, Mark),
}

/// How the value of a `<<` key was written; Psych's `revive_hash` (`to_ruby.rb:337-361`) only
/// merges an alias or a mapping (`hash.merge! val`) or an inline sequence of hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    Scalar,
    Alias,
    Mapping,
    Sequence,
}

/// Receives the built pieces. `Item` is what a finished node becomes.
pub(super) trait Sink {
    type Item: Clone;
    type Seq;
    type Map;
    fn scalar(&mut self, v: Value, mark: Mark) -> Self::Item;
    /// A Ruby Symbol (`:foo`, `!ruby/sym foo`): its name as a string, unless the sink keeps
    /// Symbols apart (the Hiera reader).
    fn symbol(&mut self, name: String, mark: Mark) -> Self::Item {
        self.scalar(Value::String(name), mark)
    }
    /// An integer beyond 64 bits (`text` as written, its `decimal` digits), as Psych reads it:
    /// a Ruby Integer of any size.
    fn bignum(&mut self, text: &str, decimal: String, mark: Mark) -> Result<Self::Item, String> {
        match lamina_value::Int::from_decimal(&decimal) {
            Some(lamina_value::Int::Big(b)) => Ok(self.scalar(Value::BigInt(b), mark)),
            Some(lamina_value::Int::Small(i)) => Ok(self.scalar(Value::Int(i), mark)),
            None => Err(scalar::out_of_range(text)),
        }
    }
    fn new_seq(&mut self) -> Self::Seq;
    fn seq_push(&mut self, seq: &mut Self::Seq, item: Self::Item);
    fn end_seq(&mut self, seq: Self::Seq, mark: Mark) -> Self::Item;
    fn new_map(&mut self) -> Self::Map;
    fn map_insert(&mut self, map: &mut Self::Map, key: Self::Item, value: Self::Item);
    /// Applies a merge key; `Err(value)` when Psych falls back to storing a plain `"<<"` key
    /// (`rescue TypeError => hash[key] = val`).
    fn map_merge(&mut self, map: &mut Self::Map, value: Self::Item, source: Source) -> Result<(), Self::Item>;
    fn end_map(&mut self, map: Self::Map, mark: Mark) -> Self::Item;
    /// True if the item is the string `<<`.
    fn is_merge_str(item: &Self::Item) -> bool;
    /// The item as a map key for [`Skip`] paths, when it is a string.
    fn key_str(item: &Self::Item) -> Option<&str>;
    /// `!!omap` entry: Psych takes `a.children.first` / `a.children.last` of each entry mapping,
    /// i.e. its first key and its last value.
    fn omap_pair(item: Self::Item) -> Option<(Self::Item, Self::Item)>;
}

enum Open<S: Sink> {
    Seq(S::Seq),
    Omap(Vec<(S::Item, S::Item)>),
    /// `key`: the pending key and whether it is a merge key.
    Map {
        map: S::Map,
        key: Option<(S::Item, bool)>,
    },
}

struct Frame<S: Sink> {
    open: Open<S>,
    mark: Mark,
    anchor: usize,
    /// `nodes` before this collection was counted: its size is `nodes - start_nodes` at the end.
    start_nodes: usize,
    /// Height of the tallest child (a scalar is 0, a collection 1 + its tallest child).
    height: usize,
}

enum Anchor<T> {
    Unset,
    /// Defined inside a subtree that [`Skip`] dropped.
    Skipped,
    /// Opened but not finished: an alias to it would make a recursive structure (Psych builds
    /// one; `Value` cannot hold it).
    Open,
    Done {
        item: T,
        size: usize,
        height: usize,
    },
}

/// Subtrees the caller does not want built (the estate loader drops the facts no matcher reads):
/// `drop` is asked, for every value at nesting depth `min_depth` or deeper, with the path of map
/// keys leading to it (`"[]"` for a sequence level); a `true` consumes the value's events without
/// building anything, and its key is dropped from the enclosing map.
#[derive(Clone, Copy)]
pub struct Skip<'a> {
    /// Depth (number of open collections) from which values are checked.
    pub min_depth: usize,
    /// Whether the value at this path is dropped.
    pub drop: &'a (dyn Fn(&[&str]) -> bool + Sync),
}

impl std::fmt::Debug for Skip<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Skip").field("min_depth", &self.min_depth).finish_non_exhaustive()
    }
}

/// libyaml's 0-based mark as ours (1-based; columns in characters in both).
pub(super) fn mark(m: libyaml_safer::Mark) -> Mark {
    Mark { line: u32::try_from(m.line + 1).unwrap_or(u32::MAX), col: u32::try_from(m.column + 1).unwrap_or(u32::MAX) }
}

/// The parser decodes its input into a buffer of `char`s as it reads: fed in chunks, that buffer
/// stays small instead of holding 4 bytes per character of a whole multi-megabyte file.
type YamlParser<'a> = Parser<std::io::BufReader<&'a [u8]>>;

const INPUT_CHUNK: usize = 64 << 10;

struct Builder<'l, S: Sink> {
    sink: S,
    limits: &'l Limits,
    frames: Vec<Frame<S>>,
    /// Indexed by anchor id; id 0 means "no anchor".
    anchors: Vec<Anchor<S::Item>>,
    /// Anchor name → id of its latest definition (a name may be defined again; Psych's
    /// `@st[anchor] = node` then makes later aliases see the new node).
    anchor_ids: HashMap<String, usize>,
    nodes: usize,
    alias_nodes: usize,
    root: Option<S::Item>,
    /// The document was `---` alone (or a bare empty scalar): no content at all.
    empty_root: bool,
    skip: Option<Skip<'l>>,
}

/// Reads the first document of `src` into `sink`'s item. `Ok(None)` for a stream without a
/// document or with an empty one.
pub(super) fn build<'l, S: Sink>(
    src: &'l str,
    limits: &'l Limits,
    sink: S,
    skip: Option<Skip<'l>>,
) -> Result<Option<S::Item>, Fail> {
    let mut parser: YamlParser<'_> = Parser::new();
    parser.set_input(std::io::BufReader::with_capacity(INPUT_CHUNK, src.as_bytes()));
    // Psych hands libyaml a UTF-8 string with its encoding set (`parser.c` `transcode_string`),
    // so libyaml does not sniff a byte order mark.
    parser.set_encoding(Encoding::Utf8);
    let mut b = Builder {
        sink,
        limits,
        frames: Vec::new(),
        anchors: vec![Anchor::Unset],
        anchor_ids: HashMap::new(),
        nodes: 0,
        alias_nodes: 0,
        root: None,
        empty_root: false,
        skip,
    };
    loop {
        let Event { data, start_mark, .. } = parser.parse().map_err(Fail::Syntax)?;
        let m = mark(start_mark);
        if matches!(
            data,
            EventData::Scalar { .. }
                | EventData::Alias { .. }
                | EventData::SequenceStart { .. }
                | EventData::MappingStart { .. }
        ) && b.skips_here()
        {
            b.skip_value(&data, &mut parser)?;
            continue;
        }
        let step = match data {
            EventData::DocumentEnd { .. } | EventData::StreamEnd => break,
            EventData::StreamStart { .. } | EventData::DocumentStart { .. } => Ok(()),
            EventData::Scalar { anchor, tag, value, style, .. } => b.scalar(value, style, anchor, tag, m),
            EventData::Alias { anchor } => b.alias(&anchor, m),
            EventData::SequenceStart { anchor, tag, .. } => b.open_seq(anchor, tag.as_deref(), m),
            EventData::MappingStart { anchor, tag, .. } => b.open_map(anchor, tag.as_deref(), m),
            EventData::SequenceEnd | EventData::MappingEnd => b.close(),
        };
        if let Err(f) = step {
            return Err(match f {
                Fail::Psych(..) => drain_for_syntax_error(&mut parser).unwrap_or(f),
                f => f,
            });
        }
    }
    Ok(if b.empty_root { None } else { b.root })
}

/// Reads the rest of the first document; returns the parser error if there is one.
fn drain_for_syntax_error(parser: &mut YamlParser<'_>) -> Option<Fail> {
    loop {
        match parser.parse() {
            Err(e) => return Some(Fail::Syntax(e)),
            Ok(Event { data: EventData::DocumentEnd { .. } | EventData::StreamEnd, .. }) => return None,
            Ok(_) => {}
        }
    }
}

impl<S: Sink> Builder<'_, S> {
    /// Whether the value starting now is one [`Skip`] drops.
    fn skips_here(&self) -> bool {
        let Some(skip) = self.skip else { return false };
        if self.frames.len() < skip.min_depth {
            return false;
        }
        let mut path: Vec<&str> = Vec::with_capacity(self.frames.len());
        for f in &self.frames {
            match &f.open {
                Open::Seq(_) | Open::Omap(_) => path.push("[]"),
                Open::Map { key: Some((k, _)), .. } => match S::key_str(k) {
                    Some(k) => path.push(k),
                    None => return false,
                },
                // A key is being read, not a value.
                Open::Map { key: None, .. } => return false,
            }
        }
        (skip.drop)(&path)
    }

    /// Consume the events of the value that starts with `first`, building nothing; drop its key.
    fn skip_value(&mut self, first: &EventData, parser: &mut YamlParser<'_>) -> Result<(), Fail> {
        if let Some(Frame { open: Open::Map { key, .. }, .. }) = self.frames.last_mut() {
            *key = None;
        }
        let mut depth = 0usize;
        self.skip_anchor(first);
        if matches!(first, EventData::SequenceStart { .. } | EventData::MappingStart { .. }) {
            depth = 1;
        }
        while depth > 0 {
            let ev = parser.parse().map_err(Fail::Syntax)?;
            self.skip_anchor(&ev.data);
            match ev.data {
                EventData::SequenceStart { .. } | EventData::MappingStart { .. } => depth += 1,
                EventData::SequenceEnd | EventData::MappingEnd => depth -= 1,
                EventData::DocumentEnd { .. } | EventData::StreamEnd => return Ok(()),
                _ => {}
            }
        }
        Ok(())
    }

    /// An anchor defined inside a skipped subtree: aliases to it are refused.
    fn skip_anchor(&mut self, ev: &EventData) {
        if let EventData::Scalar { anchor: Some(a), .. }
        | EventData::SequenceStart { anchor: Some(a), .. }
        | EventData::MappingStart { anchor: Some(a), .. } = ev
        {
            let id = self.new_anchor(a.clone());
            self.anchors[id] = Anchor::Skipped;
        }
    }

    fn count(&mut self, n: usize, m: Mark) -> Result<(), Fail> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.limits.max_nodes {
            return Err(Fail::Refused(format!("document has more than {} nodes", self.limits.max_nodes), m));
        }
        Ok(())
    }

    fn check_depth(&self, depth: usize, m: Mark) -> Result<(), Fail> {
        if depth > self.limits.max_depth {
            return Err(Fail::Refused(format!("nesting deeper than {}", self.limits.max_depth), m));
        }
        Ok(())
    }

    /// A fresh id for an anchor definition (0 when there is none).
    fn new_anchor(&mut self, name: String) -> usize {
        let id = self.anchors.len();
        self.anchors.push(Anchor::Unset);
        self.anchor_ids.insert(name, id);
        id
    }

    fn anchor_id(&mut self, anchor: Option<String>) -> usize {
        anchor.map_or(0, |a| self.new_anchor(a))
    }

    fn set_anchor(&mut self, id: usize, a: Anchor<S::Item>) {
        if id != 0 {
            self.anchors[id] = a;
        }
    }

    fn scalar(
        &mut self,
        text: String,
        style: ScalarStyle,
        anchor: Option<String>,
        tag: Option<String>,
        m: Mark,
    ) -> Result<(), Fail> {
        self.count(1, m)?;
        let anchor = self.anchor_id(anchor);
        let is_root = self.frames.is_empty();
        if is_root && text.is_empty() && style == ScalarStyle::Plain && tag.is_none() && anchor == 0 {
            // `---` with nothing after it: libyaml reports an empty plain scalar.
            self.empty_root = true;
        }
        // libyaml marks untagged non-plain scalars `quoted`, and Psych returns those as they are
        // (`to_ruby.rb:62 return o.value if o.quoted`); a tag wins over quoting.
        let token = match (&tag, style) {
            (None, ScalarStyle::Plain) => scalar::tokenize(text),
            (None, _) => Ok(Token::Value(Value::String(text))),
            (Some(t), _) => scalar::resolve_tagged(text, t),
        };
        let (item, merge) = match token.map_err(|e| Fail::Psych(e, m))? {
            Token::Symbol(name) => (self.sink.symbol(name, m), false),
            Token::Big { text, decimal } => {
                (self.sink.bignum(&text, decimal, m).map_err(|e| Fail::Psych(e, m))?, false)
            }
            Token::Value(value) => {
                let merge = tag.as_deref() != Some(scalar::STR_TAG) && matches!(&value, Value::String(s) if s == "<<");
                (self.sink.scalar(value, m), merge)
            }
        };
        if anchor != 0 {
            self.set_anchor(anchor, Anchor::Done { item: item.clone(), size: 1, height: 0 });
        }
        self.deliver(item, 0, Source::Scalar, merge, m)
    }

    fn alias(&mut self, name: &str, m: Mark) -> Result<(), Fail> {
        let id = self.anchor_ids.get(name).copied().unwrap_or(0);
        let (size, height) = match self.anchors.get(id) {
            Some(Anchor::Done { size, height, .. }) => (*size, *height),
            Some(Anchor::Skipped) => {
                return Err(Fail::Refused(
                    "alias refers to data that was not loaded (facts no matcher uses); avoid aliases into facts".into(),
                    m,
                ));
            }
            Some(Anchor::Open) => {
                return Err(Fail::Psych(
                    "alias refers to a node that contains it (recursive data is not supported)".into(),
                    m,
                ));
            }
            // Psych 4.0.3 `to_ruby.rb` `visit_Psych_Nodes_Alias`: `raise BadAlias, "Unknown alias: ..."`.
            _ => return Err(Fail::Psych(format!("Unknown alias: {name}"), m)),
        };
        // Budgets before copying anything: a billion-laughs document fails here after at most
        // `max_alias_nodes` copied nodes.
        self.alias_nodes = self.alias_nodes.saturating_add(size);
        if self.alias_nodes > self.limits.max_alias_nodes {
            return Err(Fail::Refused(format!("aliases expand to more than {} nodes", self.limits.max_alias_nodes), m));
        }
        self.count(size, m)?;
        self.check_depth(self.frames.len() + height, m)?;
        let Some(Anchor::Done { item, .. }) = self.anchors.get(id) else { unreachable!("checked above") };
        let item = item.clone();
        let merge = S::is_merge_str(&item);
        self.deliver(item, height, Source::Alias, merge, m)
    }

    fn open(&mut self, open: Open<S>, anchor: Option<String>, m: Mark) -> Result<(), Fail> {
        self.count(1, m)?;
        self.check_depth(self.frames.len() + 1, m)?;
        let anchor = self.anchor_id(anchor);
        self.set_anchor(anchor, Anchor::Open);
        self.frames.push(Frame { open, mark: m, anchor, start_nodes: self.nodes - 1, height: 0 });
        Ok(())
    }

    fn open_seq(&mut self, anchor: Option<String>, tag: Option<&str>, m: Mark) -> Result<(), Fail> {
        let kind = match tag {
            None => SeqKind::Array,
            Some(t) => scalar::seq_kind(t).map_err(|e| Fail::Psych(e, m))?,
        };
        let open = match kind {
            SeqKind::Array => Open::Seq(self.sink.new_seq()),
            SeqKind::Omap => Open::Omap(Vec::new()),
        };
        self.open(open, anchor, m)
    }

    fn open_map(&mut self, anchor: Option<String>, tag: Option<&str>, m: Mark) -> Result<(), Fail> {
        if let Some(t) = tag {
            scalar::check_map_tag(t).map_err(|e| Fail::Psych(e, m))?;
        }
        let open = Open::Map { map: self.sink.new_map(), key: None };
        self.open(open, anchor, m)
    }

    fn close(&mut self) -> Result<(), Fail> {
        let Some(f) = self.frames.pop() else {
            return Ok(()); // the parser never ends a collection it did not start
        };
        let (item, source) = match f.open {
            Open::Seq(seq) => (self.sink.end_seq(seq, f.mark), Source::Sequence),
            Open::Omap(pairs) => {
                let mut map = self.sink.new_map();
                for (k, v) in pairs {
                    self.sink.map_insert(&mut map, k, v);
                }
                (self.sink.end_map(map, f.mark), Source::Sequence)
            }
            Open::Map { map, .. } => (self.sink.end_map(map, f.mark), Source::Mapping),
        };
        let height = f.height + 1;
        if f.anchor != 0 {
            let size = self.nodes - f.start_nodes;
            self.set_anchor(f.anchor, Anchor::Done { item: item.clone(), size, height });
        }
        self.deliver(item, height, source, false, f.mark)
    }

    fn deliver(&mut self, item: S::Item, height: usize, source: Source, merge: bool, m: Mark) -> Result<(), Fail> {
        let Some(f) = self.frames.last_mut() else {
            self.root = Some(item);
            return Ok(());
        };
        f.height = f.height.max(height);
        match &mut f.open {
            Open::Seq(seq) => self.sink.seq_push(seq, item),
            Open::Omap(pairs) => match S::omap_pair(item) {
                Some(p) => pairs.push(p),
                None => return Err(Fail::Psych("each !!omap entry must be a non-empty mapping".into(), m)),
            },
            Open::Map { map, key } => match key.take() {
                None => *key = Some((item, merge)),
                Some((k, true)) => {
                    if let Err(v) = self.sink.map_merge(map, item, source) {
                        self.sink.map_insert(map, k, v);
                    }
                }
                Some((k, false)) => self.sink.map_insert(map, k, item),
            },
        }
        Ok(())
    }
}

/// Builds `Value`s directly. Open collections keep their children on two shared stacks (a
/// frame only remembers where its part starts), so building costs no per-collection growth
/// reallocations: each finished array or hash is allocated once at its final size. Map keys are
/// stringified on the way in; the pairs are then inserted in order, which collapses duplicates
/// as a Ruby Hash does (last value, first position — exactly `IndexMap::insert`).
#[derive(Debug, Default)]
pub(super) struct ValueSink {
    items: Vec<Value>,
    pairs: Vec<(String, Value)>,
}

impl Sink for ValueSink {
    type Item = Value;
    /// Start of this sequence's items in `items`.
    type Seq = usize;
    /// Start of this map's pairs in `pairs`.
    type Map = usize;

    fn scalar(&mut self, v: Value, _: Mark) -> Value {
        v
    }
    fn new_seq(&mut self) -> usize {
        self.items.len()
    }
    fn seq_push(&mut self, _: &mut usize, item: Value) {
        self.items.push(item);
    }
    fn end_seq(&mut self, start: usize, _: Mark) -> Value {
        Value::Array(self.items.split_off(start))
    }
    fn new_map(&mut self) -> usize {
        self.pairs.len()
    }
    fn map_insert(&mut self, _: &mut usize, key: Value, value: Value) {
        self.pairs.push((key_string(key), value));
    }
    fn map_merge(&mut self, _: &mut usize, value: Value, source: Source) -> Result<(), Value> {
        // Psych's `hash.merge! val` is a series of `hash[k] = v`, and so are the pairs here: a
        // merged key overrides what is already there, wherever the `<<` sits (`b: 3` *before*
        // `<<: {b: 2}` ends up 2 — Psych 4.0.3, verified), and keys after it override it.
        match (source, value) {
            (Source::Alias | Source::Mapping, Value::Hash(h)) => {
                self.pairs.extend(h);
                Ok(())
            }
            // `val.reverse_each { |value| h.merge! value }; hash.merge! h`: earlier hashes win.
            // Assigning the reversed hashes' pairs one after another gives the same keys, order
            // and values.
            (Source::Sequence, Value::Array(items)) if items.iter().all(|v| matches!(v, Value::Hash(_))) => {
                for item in items.into_iter().rev() {
                    if let Value::Hash(h) = item {
                        self.pairs.extend(h);
                    }
                }
                Ok(())
            }
            (_, v) => Err(v),
        }
    }
    fn end_map(&mut self, start: usize, _: Mark) -> Value {
        let mut map = Map::with_capacity(self.pairs.len() - start);
        for (k, v) in self.pairs.drain(start..) {
            map.insert(k, v);
        }
        Value::Hash(map)
    }
    fn is_merge_str(item: &Value) -> bool {
        matches!(item, Value::String(s) if s == "<<")
    }
    fn key_str(item: &Value) -> Option<&str> {
        item.as_str()
    }
    fn omap_pair(item: Value) -> Option<(Value, Value)> {
        // The entry is already a deduplicated Hash here, so an entry with a repeated key
        // (`{a: 1, b: 2, a: 3}`, absurd in an omap) gives `a: 2` where Psych and `NodeSink` give 3.
        let Value::Hash(h) = item else { return None };
        let mut it = h.into_iter();
        let (k, first) = it.next()?;
        Some((Value::String(k), it.last().map_or(first, |(_, v)| v)))
    }
}

/// Builds [`Data`]: Ruby's objects as Puppet's lookup reads them, as [`ValueSink`] builds
/// `Value`s. Integers beyond 64 bits are kept. For Hiera data (`typed`), Symbols stay Symbols
/// and keys keep their types; for facts (`puppet lookup --facts`), keys are stringified and
/// Symbols become their names, as [`ValueSink`] does.
#[derive(Debug, Default)]
pub(super) struct DataSink {
    items: Vec<Data>,
    pairs: Vec<(Key, Data)>,
    typed: bool,
}

impl DataSink {
    /// The sink of Hiera data (typed keys, Symbols).
    pub(super) fn typed() -> Self {
        DataSink { typed: true, ..DataSink::default() }
    }
}

impl Sink for DataSink {
    type Item = Data;
    type Seq = usize;
    type Map = usize;

    fn scalar(&mut self, v: Value, _: Mark) -> Data {
        Data::from(v)
    }
    fn symbol(&mut self, name: String, _: Mark) -> Data {
        if self.typed { Data::Symbol(name) } else { Data::String(name) }
    }
    fn bignum(&mut self, _: &str, decimal: String, _: Mark) -> Result<Data, String> {
        Int::from_decimal(&decimal).map(Data::from).ok_or_else(|| format!("invalid value for Integer(): {decimal:?}"))
    }
    fn new_seq(&mut self) -> usize {
        self.items.len()
    }
    fn seq_push(&mut self, _: &mut usize, item: Data) {
        self.items.push(item);
    }
    fn end_seq(&mut self, start: usize, _: Mark) -> Data {
        Data::Array(self.items.split_off(start))
    }
    fn new_map(&mut self) -> usize {
        self.pairs.len()
    }
    fn map_insert(&mut self, _: &mut usize, key: Data, value: Data) {
        let key = if self.typed { data_key(key) } else { Key::Str(data_key_string(key)) };
        self.pairs.push((key, value));
    }
    fn map_merge(&mut self, _: &mut usize, value: Data, source: Source) -> Result<(), Data> {
        // As `ValueSink::map_merge`.
        match (source, value) {
            (Source::Alias | Source::Mapping, Data::Hash(h)) => {
                self.pairs.extend(h);
                Ok(())
            }
            (Source::Sequence, Data::Array(items)) if items.iter().all(|v| matches!(v, Data::Hash(_))) => {
                for item in items.into_iter().rev() {
                    if let Data::Hash(h) = item {
                        self.pairs.extend(h);
                    }
                }
                Ok(())
            }
            (_, v) => Err(v),
        }
    }
    fn end_map(&mut self, start: usize, _: Mark) -> Data {
        let mut map = DataMap::with_capacity(self.pairs.len() - start);
        for (k, v) in self.pairs.drain(start..) {
            map.insert(k, v);
        }
        Data::Hash(map)
    }
    fn is_merge_str(item: &Data) -> bool {
        matches!(item, Data::String(s) if s == "<<")
    }
    fn key_str(item: &Data) -> Option<&str> {
        item.as_str()
    }
    fn omap_pair(item: Data) -> Option<(Data, Data)> {
        let Data::Hash(h) = item else { return None };
        let mut it = h.into_iter();
        let (k, first) = it.next()?;
        Some((k.to_data(), it.last().map_or(first, |(_, v)| v)))
    }
}

/// A map key of Hiera data. Symbol keys are Strings, as Puppet's `symkeys_to_string` makes
/// them; a collection as a key (which Puppet refuses as not `RichDataKey`) is `nil`, which is
/// refused the same way.
fn data_key(k: Data) -> Key {
    match k {
        Data::String(s) | Data::Symbol(s) => Key::Str(s),
        Data::Int(i) => Key::Int(i),
        Data::BigInt(b) => Key::BigInt(b),
        Data::Float(f) => Key::Float(f),
        Data::Bool(b) => Key::Bool(b),
        Data::Null | Data::Array(_) | Data::Hash(_) => Key::Nil,
    }
}

/// A map key of facts: its `to_s` (an Integer beyond 64 bits by its digits), collections in the
/// workspace's JSON-ish form as [`key_string`] makes them.
fn data_key_string(k: Data) -> String {
    match k {
        Data::String(s) | Data::Symbol(s) => s,
        Data::BigInt(b) => b.as_str().to_string(),
        other => key_string(other.into_value()),
    }
}

/// Builds `Node`s. Pairs stay in document order with duplicates; merged pairs are spliced in where
/// the `<<` was, and a later explicit key that matches a *merged* key replaces it in place (so
/// the estate loader does not see a merge as a duplicate), while `to_value` still yields exactly
/// what the `ValueSink` yields.
#[derive(Debug, Default)]
pub(super) struct NodeSink;

#[derive(Debug, Default)]
pub(super) struct NodeMap {
    pairs: Vec<(Node, Node)>,
    /// Built at the first merge: which pairs came from a merge, and the last pair for each key
    /// string. Maps without `<<` never pay for it.
    merged: Vec<bool>,
    index: Option<HashMap<String, usize>>,
}

fn node_key(k: &Node) -> String {
    match &k.kind {
        NodeKind::Scalar(Value::String(s)) => s.clone(),
        _ => key_string(k.to_value()),
    }
}

impl NodeMap {
    fn ensure_index(&mut self) -> &mut HashMap<String, usize> {
        if self.index.is_none() {
            self.merged = vec![false; self.pairs.len()];
            let idx = self.pairs.iter().enumerate().map(|(i, (k, _))| (node_key(k), i)).collect();
            self.index = Some(idx);
        }
        self.index.get_or_insert_with(HashMap::new)
    }

    fn merge_pair(&mut self, k: Node, v: Node) {
        let key = node_key(&k);
        let len = self.pairs.len();
        let slot = *self.ensure_index().entry(key).or_insert(len);
        if slot < len {
            self.pairs[slot].1 = v;
        } else {
            self.pairs.push((k, v));
            self.merged.push(true);
        }
    }
}

impl Sink for NodeSink {
    type Item = Node;
    type Seq = Vec<Node>;
    type Map = NodeMap;

    fn scalar(&mut self, v: Value, mark: Mark) -> Node {
        Node { kind: NodeKind::Scalar(v), mark }
    }
    fn new_seq(&mut self) -> Vec<Node> {
        Vec::new()
    }
    fn seq_push(&mut self, seq: &mut Vec<Node>, item: Node) {
        seq.push(item);
    }
    fn end_seq(&mut self, seq: Vec<Node>, mark: Mark) -> Node {
        Node { kind: NodeKind::Seq(seq), mark }
    }
    fn new_map(&mut self) -> NodeMap {
        NodeMap::default()
    }
    fn map_insert(&mut self, map: &mut NodeMap, key: Node, value: Node) {
        let Some(index) = map.index.as_mut() else {
            map.pairs.push((key, value));
            return;
        };
        let name = node_key(&key);
        match index.get(&name).copied() {
            // Overrides a merged pair: Psych's `hash[key] = val` keeps the merged key's position.
            Some(i) if map.merged[i] => {
                map.pairs[i] = (key, value);
                map.merged[i] = false;
            }
            // New key or a genuine duplicate of an explicit key: kept for the estate loader.
            _ => {
                index.insert(name, map.pairs.len());
                map.pairs.push((key, value));
                map.merged.push(false);
            }
        }
    }
    fn map_merge(&mut self, map: &mut NodeMap, value: Node, source: Source) -> Result<(), Node> {
        match (source, value) {
            (Source::Alias | Source::Mapping, Node { kind: NodeKind::Map(pairs), .. }) => {
                for (k, v) in pairs {
                    map.merge_pair(k, v);
                }
                Ok(())
            }
            (Source::Sequence, Node { kind: NodeKind::Seq(items), .. })
                if items.iter().all(|n| matches!(n.kind, NodeKind::Map(_))) =>
            {
                for item in items.into_iter().rev() {
                    if let NodeKind::Map(pairs) = item.kind {
                        for (k, v) in pairs {
                            map.merge_pair(k, v);
                        }
                    }
                }
                Ok(())
            }
            (_, v) => Err(v),
        }
    }
    fn end_map(&mut self, map: NodeMap, mark: Mark) -> Node {
        Node { kind: NodeKind::Map(map.pairs), mark }
    }
    fn is_merge_str(item: &Node) -> bool {
        matches!(&item.kind, NodeKind::Scalar(Value::String(s)) if s == "<<")
    }
    fn key_str(item: &Node) -> Option<&str> {
        match &item.kind {
            NodeKind::Scalar(Value::String(s)) => Some(s),
            _ => None,
        }
    }
    fn omap_pair(item: Node) -> Option<(Node, Node)> {
        let NodeKind::Map(pairs) = item.kind else { return None };
        let mut it = pairs.into_iter();
        let (k, first) = it.next()?;
        Some((k, it.last().map_or(first, |(_, v)| v)))
    }
}
