//! Ranked lists as fusion sees them: for each input list, in its order, the
//! document (group) each row stands for and the row's raw score. The
//! rerankers build them from merged Arrow inputs; tuning builds them from
//! each labelled query's result sets. Every fusion works on these alone.

use arrow_array::RecordBatch;

use crate::arrow::columns::{self, DISTANCE, SCORE};
use crate::error::Result;

/// Which column a list's raw values come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    /// `_distance`: smaller is better.
    Vector,
    /// `_score`: larger is better.
    FullText,
}

impl ListKind {
    /// A result set's kind when it may be either (multivector sets): `_score`
    /// where the set has it, else `_distance`.
    pub fn of(batch: &RecordBatch) -> Self {
        if batch.column_by_name(SCORE).is_some() || batch.column_by_name(DISTANCE).is_none() {
            Self::FullText
        } else {
            Self::Vector
        }
    }

    fn column(self) -> &'static str {
        match self {
            Self::Vector => DISTANCE,
            Self::FullText => SCORE,
        }
    }
}

/// One input list.
#[derive(Clone, Debug)]
pub struct RankedList {
    pub kind: ListKind,
    /// Each row's document, numbered from 0 across all lists.
    pub groups: Vec<u32>,
    /// Each row's raw value (`_distance` or `_score`); None where null, or
    /// where the fusion needs no values.
    pub values: Vec<Option<f64>>,
}

impl RankedList {
    /// The raw values of `batch` (named `input` in errors), read only when
    /// `values` is set: the column must then exist, as a float type.
    pub fn values(
        batch: &RecordBatch,
        input: &str,
        kind: ListKind,
        values: bool,
    ) -> Result<Vec<Option<f64>>> {
        if values && batch.num_rows() > 0 {
            columns::scores(batch, input, kind.column())
        } else {
            Ok(vec![None; batch.num_rows()])
        }
    }

    /// The row of each document's first occurrence with a value, in list
    /// order: (document, raw value).
    pub fn first_values(&self) -> impl Iterator<Item = (u32, f64)> + '_ {
        let mut seen = rustc_hash::FxHashSet::default();
        self.groups
            .iter()
            .zip(&self.values)
            .filter_map(move |(&g, v)| v.filter(|_| seen.insert(g)).map(|v| (g, v)))
    }

    /// The value of each document's first occurrence (None: absent or null).
    pub fn first_value_by_group(&self, groups: usize) -> Vec<Option<f64>> {
        let mut first: Vec<Option<f64>> = vec![None; groups];
        let mut seen = vec![false; groups];
        for (&g, &v) in self.groups.iter().zip(&self.values) {
            if !std::mem::replace(&mut seen[g as usize], true) {
                first[g as usize] = v;
            }
        }
        first
    }
}

/// The lists of one fusion call and how many documents they hold.
#[derive(Clone, Debug)]
pub struct FusionInput {
    pub lists: Vec<RankedList>,
    pub groups: usize,
    /// Two lists, vector then full-text (`rerankHybrid`), rather than
    /// result sets (`rerankMultivector`).
    pub hybrid: bool,
}
