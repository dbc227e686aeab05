//! Reading the reserved columns LanceDB puts in its results: `_rowid`,
//! `_distance` (vector side, smaller is better) and `_score` (full-text side,
//! larger is better).

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float16Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type,
    UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrowPrimitiveType, RecordBatch};
use arrow_schema::DataType;

use crate::error::{Error, Result};

pub const ROW_ID: &str = "_rowid";
pub const DISTANCE: &str = "_distance";
pub const SCORE: &str = "_score";
pub const RELEVANCE_SCORE: &str = "_relevance_score";

const ROW_ID_HINT: &str =
    "; ask the search for row ids (LanceDB: `.withRowId()` in TypeScript, `.with_row_id(True)` in Python)";

fn missing(batch: &RecordBatch, input: &str, column: &str, hint: &'static str) -> Error {
    let names: Vec<&str> = batch
        .schema_ref()
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    Error::MissingColumn {
        input: input.to_string(),
        column: column.to_string(),
        found: if names.is_empty() {
            "none: the batch has no schema".to_string()
        } else {
            names.join(", ")
        },
        hint,
    }
}

/// The `_rowid` column as `u64`s. Any integer type is accepted; nulls and
/// negative ids are errors.
pub fn row_ids(batch: &RecordBatch, input: &str) -> Result<Vec<u64>> {
    let column = batch
        .column_by_name(ROW_ID)
        .ok_or_else(|| missing(batch, input, ROW_ID, ROW_ID_HINT))?;
    if let Some(row) = first_null(column.as_ref()) {
        return Err(Error::NullValue {
            input: input.to_string(),
            column: ROW_ID.to_string(),
            row,
        });
    }
    fn unsigned<T: ArrowPrimitiveType>(a: &dyn Array) -> Vec<u64>
    where
        T::Native: Into<u64>,
    {
        a.as_primitive::<T>()
            .values()
            .iter()
            .map(|v| (*v).into())
            .collect()
    }
    fn signed<T: ArrowPrimitiveType>(a: &dyn Array, input: &str) -> Result<Vec<u64>>
    where
        T::Native: Into<i64>,
    {
        a.as_primitive::<T>()
            .values()
            .iter()
            .enumerate()
            .map(|(row, v)| {
                u64::try_from((*v).into()).map_err(|_| {
                    Error::InvalidInput(format!(
                        "{input}: column `{ROW_ID}` holds a negative id ({}) at row {row}",
                        (*v).into()
                    ))
                })
            })
            .collect()
    }
    let column = column.as_ref();
    match column.data_type() {
        DataType::UInt64 => Ok(column.as_primitive::<UInt64Type>().values().to_vec()),
        DataType::UInt32 => Ok(unsigned::<UInt32Type>(column)),
        DataType::UInt16 => Ok(unsigned::<UInt16Type>(column)),
        DataType::UInt8 => Ok(unsigned::<UInt8Type>(column)),
        DataType::Int64 => signed::<Int64Type>(column, input),
        DataType::Int32 => signed::<Int32Type>(column, input),
        DataType::Int16 => signed::<Int16Type>(column, input),
        DataType::Int8 => signed::<Int8Type>(column, input),
        other => Err(Error::ColumnType {
            input: input.to_string(),
            column: ROW_ID.to_string(),
            found: other.clone(),
            expected: "an integer type (UInt64 as LanceDB writes it)",
        }),
    }
}

fn first_null(array: &dyn Array) -> Option<usize> {
    if array.null_count() == 0 {
        return None;
    }
    (0..array.len()).find(|&i| array.is_null(i))
}

