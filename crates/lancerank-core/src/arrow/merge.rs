//! Merging result sets into one list of candidates, one per row id, and
//! turning a ranking of those candidates back into a record batch.
//!
//! A candidate remembers where each of its values lives: its ordinary
//! columns come from the first input that holds the row (vector rows before
//! full-text rows, earlier result sets before later ones), `_distance` from
//! the vector side and `_score` from the full-text side. Columns are copied
//! once, straight into the output order: with Arrow's `interleave` into a
//! record batch, or from the inputs into IPC bytes.

use rustc_hash::FxHashMap;
use std::sync::Arc;

use arrow_array::{new_null_array, Array, ArrayRef, Float32Array, RecordBatch, UInt64Array};
use arrow_schema::{DataType, Field, Metadata, Schema, SchemaRef};

use crate::arrow::columns::{self, DISTANCE, RELEVANCE_SCORE, ROW_ID, SCORE};
use crate::arrow::ipc::{self, GatherColumn};
use crate::error::{Error, Result};
use crate::ReturnScore;

/// Where a value lives: (input index, row index).
type Source = ipc::Source;

/// What `multivector` does with a row id that several rows share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Duplicates {
    /// The first row stands for its row id.
    KeepFirst,
    /// Every row stays.
    KeepAll,
    /// Every row is scored, and the best-scored one stands for its row id
    /// (ties: the first). `into_ranked` applies it.
    KeepBest,
}

/// How the vector side of a hybrid call is named in error messages.
pub const VECTOR_RESULTS: &str = "vector results";
/// How the full-text side of a hybrid call is named in error messages.
pub const FTS_RESULTS: &str = "full-text results";

/// How result set `index` of a multivector call is named in error messages.
pub fn result_set_name(index: usize) -> String {
    format!("result set {index}")
}

/// One row of the merged result.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub row_id: u64,
    /// The number of its row id among the distinct row ids of the inputs
    /// (candidates share one when `multivector` keeps duplicates).
    pub group: u32,
    /// The row its ordinary columns are copied from.
    pub primary: Source,
    /// The row its `_distance` comes from, if any.
    pub distance: Option<Source>,
    /// The row its `_score` comes from, if any.
    pub score: Option<Source>,
}

/// Named inputs and the candidates merged from them.
#[derive(Debug)]
pub struct Candidates {
    inputs: Vec<(String, RecordBatch)>,
    row_ids: Vec<Vec<u64>>,
    /// For each input row, the number of its row id among the distinct ones.
    groups: Vec<Vec<u32>>,
    group_count: usize,
    fields: Vec<Field>,
    metadata: Metadata,
    /// Hybrid results always carry `_distance` and `_score` under `ReturnScore::All`.
    hybrid: bool,
    keep_best: bool,
    pub rows: Vec<Candidate>,
}

impl Candidates {
    /// Vector and full-text results, merged by `_rowid`: vector rows first in
    /// their order, then the full-text rows not seen among them.
    pub fn hybrid(vector: RecordBatch, fts: RecordBatch) -> Result<Self> {
        let inputs = vec![
            (VECTOR_RESULTS.to_string(), vector),
            (FTS_RESULTS.to_string(), fts),
        ];
        let mut merged = Self::prepare(inputs, true, true)?;
        merged.rows.reserve(merged.group_count);
        let mut first = vec![u32::MAX; merged.group_count];
        for side in 0..2 {
            for row in 0..merged.groups[side].len() {
                let group = merged.groups[side][row];
                let source = Some((side, row));
                match first[group as usize] {
                    u32::MAX => {
                        first[group as usize] = merged.rows.len() as u32;
                        merged.rows.push(Candidate {
                            row_id: merged.row_ids[side][row],
                            group,
                            primary: (side, row),
                            distance: if side == 0 { source } else { None },
                            score: if side == 1 { source } else { None },
                        });
                    }
                    c => {
                        let candidate = &mut merged.rows[c as usize];
                        if side == 1 && candidate.score.is_none() {
                            candidate.score = source;
                        }
                    }
                }
            }
        }
        Ok(merged)
    }

