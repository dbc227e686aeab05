//! Running blocking work (model loading and inference, merging, IPC) off
//! the calling thread, on the Tokio runtime's blocking pool, with a panic
//! inside it turned into an internal error instead of a lost thread; and
//! splitting large memory-bound work (reading two inputs, copying bytes)
//! over two threads.

use std::mem::MaybeUninit;

use crate::error::{Error, Result};

/// `work` on the blocking thread pool of the current Tokio runtime.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(join) if join.is_panic() => Err(Error::from_panic(join.into_panic().as_ref())),
        Err(join) => Err(Error::Internal(join.to_string())),
    }
}

/// Runs `a` and `b` at once on two helper threads, while this thread waits,
/// when `parallel` is set and the machine has a second core; else one after
/// the other, here (also if the helpers cannot be started). The first error
/// wins, as in sequence; a panic in either resumes on this thread, where the
/// caller's panic handling turns it into an error.
///
/// The helpers are one pool of two threads, started on first use and kept:
/// a thread started per call cost 30-120 µs, and its allocations came from
/// fresh memory (page faults) every time.
pub fn join<A: Send, B: Send>(
    parallel: bool,
    a: impl FnOnce() -> Result<A> + Send,
    b: impl FnOnce() -> Result<B> + Send,
) -> Result<(A, B)> {
    static HELPERS: std::sync::OnceLock<Option<rayon_core::ThreadPool>> =
        std::sync::OnceLock::new();
    let helpers = HELPERS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        (cores >= 2)
            .then(|| {
                rayon_core::ThreadPoolBuilder::new()
                    .num_threads(2)
                    .thread_name(|i| format!("lancerank-helper-{i}"))
                    .build()
                    .ok()
            })
            .flatten()
    });
    match helpers {
        Some(pool) if parallel => {
            let (a, b) = pool.join(a, b);
            Ok((a?, b?))
        }
        _ => Ok((a()?, b()?)),
    }
}

/// Work of at least this many bytes is split over two threads.
pub const PARALLEL_BYTES: usize = 1 << 20;

/// Writes `pieces` back to back into `destination`, which they must fill
/// exactly (an error otherwise, before anything is written): two threads
/// each write one half when there are at least [`PARALLEL_BYTES`]. On `Ok`,
/// every byte of `destination` is written.
pub fn fill(destination: &mut [MaybeUninit<u8>], pieces: &[&[u8]]) -> Result<()> {
    let total = pieces
        .iter()
        .try_fold(0usize, |sum, p| sum.checked_add(p.len()));
    if total != Some(destination.len()) {
        return Err(Error::Internal(format!(
            "{} bytes to write into {}",
            total.map_or_else(|| "more than usize::MAX".to_string(), |t| t.to_string()),
            destination.len()
        )));
    }
    if destination.len() < PARALLEL_BYTES {
        write_pieces(destination, pieces);
        return Ok(());
    }
    // The pieces of each half; the one that straddles the middle is split.
    let half = destination.len() / 2;
    let (mut first, mut second) = (Vec::new(), Vec::new());
    let mut at = 0;
    for &piece in pieces {
        if at + piece.len() <= half {
            first.push(piece);
        } else if at >= half {
            second.push(piece);
        } else {
            let (head, tail) = piece.split_at(half - at);
            first.push(head);
            second.push(tail);
        }
        at += piece.len();
    }
    let (left, right) = destination.split_at_mut(half);
    join(
        true,
        || {
            write_pieces(left, &first);
            Ok(())
        },
        || {
            write_pieces(right, &second);
            Ok(())
        },
    )?;
    Ok(())
}

/// `pieces` back to back from the start of `destination`, which holds at
/// least their total.
fn write_pieces(destination: &mut [MaybeUninit<u8>], pieces: &[&[u8]]) {
    let mut at = 0;
    for piece in pieces {
        let target = &mut destination[at..at + piece.len()];
        // SAFETY: `target` is exactly `piece.len()` elements of
        // `MaybeUninit<u8>`, which has `u8`'s layout, and cannot overlap
        // `piece` (it is borrowed mutably, `piece` shared).
        unsafe {
            std::ptr::copy_nonoverlapping(
                piece.as_ptr(),
                target.as_mut_ptr().cast::<u8>(),
                piece.len(),
            )
        };
        at += piece.len();
    }
}

#[cfg(test)]
mod tests {
    use super::{fill, join, PARALLEL_BYTES};
    use crate::error::Error;
    use std::mem::MaybeUninit;

    fn filled(pieces: &[&[u8]], len: usize) -> crate::Result<Vec<u8>> {
        let mut out: Vec<u8> = Vec::with_capacity(len);
        fill(&mut out.spare_capacity_mut()[..len], pieces)?;
        // SAFETY: `fill` returned `Ok`: all `len` bytes are written.
        unsafe { out.set_len(len) };
        Ok(out)
    }

    #[test]
    fn fill_writes_every_piece_in_order_on_one_thread_or_two() {
        // Small (one thread) and large (two, with a piece across the middle,
        // empty pieces and one past it).
        let bytes: Vec<u8> = (0..3 * PARALLEL_BYTES + 7)
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        for cuts in [
            vec![0, 5, 5, 100],
            vec![0, 10, PARALLEL_BYTES, PARALLEL_BYTES, bytes.len()],
        ] {
            let end = *cuts.last().unwrap();
            let pieces: Vec<&[u8]> = cuts.windows(2).map(|w| &bytes[w[0]..w[1]]).collect();
            assert_eq!(filled(&pieces, end).unwrap(), &bytes[..end]);
        }
        assert!(filled(&[], 0).unwrap().is_empty());
    }

    #[test]
    fn fill_refuses_pieces_that_do_not_fill_the_destination() {
        let mut out = [MaybeUninit::<u8>::uninit(); 4];
        for pieces in [&[&b"abc"[..]][..], &[&b"abc"[..], &b"de"[..]][..]] {
            assert!(matches!(fill(&mut out, pieces), Err(Error::Internal(_))));
        }
    }

    #[test]
    fn join_runs_both_and_the_first_error_wins() {
        for parallel in [false, true] {
            assert_eq!(join(parallel, || Ok(1), || Ok("b")).unwrap(), (1, "b"));
            let failed = join::<(), ()>(
                parallel,
                || Err(Error::Internal("a".into())),
                || Err(Error::Internal("b".into())),
            );
            assert!(matches!(failed, Err(Error::Internal(m)) if m == "a"));
        }
    }
}