/// A string column, whichever of Arrow's string layouts it has, plain or
/// dictionary-encoded (what apache-arrow's `tableFromArrays` makes of strings).
pub enum TextColumn<'a> {
    Utf8(&'a arrow_array::StringArray),
    LargeUtf8(&'a arrow_array::LargeStringArray),
    Utf8View(&'a arrow_array::StringViewArray),
    Dictionary {
        array: &'a dyn Array,
        /// Each row's index into `values` (arbitrary where the row is null).
        keys: Vec<usize>,
        values: Box<TextColumn<'a>>,
    },
}

impl TextColumn<'_> {
    /// The text at `row`; null is the empty string.
    pub fn text(&self, row: usize) -> &str {
        let (null, value) = match self {
            Self::Utf8(a) => (a.is_null(row), a.value(row)),
            Self::LargeUtf8(a) => (a.is_null(row), a.value(row)),
            Self::Utf8View(a) => (a.is_null(row), a.value(row)),
            Self::Dictionary {
                array,
                keys,
                values,
            } => {
                return match keys.get(row) {
                    Some(&key) if array.is_valid(row) && key < values.len() => values.text(key),
                    _ => "",
                }
            }
        };
        if null {
            ""
        } else {
            value
        }
    }

    fn len(&self) -> usize {
        match self {
            Self::Utf8(a) => a.len(),
            Self::LargeUtf8(a) => a.len(),
            Self::Utf8View(a) => a.len(),
            Self::Dictionary { keys, .. } => keys.len(),
        }
    }

    fn of(array: &dyn Array) -> Option<TextColumn<'_>> {
        Some(match array.data_type() {
            DataType::Utf8 => TextColumn::Utf8(array.as_string::<i32>()),
            DataType::LargeUtf8 => TextColumn::LargeUtf8(array.as_string::<i64>()),
            DataType::Utf8View => TextColumn::Utf8View(array.as_string_view()),
            DataType::Dictionary(_, value_type)
                if matches!(
                    value_type.as_ref(),
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                ) =>
            {
                let dictionary = array.as_any_dictionary();
                let values = TextColumn::of(dictionary.values().as_ref())?;
                TextColumn::Dictionary {
                    array,
                    // `normalized_keys` wants at least one value; with none,
                    // every row is null.
                    keys: if values.len() == 0 {
                        Vec::new()
                    } else {
                        dictionary.normalized_keys()
                    },
                    values: Box::new(values),
                }
            }
            _ => return None,
        })
    }
}

/// The text column a model reranker reads.
pub fn text_column<'a>(
    batch: &'a RecordBatch,
    input: &str,
    column: &str,
) -> Result<TextColumn<'a>> {
    let array = batch.column_by_name(column).ok_or_else(|| {
        missing(
            batch,
            input,
            column,
            "; choose the text column with the `column` option (LanceDB returns only the \
             selected columns: a `.select([...])` must include it)",
        )
    })?;
    TextColumn::of(array.as_ref()).ok_or_else(|| Error::ColumnType {
        input: input.to_string(),
        column: column.to_string(),
        found: array.data_type().clone(),
        expected: "a string type (Utf8, LargeUtf8 or Utf8View, plain or dictionary-encoded)",
    })
}

/// A column of document ids as strings: any integer type in decimal, a float
/// type holding whole numbers (LanceDB stores JavaScript numbers as Float64;
/// 3.0 is written `3`, as JavaScript's `String` writes it), or any string
/// type (plain or dictionary-encoded). Nulls are errors.
pub fn ids_as_strings(batch: &RecordBatch, input: &str, column: &str) -> Result<Vec<String>> {
    let array = batch.column_by_name(column).ok_or_else(|| {
        missing(
            batch,
            input,
            column,
            "; choose the id column with the `idColumn` option",
        )
    })?;
    if let Some(row) = first_null(array.as_ref()) {
        return Err(Error::NullValue {
            input: input.to_string(),
            column: column.to_string(),
            row,
        });
    }
    fn decimal<T: ArrowPrimitiveType>(a: &dyn Array) -> Vec<String>
    where
        T::Native: ToString,
    {
        a.as_primitive::<T>()
            .values()
            .iter()
            .map(|v| v.to_string())
            .collect()
    }
    let a = array.as_ref();
    Ok(match a.data_type() {
        DataType::UInt64 => decimal::<UInt64Type>(a),
        DataType::UInt32 => decimal::<UInt32Type>(a),
        DataType::UInt16 => decimal::<UInt16Type>(a),
        DataType::UInt8 => decimal::<UInt8Type>(a),
        DataType::Int64 => decimal::<Int64Type>(a),
        DataType::Int32 => decimal::<Int32Type>(a),
        DataType::Int16 => decimal::<Int16Type>(a),
        DataType::Int8 => decimal::<Int8Type>(a),
        DataType::Float64 | DataType::Float32 => {
            let values: Vec<f64> = match a.data_type() {
                DataType::Float32 => a
                    .as_primitive::<Float32Type>()
                    .values()
                    .iter()
                    .map(|&v| f64::from(v))
                    .collect(),
                _ => a.as_primitive::<Float64Type>().values().to_vec(),
            };
            values
                .iter()
                .enumerate()
                .map(|(row, &v)| match v.fract() == 0.0 && v.abs() <= 9_007_199_254_740_992.0 {
                    true => Ok((v as i64).to_string()),
                    false => Err(Error::InvalidInput(format!(
                        "{input}: column `{column}` holds {v} at row {row}; float ids must be whole numbers"
                    ))),
                })
                .collect::<Result<_>>()?
        }
        _ => match TextColumn::of(a) {
            Some(texts) => (0..a.len())
                .map(|row| texts.text(row).to_string())
                .collect(),
            None => {
                return Err(Error::ColumnType {
                    input: input.to_string(),
                    column: column.to_string(),
                    found: a.data_type().clone(),
                    expected: "an integer, float or string type",
                })
            }
        },
    })
}