    /// Several result sets, concatenated in order; `duplicates` says what
    /// becomes of rows that share a row id. `_rowid` is required unless every
    /// row stays and `require_row_ids` is false.
    pub fn multivector(
        sets: Vec<RecordBatch>,
        duplicates: Duplicates,
        require_row_ids: bool,
    ) -> Result<Self> {
        if sets.is_empty() {
            return Err(Error::InvalidInput(
                "resultSets must not be empty: pass at least one result set".to_string(),
            ));
        }
        let inputs = sets
            .into_iter()
            .enumerate()
            .map(|(i, b)| (result_set_name(i), b))
            .collect();
        let require_row_ids = require_row_ids || duplicates != Duplicates::KeepAll;
        Self::stack(inputs, duplicates, require_row_ids)
    }

    /// One result list, every row kept; `_rowid` is optional.
    pub fn single(batch: RecordBatch, input: &str) -> Result<Self> {
        Self::stack(vec![(input.to_string(), batch)], Duplicates::KeepAll, false)
    }

    fn stack(
        inputs: Vec<(String, RecordBatch)>,
        duplicates: Duplicates,
        require_row_ids: bool,
    ) -> Result<Self> {
        let mut merged = Self::prepare(inputs, false, require_row_ids)?;
        merged.keep_best = duplicates == Duplicates::KeepBest;
        let mut seen = vec![false; merged.group_count];
        for (set, groups) in merged.groups.iter().enumerate() {
            for (row, &group) in groups.iter().enumerate() {
                if duplicates == Duplicates::KeepFirst
                    && std::mem::replace(&mut seen[group as usize], true)
                {
                    continue;
                }
                let source = Some((set, row));
                merged.rows.push(Candidate {
                    row_id: merged.row_ids[set][row],
                    group,
                    primary: (set, row),
                    distance: source,
                    score: source,
                });
            }
        }
        Ok(merged)
    }

    fn prepare(
        inputs: Vec<(String, RecordBatch)>,
        hybrid: bool,
        require_row_ids: bool,
    ) -> Result<Self> {
        let mut row_ids = Vec::with_capacity(inputs.len());
        let rows: u64 = inputs
            .iter()
            .fold(0u64, |sum, (_, b)| sum.saturating_add(b.num_rows() as u64));
        let mut synthetic = u64::MAX.saturating_sub(rows);
        for (name, batch) in &inputs {
            if batch.num_columns() == 0 && batch.num_rows() == 0 {
                // An empty result without a schema: nothing to merge.
                row_ids.push(Vec::new());
                continue;
            }
            if require_row_ids || batch.column_by_name(ROW_ID).is_some() {
                row_ids.push(columns::row_ids(batch, name)?);
            } else {
                // No row ids: every row is a row of its own.
                let end = synthetic.saturating_add(batch.num_rows() as u64);
                row_ids.push((synthetic..end).collect());
                synthetic = end;
            }
            columns::check_score_type(batch, name, DISTANCE)?;
            columns::check_score_type(batch, name, SCORE)?;
        }
        let (fields, metadata) = unify_schemas(&inputs)?;
        check_column_sizes(&fields, rows)?;
        let (groups, group_count) = number_row_ids(&row_ids);
        Ok(Self {
            inputs,
            row_ids,
            groups,
            group_count,
            fields,
            metadata,
            hybrid,
            keep_best: false,
            rows: Vec::new(),
        })
    }

