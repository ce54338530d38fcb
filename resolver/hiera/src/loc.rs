//! A level's resolved locations and what a session keeps of each: its data, a key index, and
//! per-entry scans and interpolations.

use super::HieraError;
use crate::{Data, DataMap};
use rustc_hash::FxHashMap;
use std::cell::{Cell, OnceCell};
use std::sync::Arc;

/// An entry interpolated, with its [`super::fold::Found`] flags.
pub(super) type Interpolated = (Data, u8);

/// A data file's content as a location yields it (read once per session).
pub(super) type LocData = Result<Option<Arc<DataMap>>, HieraError>;

/// One resolved location of a level: its path and, once read, its data.
#[derive(Debug)]
pub(super) struct Loc {
    pub(super) path: String,
    pub(super) data: OnceCell<LocData>,
    /// Key lookups so far, and an FxHash index of the data's keys built once they repay it:
    /// `DataMap` hashes with SipHash, a fifth of a first-found lookup's time.
    hits: Cell<usize>,
    index: OnceCell<FxHashMap<Box<str>, usize>>,
    /// What [`super::interp::scan`] found in each value, by index (0: not scanned yet): the
    /// data never changes, so a value is scanned once per session, not once per lookup.
    scans: OnceCell<Box<[Cell<u8>]>>,
    /// Interpolated values by index, with their [`super::fold::Found`] flags, for the entries whose
    /// interpolation read only the scope (fixed for the session): Puppet interpolates on every
    /// lookup, always to the same text.
    interpolated: OnceCell<Box<[OnceCell<Interpolated>]>>,
}

const SCANNED: u8 = 1;
const INTERPOLATES: u8 = 2;

impl Loc {
    pub(super) fn new(path: String) -> Self {
        Loc {
            path,
            data: OnceCell::new(),
            hits: Cell::new(0),
            index: OnceCell::new(),
            scans: OnceCell::new(),
            interpolated: OnceCell::new(),
        }
    }

    /// `data[root]` and its index, through the index once this location has served enough
    /// lookups (16, or a sixteenth of its keys: building it costs about one lookup per key).
    #[inline]
    pub(super) fn get<'d>(&self, data: &'d DataMap, root: &str) -> Option<(usize, &'d Data)> {
        if let Some(ix) = self.index.get() {
            return ix.get(root).and_then(|&i| Some((i, data.get_index(i)?.1)));
        }
        let hits = self.hits.get() + 1;
        self.hits.set(hits);
        if hits >= 16 && hits >= data.len() / 16 {
            // Only String keys are found by name.
            let ix = data.keys().enumerate().filter_map(|(i, k)| Some((Box::from(k.as_str()?), i))).collect();
            let _ = self.index.set(ix);
        }
        data.get_full(root).map(|(i, _, v)| (i, v))
    }

    /// What entry `i` is: whether it interpolates, and its [`super::fold::Found`] flags (rich,
    /// duplicates, refused), cached.
    #[inline]
    pub(super) fn scan(&self, data: &DataMap, i: usize, v: &Data) -> (bool, u8) {
        let compute = || {
            let (interpolate, rich) = super::interp::scan(v);
            SCANNED | if interpolate { INTERPOLATES } else { 0 } | super::fold::flags(v, rich)
        };
        let scans = self.scans.get_or_init(|| (0..data.len()).map(|_| Cell::new(0)).collect());
        let flags = match scans.get(i) {
            Some(cell) if cell.get() != 0 => cell.get(),
            Some(cell) => {
                cell.set(compute());
                cell.get()
            }
            None => compute(),
        };
        (flags & INTERPOLATES != 0, flags)
    }

    /// The cell of entry `i`'s interpolated value (`None` past the data's end).
    #[inline]
    pub(super) fn interpolated(&self, data: &DataMap, i: usize) -> Option<&OnceCell<Interpolated>> {
        self.interpolated.get_or_init(|| (0..data.len()).map(|_| OnceCell::new()).collect()).get(i)
    }
}
