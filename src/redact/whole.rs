//! Members read whole into memory, so their chunks can be redacted, learned
//! from and verified on several threads — within a memory budget shared by
//! every thread of the process.
//!
//! Why a shared budget: with `--jobs N`, N files are read at once, each up
//! to [`PARALLEL_MAX`]; without a bound the peak grows with N (283 MiB
//! measured on a 2 GB bundle with `-j2` before this). A read that cannot
//! reserve more of the budget stops early and the member streams through
//! one thread instead, which only costs speed.

use std::io::{self, Read};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Members up to this size are read whole (when the budget allows); larger
/// ones stream through one thread. Logs in a gitlabsos bundle are mostly
/// cut well below it.
pub const PARALLEL_MAX: usize = 64 << 20;

/// Bytes held by whole reads at once, over all threads. With the in-flight
/// output of the chunks being worked on, this keeps `redact` under its
/// 256 MiB target whatever `--jobs` is.
pub const BUDGET: usize = 96 << 20;

/// Reserve in steps of this size.
const STEP: usize = 1 << 20;

static HELD: AtomicUsize = AtomicUsize::new(0);

/// Take `n` bytes of the budget if they are free.
fn reserve(n: usize) -> bool {
    HELD.fetch_update(Ordering::AcqRel, Ordering::Acquire, |held| {
        (held + n <= BUDGET).then_some(held + n)
    })
    .is_ok()
}

/// Bytes read into memory, counted against the budget until dropped.
pub struct Held {
    data: Vec<u8>,
    reserved: usize,
}

impl Drop for Held {
    fn drop(&mut self) {
        HELD.fetch_sub(self.reserved, Ordering::AcqRel);
    }
}

impl std::ops::Deref for Held {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.data
    }
}

impl AsRef<[u8]> for Held {
    fn as_ref(&self) -> &[u8] {
        &self.data
    }
}

impl std::fmt::Debug for Held {
    /// The length only: the bytes are the input.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Held({} bytes)", self.data.len())
    }
}

/// A stream read whole, or as much of it as the limits allowed.
#[derive(Debug)]
enum Whole {
    All(Held),
    /// The first bytes; the rest is still in the reader.
    Partial(Held),
}

/// Read `input` to its end if it holds at most `max` bytes and the budget
/// has room for them; otherwise return what was read so far.
fn read_whole(input: &mut dyn Read, max: usize) -> io::Result<Whole> {
    let mut held = Held {
        data: Vec::new(),
        reserved: 0,
    };
    loop {
        if held.data.len() > max || !reserve(STEP) {
            return Ok(Whole::Partial(held));
        }
        held.reserved += STEP;
        held.data.reserve_exact(STEP);
        let n = input.take(STEP as u64).read_to_end(&mut held.data)?;
        if n == 0 {
            return Ok(Whole::All(held));
        }
    }
}

/// A member's content, ready to be searched.
pub enum Content<'a> {
    /// Held in memory: its chunks can be worked on by several threads.
    Whole(Held),
    /// Read as it comes (what was read while trying to hold it first).
    Stream(io::Chain<io::Cursor<Held>, &'a mut dyn Read>),
}

/// Hold `input` whole when `jobs > 1`, it is at most [`PARALLEL_MAX`] and
/// the budget has room; otherwise stream it, on one thread.
pub fn content(input: &mut dyn Read, jobs: usize) -> io::Result<Content<'_>> {
    let head = if jobs > 1 {
        match read_whole(input, PARALLEL_MAX)? {
            Whole::All(data) => return Ok(Content::Whole(data)),
            Whole::Partial(head) => head,
        }
    } else {
        Held {
            data: Vec::new(),
            reserved: 0,
        }
    };
    Ok(Content::Stream(io::Cursor::new(head).chain(input)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_inputs_are_read_whole_and_large_ones_in_part() {
        let data = vec![7u8; 3 * STEP + 5];
        match read_whole(&mut &data[..], PARALLEL_MAX).unwrap() {
            Whole::All(h) => assert_eq!(&h[..], &data[..]),
            Whole::Partial(_) => panic!("read in part"),
        }
        match read_whole(&mut &data[..], 2 * STEP).unwrap() {
            Whole::Partial(h) => {
                assert!(h.len() > 2 * STEP && h.len() < data.len());
                assert_eq!(&h[..], &data[..h.len()]);
            }
            Whole::All(_) => panic!("read whole past the limit"),
        }
    }

    #[test]
    fn the_budget_is_shared_and_given_back() {
        let data = vec![1u8; 8 * STEP];
        let held_before = HELD.load(Ordering::Acquire);
        let first = read_whole(&mut &data[..], PARALLEL_MAX).unwrap();
        assert!(HELD.load(Ordering::Acquire) >= held_before + 8 * STEP);
        drop(first);
        // Other tests may hold some of the budget; nothing of ours remains.
        assert!(HELD.load(Ordering::Acquire) < held_before + 8 * STEP);
    }
}