    /// The text of each candidate in `column` (from the row its ordinary
    /// columns come from); null texts are empty strings. Every input that
    /// holds rows must have the column, as a string type.
    pub fn texts(&self, column: &str) -> Result<Vec<String>> {
        let arrays = self
            .inputs
            .iter()
            .map(|(name, batch)| match batch.num_rows() {
                0 => Ok(None),
                _ => columns::text_column(batch, name, column).map(Some),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(self
            .rows
            .iter()
            .map(|c| {
                let (input, row) = c.primary;
                arrays[input]
                    .as_ref()
                    .map(|a| a.text(row).to_string())
                    .unwrap_or_default()
            })
            .collect())
    }

    /// For each input, the row-id number of each of its rows, in input
    /// order (repeats included). Numbers run from 0 to `group_count()`.
    pub fn input_groups(&self) -> &[Vec<u32>] {
        &self.groups
    }

    /// How many distinct row ids the inputs hold.
    pub fn group_count(&self) -> usize {
        self.group_count
    }

    /// Sorts the candidates by `scores` (one per candidate) descending, ties
    /// keeping merge order, and builds the output batch with a Float32
    /// `_relevance_score` column. Ranking happens on the Float32 values.
    pub fn into_ranked(self, scores: &[f64], return_score: ReturnScore) -> Result<RecordBatch> {
        self.rank(scores, return_score)?.into_batch()
    }

    /// As [`into_ranked`](Self::into_ranked), without building the output:
    /// what each output column holds, to be built as a batch or written
    /// straight into IPC bytes.
    pub fn rank(self, scores: &[f64], return_score: ReturnScore) -> Result<Ranked> {
        let relevance: Vec<f32> = scores.iter().map(|&s| s as f32).collect();
        let mut order = ranking_order(&relevance)?;
        if self.keep_best {
            let mut seen = vec![false; self.group_count];
            order.retain(|&c| !std::mem::replace(&mut seen[self.rows[c].group as usize], true));
        }
        let keep_scores = return_score == ReturnScore::All;
        let mut fields = Vec::with_capacity(self.fields.len() + 3);
        let mut columns = Vec::with_capacity(self.fields.len() + 3);
        let mut has = (false, false);
        for field in &self.fields {
            let name = field.name().as_str();
            if name == ROW_ID {
                let ids: UInt64Array = order.iter().map(|&c| self.rows[c].row_id).collect();
                fields.push(
                    Field::new(ROW_ID, DataType::UInt64, false)
                        .with_metadata(field.metadata().clone()),
                );
                columns.push(RankedColumn::Built(Arc::new(ids)));
                continue;
            }
            let pick: fn(&Candidate) -> Option<Source> = match name {
                DISTANCE => |c| c.distance,
                SCORE => |c| c.score,
                _ => |c| Some(c.primary),
            };
            if name == DISTANCE || name == SCORE {
                if !keep_scores {
                    continue;
                }
                if name == DISTANCE {
                    has.0 = true
                } else {
                    has.1 = true
                }
            }
            let sources: Vec<Option<Source>> = order.iter().map(|&c| pick(&self.rows[c])).collect();
            columns.push(RankedColumn::Gathered(sources));
            fields.push(field.clone());
        }
        if keep_scores && self.hybrid {
            for (present, name) in [(has.0, DISTANCE), (has.1, SCORE)] {
                if !present {
                    fields.push(Field::new(name, DataType::Float32, true));
                    columns.push(RankedColumn::Built(new_null_array(
                        &DataType::Float32,
                        order.len(),
                    )));
                }
            }
        }
        let scores: Float32Array = order.iter().map(|&c| Some(relevance[c])).collect();
        fields.push(Field::new(RELEVANCE_SCORE, DataType::Float32, true));
        columns.push(RankedColumn::Built(Arc::new(scores)));
        Ok(Ranked {
            inputs: self.inputs.into_iter().map(|(_, batch)| batch).collect(),
            schema: Arc::new(Schema::new_with_metadata(fields, self.metadata)),
            columns,
            rows: order.len(),
        })
    }
}

/// Numbers the distinct row ids in order of first appearance: for each
/// input, the number of each of its rows' ids; and how many there are.
///
/// Where the ids fill much of the range they span, in all or in each
/// fragment (a result set that holds much of its table, in one fragment or
/// many), they are numbered through a table of slots ([`IdTable`]); others
/// through a hash map, whose random accesses were half the cost of merging.
fn number_row_ids(row_ids: &[Vec<u64>]) -> (Vec<Vec<u32>>, usize) {
    let total: usize = row_ids.iter().map(Vec::len).sum();
    let mut count = 0u32;
    let mut next = || {
        count += 1;
        count - 1
    };
    let groups = match IdTable::new(row_ids, total) {
        Some(IdTable::Span { lowest, slots }) => {
            number_through_slots(row_ids, slots, |id| (id - lowest) as usize, next)
        }
        Some(IdTable::Fragments {
            first,
            fragments,
            slots,
        }) => number_through_slots(
            row_ids,
            slots,
            |id| {
                let (lowest, first_slot) = fragments[((id >> 32) - first) as usize];
                first_slot + (id as u32 - lowest) as usize
            },
            next,
        ),
        None => {
            let mut numbering: FxHashMap<u64, u32> =
                FxHashMap::with_capacity_and_hasher(total, Default::default());
            row_ids
                .iter()
                .map(|ids| {
                    ids.iter()
                        .map(|&id| *numbering.entry(id).or_insert_with(&mut next))
                        .collect()
                })
                .collect()
        }
    };
    (groups, count as usize)
}

/// [`number_row_ids`] through `slots` slots, each id's found by `slot_of`.
fn number_through_slots(
    row_ids: &[Vec<u64>],
    slots: usize,
    slot_of: impl Fn(u64) -> usize,
    mut next: impl FnMut() -> u32,
) -> Vec<Vec<u32>> {
    let mut numbers = vec![u32::MAX; slots];
    row_ids
        .iter()
        .map(|ids| {
            ids.iter()
                .map(|&id| {
                    let number = &mut numbers[slot_of(id)];
                    if *number == u32::MAX {
                        *number = next();
                    }
                    *number
                })
                .collect()
        })
        .collect()
}

/// Where each row id's slot is, when the ids need at most twice their
/// number of slots (plus one): read and written nearly in order when the
/// ids come nearly in order.
enum IdTable {
    /// A slot for every id from the lowest to the highest.
    Span { lowest: u64, slots: usize },
    /// A slot for every offset between the lowest and the highest id of
    /// each fragment (LanceDB's row ids are `fragment << 32 | offset`):
    /// per fragment from `first`, its lowest offset and its first slot.
    Fragments {
        first: u64,
        fragments: Vec<(u32, usize)>,
        slots: usize,
    },
}

impl IdTable {
    /// `None` when neither layout fits in twice the `total` of ids, plus one.
    fn new(row_ids: &[Vec<u64>], total: usize) -> Option<Self> {
        let limit = total.saturating_mul(2).saturating_add(1);
        let (lowest, highest) = row_ids
            .iter()
            .flatten()
            .fold((u64::MAX, 0), |(lo, hi), &id| (lo.min(id), hi.max(id)));
        let span = usize::try_from(highest.checked_sub(lowest)?).ok()?;
        if span < limit {
            return Some(Self::Span {
                lowest,
                slots: span + 1,
            });
        }
        let (first, last) = (lowest >> 32, highest >> 32);
        let fragment_span = usize::try_from(last - first)
            .ok()
            .filter(|&span| span < limit)?;
        // Per fragment, its lowest and highest offset (lowest > highest: no ids).
        let mut bounds = vec![(u32::MAX, 0u32); fragment_span + 1];
        for &id in row_ids.iter().flatten() {
            let (lo, hi) = &mut bounds[((id >> 32) - first) as usize];
            *lo = (*lo).min(id as u32);
            *hi = (*hi).max(id as u32);
        }
        let mut slots = 0usize;
        let mut fragments = Vec::with_capacity(bounds.len());
        for (lo, hi) in bounds {
            fragments.push((lo, slots));
            if lo <= hi {
                slots = slots.checked_add((hi - lo) as usize + 1)?;
            }
        }
        (slots <= limit).then_some(Self::Fragments {
            first,
            fragments,
            slots,
        })
    }
}

/// Candidate numbers by `relevance` descending (Float32 total order, as
/// `f32::total_cmp`), ties in candidate order. Each candidate is one `u64`
/// key (its order-preserving score bits, then its number), so the sort
/// compares plain integers instead of looking scores up through an index.
/// The sort is the run-detecting stable one: fused scores are often close
/// to sorted in merge order already.
fn ranking_order(relevance: &[f32]) -> Result<Vec<usize>> {
    if u32::try_from(relevance.len()).is_err() {
        return Err(Error::InvalidInput(format!(
            "{} candidates: at most {} can be ranked",
            relevance.len(),
            u32::MAX
        )));
    }
    let mut keys: Vec<u64> = relevance
        .iter()
        .enumerate()
        .map(|(i, r)| {
            // As `f32::total_cmp`: negative values' other bits flipped, so
            // the bits order as signed integers; then the sign bit flipped
            // (unsigned order) and all inverted (descending).
            let bits = r.to_bits() as i32;
            let ordered = (bits ^ ((((bits >> 31) as u32) >> 1) as i32)) as u32 ^ 0x8000_0000;
            (u64::from(!ordered) << 32) | i as u64
        })
        .collect();
    keys.sort();
    Ok(keys
        .into_iter()
        .map(|k| (k & u64::from(u32::MAX)) as usize)
        .collect())
}

/// A ranked result not yet built: its schema and, for each column, either
/// its values or the input row each output row's value comes from.
#[derive(Debug)]
pub struct Ranked {
    inputs: Vec<RecordBatch>,
    schema: SchemaRef,
    columns: Vec<RankedColumn>,
    rows: usize,
}

#[derive(Debug)]
enum RankedColumn {
    Built(ArrayRef),
    /// The value of the column of the same name in the input at each source;
    /// null where there is no source or the input lacks the column.
    Gathered(Vec<Option<Source>>),
}

impl Ranked {
    /// The output as a record batch.
    pub fn into_batch(self) -> Result<RecordBatch> {
        let arrays = self
            .schema
            .fields()
            .iter()
            .zip(&self.columns)
            .map(|(field, column)| match column {
                RankedColumn::Built(array) => Ok(Arc::clone(array)),
                RankedColumn::Gathered(sources) => self.gather(field, sources),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(RecordBatch::try_new(self.schema, arrays)?)
    }

    /// The output as an Arrow IPC stream, each column copied once, straight
    /// from the inputs into the stream (see [`ipc::write_gathered`]); built
    /// as a batch first where a column's type has no direct writer.
    pub fn into_ipc(self) -> Result<Vec<u8>> {
        let identity: Vec<Option<Source>> = (0..self.rows).map(|row| Some((0, row))).collect();
        let columns: Vec<GatherColumn> = self
            .schema
            .fields()
            .iter()
            .zip(&self.columns)
            .map(|(field, column)| match column {
                RankedColumn::Built(array) => GatherColumn {
                    arrays: vec![Some(array.as_ref())],
                    sources: &identity,
                },
                RankedColumn::Gathered(sources) => GatherColumn {
                    arrays: self
                        .inputs
                        .iter()
                        .map(|batch| batch.column_by_name(field.name()).map(|a| a.as_ref()))
                        .collect(),
                    sources,
                },
            })
            .collect();
        match ipc::write_gathered(&self.schema, &columns, self.rows)? {
            Some(bytes) => Ok(bytes),
            None => ipc::write_batch(&self.into_batch()?),
        }
    }

    /// One output column: the value of `field` at each source, null where
    /// there is no source or the input lacks the column.
    fn gather(&self, field: &Field, sources: &[Option<Source>]) -> Result<ArrayRef> {
        let mut values: Vec<ArrayRef> = self
            .inputs
            .iter()
            .map(|batch| match batch.column_by_name(field.name()) {
                Some(column) => Arc::clone(column),
                None => new_null_array(field.data_type(), batch.num_rows()),
            })
            .collect();
        let null_slot = values.len();
        values.push(new_null_array(field.data_type(), 1));
        let indices: Vec<(usize, usize)> = sources
            .iter()
            .map(|s| s.unwrap_or((null_slot, 0)))
            .collect();
        let refs: Vec<&dyn Array> = values.iter().map(|a| a.as_ref()).collect();
        Ok(arrow_select::interleave::interleave(&refs, &indices)?)
    }
}

/// The most bytes one output column may take whatever its rows hold:
/// fixed-size lists and binaries keep their width even where null, so a
/// schema can ask for far more memory than its input holds.
const MAX_COLUMN_BYTES: u64 = 8 << 30;

/// The bytes a row of `data_type` takes even when null; `None` past `u64`.
fn fixed_row_bytes(data_type: &DataType) -> Option<u64> {
    match data_type {
        DataType::FixedSizeList(child, size) => {
            fixed_row_bytes(child.data_type())?.checked_mul(u64::try_from(*size).ok()?)
        }
        DataType::FixedSizeBinary(width) => u64::try_from(*width).ok(),
        DataType::Struct(fields) => fields.iter().try_fold(1u64, |sum, f| {
            sum.checked_add(fixed_row_bytes(f.data_type())?)
        }),
        other => Some(other.primitive_width().unwrap_or(8) as u64),
    }
}

/// Refuses columns whose output for `rows` rows (plus a null row) would
/// pass [`MAX_COLUMN_BYTES`].
fn check_column_sizes(fields: &[Field], rows: u64) -> Result<()> {
    for field in fields {
        let bytes = fixed_row_bytes(field.data_type()).and_then(|b| b.checked_mul(rows + 1));
        if bytes.is_none_or(|b| b > MAX_COLUMN_BYTES) {
            return Err(Error::InvalidInput(format!(
                "column `{}`: {rows} rows of type {} would take more than {} GiB",
                field.name(),
                field.data_type(),
                MAX_COLUMN_BYTES >> 30
            )));
        }
    }
    Ok(())
}

/// The union of the inputs' columns, in order of first appearance. A column
/// missing from some input becomes nullable; one name with two types is an
/// error. `_rowid` is exempt (it is normalised to UInt64).
fn unify_schemas(inputs: &[(String, RecordBatch)]) -> Result<(Vec<Field>, Metadata)> {
    let mut fields: Vec<Field> = Vec::new();
    let mut first_seen: Vec<usize> = Vec::new();
    let metadata = inputs
        .first()
        .map(|(_, b)| b.schema_ref().metadata().clone())
        .unwrap_or_default();
    for (i, (_, batch)) in inputs.iter().enumerate() {
        let schema = batch.schema_ref();
        for field in schema.fields() {
            if field.name() == RELEVANCE_SCORE {
                // An earlier reranker's score: this one replaces it.
                continue;
            }
            match fields.iter().position(|f| f.name() == field.name()) {
                Some(at) => {
                    let known = &fields[at];
                    if field.name() != ROW_ID && known.data_type() != field.data_type() {
                        return Err(Error::SchemaMismatch {
                            column: field.name().clone(),
                            first_input: inputs[first_seen[at]].0.clone(),
                            first: known.data_type().clone(),
                            second_input: inputs[i].0.clone(),
                            second: field.data_type().clone(),
                        });
                    }
                    if field.is_nullable() && !known.is_nullable() {
                        fields[at] = known.clone().with_nullable(true);
                    }
                }
                None => {
                    fields.push(field.as_ref().clone());
                    first_seen.push(i);
                }
            }
        }
    }
    // A column that some input lacks is null on that input's rows.
    for field in fields.iter_mut() {
        let everywhere = inputs
            .iter()
            .all(|(_, b)| b.schema_ref().column_with_name(field.name()).is_some());
        if !everywhere && !field.is_nullable() {
            *field = field.clone().with_nullable(true);
        }
    }
    Ok((fields, metadata))
}

#[cfg(test)]
mod tests {
    use super::{number_row_ids, ranking_order, IdTable};

    #[test]
    fn row_ids_are_numbered_by_first_appearance_dense_or_not() {
        // Dense in one fragment and in several (a table), sparse (a hash
        // map), repeats, and empty inputs.
        let fragment = |f: u64, offset: u64| f << 32 | offset;
        for ids in [
            vec![vec![7, 5, 9, 5], vec![9, 6, 7, 8], vec![]],
            vec![
                vec![
                    fragment(3, 10),
                    fragment(1, u32::MAX as u64),
                    fragment(3, 11),
                ],
                vec![
                    fragment(1, u32::MAX as u64 - 1),
                    fragment(3, 10),
                    fragment(2, 0),
                ],
            ],
            vec![
                vec![fragment(0, 0), fragment(0, 1 << 20)],
                vec![fragment(1, 5)],
            ],
            vec![vec![u64::MAX, 0, 1 << 40], vec![0, 3, u64::MAX]],
            vec![vec![], vec![]],
            vec![vec![42]],
        ] {
            let mut seen: Vec<u64> = Vec::new();
            let expected: Vec<Vec<u32>> = ids
                .iter()
                .map(|list| {
                    list.iter()
                        .map(|id| match seen.iter().position(|s| s == id) {
                            Some(at) => at as u32,
                            None => {
                                seen.push(*id);
                                seen.len() as u32 - 1
                            }
                        })
                        .collect()
                })
                .collect();
            assert_eq!(number_row_ids(&ids), (expected, seen.len()), "{ids:?}");
        }
    }

    #[test]
    fn the_id_table_takes_ids_dense_within_their_fragments() {
        let fragment = |f: u64, offset: u64| f << 32 | offset;
        // Three fragments, each filled: a table of a slot per id. One id far
        // from the others within its fragment, or fragments far apart: a
        // hash map.
        let dense = vec![(0..40)
            .map(|i| fragment(i % 3 + 5, i / 3))
            .collect::<Vec<_>>()];
        assert!(matches!(
            IdTable::new(&dense, 40),
            Some(IdTable::Fragments { slots: 40, .. })
        ));
        let mut far = dense.clone();
        far[0].push(fragment(6, 1000));
        assert!(IdTable::new(&far, 41).is_none());
        let mut apart = dense;
        apart[0].push(fragment(1000, 0));
        assert!(IdTable::new(&apart, 41).is_none());
        // Within twice their number of each other across a fragment's end: one span.
        let across = vec![vec![fragment(1, 0), fragment(0, u32::MAX as u64)]];
        assert!(matches!(
            IdTable::new(&across, 2),
            Some(IdTable::Span { slots: 2, .. })
        ));
    }

    /// The order a stable sort by `f32::total_cmp`, descending, gives.
    fn stable_order(relevance: &[f32]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..relevance.len()).collect();
        order.sort_by(|&a, &b| relevance[b].total_cmp(&relevance[a]));
        order
    }

    #[test]
    fn ranking_order_is_a_stable_descending_total_order() {
        let special = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            -f32::NAN,
            f32::MIN_POSITIVE,
            -f32::MIN_POSITIVE,
            f32::MAX,
            f32::MIN,
            1.0,
            0.0,
            f32::NAN,
            -0.0,
        ];
        assert_eq!(ranking_order(&special).unwrap(), stable_order(&special));
        // Many ties and a spread of magnitudes (a fixed xorshift sequence).
        let mut x = 0x9e37_79b9_u32;
        let values: Vec<f32> = (0..5000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                match x % 4 {
                    0 => (x % 7) as f32,
                    1 => -((x % 5) as f32) / 3.0,
                    2 => f32::from_bits(x),
                    _ => (x as f32).recip(),
                }
            })
            .collect();
        assert_eq!(ranking_order(&values).unwrap(), stable_order(&values));
        assert!(ranking_order(&[]).unwrap().is_empty());
    }
}
