//! gzip decompression on a thread of its own, ahead of the reader.
//!
//! A `.tar.gz` bundle is one gzip stream: read with
//! [`flate2::read::MultiGzDecoder`], inflating is done on the thread that
//! then scans what came out, and one core of two sits idle for a third of the
//! run. [`GzReadAhead`] moves inflating to a worker thread that keeps up to
//! [`AHEAD_BLOCKS`] blocks of plain bytes ready, so it overlaps the scan of
//! the bytes before them.
//!
//! The compressed bytes are still read on the caller's thread and handed
//! over in blocks: the source is whatever layer is below (a file, a tar
//! entry, a [`super::Peek`]), none of which needs to be `Send`.
//!
//! What comes out is the same byte stream `MultiGzDecoder` gives; only read
//! sizes differ, and nothing downstream depends on them (see the `--jobs`
//! byte-identity tests). Memory is bounded: at most [`AHEAD_BLOCKS`] ×
//! [`BLOCK`] plain and [`INPUT_BLOCKS`] × [`INPUT_BLOCK`] compressed bytes
//! wait in the channels, whatever the stream expands to (the caller's
//! size limit applies to what it reads, as before).

use std::io::{self, Read};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError, TrySendError};
use std::thread::JoinHandle;

use flate2::read::MultiGzDecoder;

/// Plain bytes per block handed back.
const BLOCK: usize = 1 << 20;
/// Plain blocks the worker may have ready before it waits.
const AHEAD_BLOCKS: usize = 16;
/// Spent blocks kept for reuse (more are freed).
const RECYCLED_BLOCKS: usize = 4;
/// Compressed bytes per block handed over.
const INPUT_BLOCK: usize = 256 << 10;
/// Compressed blocks that may wait for the worker.
const INPUT_BLOCKS: usize = 8;

/// A `Read` of the decompressed content of a gzip stream read from `source`.
pub struct GzReadAhead<'a> {
    source: &'a mut dyn Read,
    /// `None` once the source is exhausted (the worker then sees the end).
    to_worker: Option<SyncSender<Vec<u8>>>,
    /// A compressed block the worker had no room for yet.
    pending: Option<Vec<u8>>,
    from_worker: Option<Receiver<io::Result<Vec<u8>>>>,
    /// Blocks read out, back to the worker to fill again (allocating and
    /// zeroing a fresh megabyte per block cost more than inflating a
    /// tenth of it).
    spent: SyncSender<Vec<u8>>,
    current: Vec<u8>,
    pos: usize,
    worker: Option<JoinHandle<()>>,
}

