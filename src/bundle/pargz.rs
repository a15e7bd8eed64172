//! Parallel gzip compression, the way pigz does it in spirit: the stream is
//! cut into blocks, worker threads compress each block, and the results are
//! written in order.
//!
//! Each block becomes its own gzip member; a gzip file of several members is
//! standard (RFC 1952 §2.2) and `gzip -d`, `tar xz`, zlib and flate2's
//! `MultiGzDecoder` all read it as one stream. Rejected: sharing a dictionary
//! between blocks as pigz does — it needs raw-deflate plumbing flate2 does
//! not expose, for a ratio a few percent better on logs.
//!
//! # Performance
//!
//! Blocks are [`BLOCK`] bytes: large enough that per-member overhead (~20
//! bytes) and thread hand-off vanish, small enough that `2 × jobs` blocks in
//! flight bound memory to a few MiB.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use flate2::{Compression, GzBuilder};

/// Bytes per gzip member.
pub const BLOCK: usize = 1 << 20;

type Job = (u64, Vec<u8>);
type Done = (u64, io::Result<Vec<u8>>);

/// A `Write` that gzips what it is given on `jobs` threads.
pub struct ParGzWriter<W: Write> {
    /// `None` once `finish` has handed it back.
    inner: Option<W>,
    buf: Vec<u8>,
    to_workers: Option<mpsc::Sender<Job>>,
    from_workers: mpsc::Receiver<Done>,
    workers: Vec<JoinHandle<()>>,
    sent: u64,
    written: u64,
    ready: BTreeMap<u64, Vec<u8>>,
    in_flight_max: u64,
}

impl<W: Write> ParGzWriter<W> {
    pub fn new(inner: W, level: Compression, mtime: u32, jobs: usize) -> ParGzWriter<W> {
        let (to_workers, rx) = mpsc::channel::<Job>();
        let (tx, from_workers) = mpsc::channel::<Done>();
        let rx = Arc::new(Mutex::new(rx));
        let workers = (0..jobs.max(1))
            .map(|_| {
                let rx = Arc::clone(&rx);
                let tx = tx.clone();
                std::thread::spawn(move || loop {
                    let job = rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
                    let Ok((seq, block)) = job else { break };
                    let mut enc = GzBuilder::new()
                        .mtime(mtime)
                        .write(Vec::with_capacity(block.len() / 4), level);
                    let out = enc.write_all(&block).and_then(|_| enc.finish());
                    if tx.send((seq, out)).is_err() {
                        break;
                    }
                })
            })
            .collect();
        ParGzWriter {
            inner: Some(inner),
            buf: Vec::with_capacity(BLOCK),
            to_workers: Some(to_workers),
            from_workers,
            workers,
            sent: 0,
            written: 0,
            ready: BTreeMap::new(),
            in_flight_max: 2 * jobs.max(1) as u64,
        }
    }

    fn send_block(&mut self) -> io::Result<()> {
        let block = std::mem::replace(&mut self.buf, Vec::with_capacity(BLOCK));
        let tx = self.to_workers.as_ref().expect("not finished");
        tx.send((self.sent, block))
            .map_err(|_| io::Error::other("a compression thread stopped"))?;
        self.sent += 1;
        while self.sent - self.written >= self.in_flight_max {
            self.collect_one()?;
        }
        Ok(())
    }

    /// Wait for one compressed block and write whatever is now in order.
    fn collect_one(&mut self) -> io::Result<()> {
        let (seq, out) = self
            .from_workers
            .recv()
            .map_err(|_| io::Error::other("a compression thread stopped"))?;
        self.ready.insert(seq, out?);
        while let Some(block) = self.ready.remove(&self.written) {
            self.inner
                .as_mut()
                .expect("not finished")
                .write_all(&block)?;
            self.written += 1;
        }
        Ok(())
    }

    /// Compress what is left, write everything in order, return the writer.
    pub fn finish(mut self) -> io::Result<W> {
        // An empty stream is still one (empty) gzip member.
        if !self.buf.is_empty() || self.sent == 0 {
            self.send_block()?;
        }
        while self.written < self.sent {
            self.collect_one()?;
        }
        self.to_workers = None;
        for w in std::mem::take(&mut self.workers) {
            let _ = w.join();
        }
        let mut inner = self.inner.take().expect("finish runs once");
        inner.flush()?;
        Ok(inner)
    }
}

impl<W: Write> Write for ParGzWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = BLOCK - self.buf.len();
        let n = data.len().min(room);
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == BLOCK {
            self.send_block()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<W: Write> Drop for ParGzWriter<W> {
    fn drop(&mut self) {
        // Stop the workers if `finish` was not reached (an error upstream).
        self.to_workers = None;
        for w in std::mem::take(&mut self.workers) {
            let _ = w.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn round_trips_through_a_multi_member_decoder() {
        for (len, jobs) in [
            (0usize, 2usize),
            (1, 1),
            (BLOCK - 1, 2),
            (BLOCK, 3),
            (3 * BLOCK + 17, 2),
        ] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let mut w = ParGzWriter::new(Vec::new(), Compression::fast(), 0, jobs);
            for chunk in data.chunks(100_000) {
                w.write_all(chunk).unwrap();
            }
            let gz = w.finish().unwrap();
            let mut back = Vec::new();
            flate2::read::MultiGzDecoder::new(&gz[..])
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, data, "len {len} jobs {jobs}");
        }
    }
}