/// Checks that a score column, where present, is floating point.
pub fn check_score_type(batch: &RecordBatch, input: &str, column: &str) -> Result<()> {
    match batch.column_by_name(column).map(|c| c.data_type()) {
        None | Some(DataType::Float16 | DataType::Float32 | DataType::Float64) => Ok(()),
        Some(other) => Err(Error::ColumnType {
            input: input.to_string(),
            column: column.to_string(),
            found: other.clone(),
            expected: "a floating-point type (Float32 or Float64)",
        }),
    }
}

/// A floating-point score column as `f64`s, nulls as `None`. The column must
/// exist; NaN and infinities are errors.
pub fn scores(batch: &RecordBatch, input: &str, column: &str) -> Result<Vec<Option<f64>>> {
    check_score_type(batch, input, column)?;
    let array = batch
        .column_by_name(column)
        .ok_or_else(|| missing(batch, input, column, ""))?;
    fn collect<T: ArrowPrimitiveType>(
        a: &dyn Array,
        f: impl Fn(T::Native) -> f64,
    ) -> Vec<Option<f64>> {
        a.as_primitive::<T>().iter().map(|v| v.map(&f)).collect()
    }
    let values = match array.data_type() {
        DataType::Float16 => collect::<Float16Type>(array, |v| v.to_f64()),
        DataType::Float32 => collect::<Float32Type>(array, f64::from),
        _ => collect::<Float64Type>(array, |v| v),
    };
    if let Some((row, value)) = values
        .iter()
        .enumerate()
        .find_map(|(row, v)| v.filter(|v| !v.is_finite()).map(|v| (row, v)))
    {
        return Err(Error::NonFinite {
            input: input.to_string(),
            column: column.to_string(),
            row,
            value,
        });
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::types::Int32Type;
    use arrow_array::{DictionaryArray, Int32Array, StringArray};
    use arrow_schema::{Field, Schema};

    use super::*;

    fn batch_of(array: arrow_array::ArrayRef) -> RecordBatch {
        let schema = Schema::new(vec![Field::new("text", array.data_type().clone(), true)]);
        RecordBatch::try_new(Arc::new(schema), vec![array]).unwrap()
    }

    #[test]
    fn dictionary_text_reads_like_plain_text() {
        let dictionary = DictionaryArray::<Int32Type>::try_new(
            Int32Array::from(vec![Some(1), None, Some(0), Some(1)]),
            Arc::new(StringArray::from(vec![Some("river"), Some("lake")])),
        )
        .unwrap();
        let batch = batch_of(Arc::new(dictionary));
        let column = text_column(&batch, "vector results", "text").unwrap();
        let texts: Vec<&str> = (0..4).map(|row| column.text(row)).collect();
        assert_eq!(texts, ["lake", "", "river", "lake"]);
    }

    #[test]
    fn dictionary_without_values_is_all_empty_texts() {
        let dictionary = DictionaryArray::<Int32Type>::try_new(
            Int32Array::from(vec![None, None]),
            Arc::new(StringArray::from(Vec::<Option<&str>>::new())),
        )
        .unwrap();
        let batch = batch_of(Arc::new(dictionary));
        let column = text_column(&batch, "vector results", "text").unwrap();
        assert_eq!([column.text(0), column.text(1)], ["", ""]);
    }

    #[test]
    fn dictionary_of_numbers_is_refused_naming_the_column() {
        let dictionary = DictionaryArray::<Int32Type>::try_new(
            Int32Array::from(vec![Some(0)]),
            Arc::new(Int32Array::from(vec![7])),
        )
        .unwrap();
        let batch = batch_of(Arc::new(dictionary));
        let err = text_column(&batch, "vector results", "text").err().unwrap();
        assert!(err.to_string().contains("column `text`"), "{err}");
    }
}
