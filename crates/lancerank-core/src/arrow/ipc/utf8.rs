//! Strings decoded as bytes, checked for UTF-8 in one pass, and made
//! strings again.
//!
//! arrow-rs checks a string column with `std::str::from_utf8` over its
//! values and then every offset for a character boundary; on the text a
//! reranker only carries (hundreds of bytes a row) that check is most of
//! the cost of reading its input. Here the column arrives as binary, whose
//! offsets arrow-rs has checked (in bounds, non-decreasing); its values
//! between the first and last offset are checked with SIMD (`simdutf8`),
//! and each offset inside them must not fall on a continuation byte. That
//! is the same guarantee arrow-rs gives, so the column becomes a string
//! column without copying.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, GenericStringArray, OffsetSizeTrait};
use arrow_schema::DataType;

/// `column` as `data_type`: a binary column decoded for a string field
/// becomes that string column once its bytes are UTF-8; others are as read.
pub fn restore(data_type: &DataType, column: &ArrayRef) -> Result<ArrayRef, String> {
    match (data_type, column.data_type()) {
        (DataType::Utf8, DataType::Binary) => strings::<i32>(column),
        (DataType::LargeUtf8, DataType::LargeBinary) => strings::<i64>(column),
        _ => Ok(Arc::clone(column)),
    }
}

fn strings<O: OffsetSizeTrait>(column: &ArrayRef) -> Result<ArrayRef, String> {
    let binary = column.as_binary::<O>();
    let offsets = binary.offsets();
    let values = binary.values().as_slice();
    let (first, last) = (offsets[0].as_usize(), offsets[offsets.len() - 1].as_usize());
    let span = &values[first..last];
    let boundaries = || {
        offsets.iter().all(|o| {
            let at = o.as_usize() - first;
            // Not a continuation byte (0b10xx_xxxx) where a string starts or ends.
            at == 0 || at == span.len() || (span[at] as i8) >= -0x40
        })
    };
    if simdutf8::basic::from_utf8(span).is_err() || !boundaries() {
        let row = (0..binary.len())
            .find(|&i| std::str::from_utf8(binary.value(i)).is_err())
            .unwrap_or(0);
        return Err(format!("row {row} is not valid UTF-8"));
    }
    // SAFETY: the offsets were checked by arrow-rs when the binary column
    // was decoded (in bounds, non-decreasing), the bytes they span are
    // UTF-8 and every offset lies on a character boundary: what
    // `GenericStringArray` requires of its buffers.
    let strings = unsafe {
        GenericStringArray::<O>::new_unchecked(
            offsets.clone(),
            binary.values().clone(),
            binary.nulls().cloned(),
        )
    };
    Ok(Arc::new(strings))
}