impl<'a> GzReadAhead<'a> {
    pub fn new(source: &'a mut dyn Read) -> GzReadAhead<'a> {
        let (to_worker, input) = mpsc::sync_channel::<Vec<u8>>(INPUT_BLOCKS);
        let (output, from_worker) = mpsc::sync_channel::<io::Result<Vec<u8>>>(AHEAD_BLOCKS);
        let (spent, recycled) = mpsc::sync_channel::<Vec<u8>>(RECYCLED_BLOCKS);
        let worker = std::thread::spawn(move || {
            let mut dec = MultiGzDecoder::new(Blocks {
                rx: input,
                block: Vec::new(),
                pos: 0,
            });
            loop {
                let mut block = recycled.try_recv().unwrap_or_default();
                // Only bytes never initialized are zeroed (once per block).
                block.resize(BLOCK, 0);
                let mut filled = 0;
                let res = loop {
                    match dec.read(&mut block[filled..]) {
                        Ok(0) => break Ok(()),
                        Ok(n) => {
                            filled += n;
                            if filled == block.len() {
                                break Ok(());
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => break Err(e),
                    }
                };
                block.truncate(filled);
                let last = filled < BLOCK;
                if filled > 0 && output.send(Ok(block)).is_err() {
                    return; // The reader is gone.
                }
                if let Err(e) = res {
                    let _ = output.send(Err(e));
                    return;
                }
                if last {
                    return; // End of stream: dropping `output` says so.
                }
            }
        });
        GzReadAhead {
            source,
            to_worker: Some(to_worker),
            pending: None,
            from_worker: Some(from_worker),
            spent,
            current: Vec::new(),
            pos: 0,
            worker: Some(worker),
        }
    }

    /// Hand the worker compressed bytes if it has room. Returns whether
    /// anything was handed over (or the source ended).
    fn feed(&mut self) -> io::Result<bool> {
        let Some(tx) = &self.to_worker else {
            return Ok(false);
        };
        let block = match self.pending.take() {
            Some(b) => b,
            None => {
                let mut b = vec![0u8; INPUT_BLOCK];
                let n = loop {
                    match self.source.read(&mut b) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                };
                if n == 0 {
                    self.to_worker = None;
                    return Ok(true);
                }
                b.truncate(n);
                b
            }
        };
        match tx.try_send(block) {
            Ok(()) => Ok(true),
            Err(TrySendError::Full(b)) => {
                self.pending = Some(b);
                Ok(false)
            }
            // The worker stopped (an error it has sent, or the end of the
            // gzip data): what it sent tells.
            Err(TrySendError::Disconnected(_)) => {
                self.to_worker = None;
                Ok(false)
            }
        }
    }

    /// Take the next plain block. `Ok(false)`: the stream ended.
    fn next_block(&mut self) -> io::Result<bool> {
        loop {
            let Some(rx) = &self.from_worker else {
                return Ok(false);
            };
            let got = match rx.try_recv() {
                Ok(b) => Some(b),
                Err(TryRecvError::Disconnected) => None,
                Err(TryRecvError::Empty) => {
                    if self.feed()? {
                        continue;
                    }
                    // The worker has input (or all of it): it will send.
                    let Some(rx) = &self.from_worker else {
                        return Ok(false);
                    };
                    rx.recv().ok()
                }
            };
            match got {
                Some(Ok(b)) => {
                    let spent = std::mem::replace(&mut self.current, b);
                    if spent.capacity() == BLOCK {
                        // Full: the worker allocates instead.
                        let _ = self.spent.try_send(spent);
                    }
                    self.pos = 0;
                    return Ok(true);
                }
                Some(Err(e)) => {
                    self.from_worker = None;
                    return Err(e);
                }
                None => {
                    self.from_worker = None;
                    return Ok(false);
                }
            }
        }
    }
}

impl Read for GzReadAhead<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.current.len() {
            if !self.next_block()? {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.current.len() - self.pos);
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Drop for GzReadAhead<'_> {
    fn drop(&mut self) {
        // Closing both channels ends the worker wherever it waits.
        self.to_worker = None;
        self.from_worker = None;
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

/// The worker's side of the compressed blocks, as a `Read`.
struct Blocks {
    rx: Receiver<Vec<u8>>,
    block: Vec<u8>,
    pos: usize,
}

impl Read for Blocks {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.block.len() {
            match self.rx.recv() {
                Ok(b) => {
                    self.block = b;
                    self.pos = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.block.len() - self.pos);
        buf[..n].copy_from_slice(&self.block[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// Deterministic bytes that compress, in lines.
    fn text(n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 64);
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        while out.len() < n {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            out.extend_from_slice(format!("line {} value {:x}\n", x % 1000, x).as_bytes());
        }
        out
    }

    #[test]
    fn same_bytes_as_multigz_decoder() {
        // Several members, more than AHEAD_BLOCKS × BLOCK of output.
        let a = text(20 << 20);
        let b = text(3 << 20);
        let mut compressed = gz(&a);
        compressed.extend(gz(&b));
        let mut want = Vec::new();
        MultiGzDecoder::new(&compressed[..])
            .read_to_end(&mut want)
            .unwrap();
        let mut src = &compressed[..];
        let mut got = Vec::new();
        GzReadAhead::new(&mut src).read_to_end(&mut got).unwrap();
        assert_eq!(got.len(), want.len());
        assert!(got == want);
    }

    #[test]
    fn corrupt_stream_is_an_error() {
        let mut compressed = gz(&text(4 << 20));
        let n = compressed.len();
        compressed.truncate(n / 2);
        let mut src = &compressed[..];
        let mut sink = Vec::new();
        assert!(GzReadAhead::new(&mut src).read_to_end(&mut sink).is_err());
    }

    #[test]
    fn dropped_early_stops_the_worker() {
        let compressed = gz(&text(40 << 20));
        let mut src = &compressed[..];
        let mut r = GzReadAhead::new(&mut src);
        let mut buf = [0u8; 10];
        r.read_exact(&mut buf).unwrap();
        drop(r); // Must return: the worker is joined.
    }
}
