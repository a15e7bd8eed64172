//! Searching inputs of any size in line-aligned chunks, with identical
//! findings whatever the chunk size and whether the bytes come from one slice
//! (a whole file or a memory map) or a stream.
//!
//! # Why the results do not depend on chunking
//!
//! Single-line rules cannot match `\n` (see [`super::compile`]), and `\b` or
//! `^` only look one byte back, which the search always sees. So cutting the
//! input right after a `\n` changes nothing for them. Multi-line rules (PEM
//! blocks) may run past a cut: each chunk is searched with [`LOOKAHEAD`] more
//! bytes visible, matches that *start* in the chunk are kept, and the chunk
//! grows to the end of the last one. (A multi-line match longer than
//! `LOOKAHEAD` is the one case that could differ; no private key is 64 KiB.)
//!
//! A line longer than [`MAX_SEGMENT`] cannot be held at once with bounded
//! memory. It is cut at fixed offsets from its own start (every
//! `MAX_SEGMENT` bytes), never at offsets that depend on the chunk size, so
//! every way of reading the input cuts it at the same places.

use std::io::{self, Read};

use super::{Finding, Matcher, Scratch};

/// Longest run without a line feed held at once; longer lines are cut.
pub const MAX_SEGMENT: usize = 4 << 20;
/// How far past a chunk a match that started in it may be seen.
pub const LOOKAHEAD: usize = 64 << 10;
/// Bytes kept before the current position of a stream (look-behind of `\b`).
const KEEP_BEHIND: usize = 8;

/// How inputs are cut into chunks.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Preferred chunk size; clamped to `4 KiB..=MAX_SEGMENT`. Results do not
    /// depend on it.
    pub chunk_size: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            chunk_size: 1 << 20,
        }
    }
}

impl ScanOptions {
    fn limit(&self) -> usize {
        self.chunk_size.clamp(4 << 10, MAX_SEGMENT)
    }
}

/// One chunk of input with its findings.
#[derive(Debug)]
pub struct ChunkView<'a> {
    /// Offset of `bytes[0]` in the whole input.
    pub offset: u64,
    /// The chunk's bytes; chunks are contiguous and cover the input exactly.
    pub bytes: &'a [u8],
    /// Findings, sorted, offsets relative to `bytes`, all inside `bytes`.
    pub findings: &'a [Finding],
}

/// Where bytes come from: everything at once, or a reader.
trait Source {
    /// All buffered bytes; `pos()` indexes the first unconsumed one, and up to
    /// `KEEP_BEHIND` bytes before it are kept as look-behind.
    fn buf(&self) -> &[u8];
    fn pos(&self) -> usize;
    fn eof(&self) -> bool;
    /// Make at least `want` bytes after `pos()` available, or reach EOF.
    fn fill(&mut self, want: usize) -> io::Result<()>;
    fn consume(&mut self, n: usize);
}

struct SliceSource<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Source for SliceSource<'_> {
    fn buf(&self) -> &[u8] {
        self.data
    }
    fn pos(&self) -> usize {
        self.pos
    }
    fn eof(&self) -> bool {
        true
    }
    fn fill(&mut self, _want: usize) -> io::Result<()> {
        Ok(())
    }
    fn consume(&mut self, n: usize) {
        self.pos += n;
    }
}

struct ReaderSource<R> {
    reader: R,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
}

impl<R: Read> Source for ReaderSource<R> {
    fn buf(&self) -> &[u8] {
        &self.buf
    }
    fn pos(&self) -> usize {
        self.pos
    }
    fn eof(&self) -> bool {
        self.eof
    }
    fn fill(&mut self, want: usize) -> io::Result<()> {
        if self.pos > KEEP_BEHIND {
            // Drop consumed bytes, keeping a little look-behind.
            let drop = self.pos - KEEP_BEHIND;
            self.buf.drain(..drop);
            self.pos -= drop;
        }
        while !self.eof && self.buf.len() - self.pos < want {
            let have = self.buf.len();
            let need = want - (have - self.pos);
            // Read in large steps; never more than asked for plus a margin.
            self.buf.resize(have + need.max(64 << 10), 0);
            match self.reader.read(&mut self.buf[have..]) {
                Ok(0) => {
                    self.buf.truncate(have);
                    self.eof = true;
                }
                Ok(n) => self.buf.truncate(have + n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => self.buf.truncate(have),
                Err(e) => {
                    self.buf.truncate(have);
                    return Err(e);
                }
            }
        }
        Ok(())
    }
    fn consume(&mut self, n: usize) {
        self.pos += n;
    }
}

impl Matcher<'_> {
    /// Search a whole input held in memory (a file's bytes or a memory map).
    pub fn scan_slice<E>(
        &self,
        data: &[u8],
        opts: &ScanOptions,
        mut each: impl FnMut(ChunkView<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut src = SliceSource { data, pos: 0 };
        match self.drive(&mut src, opts, &mut |c| each(c).map_err(Stop::Consumer)) {
            Ok(()) => Ok(()),
            Err(Stop::Consumer(e)) => Err(e),
            Err(Stop::Io(_)) => unreachable!("a slice cannot fail to read"),
        }
    }

    /// Search a stream, holding at most about `MAX_SEGMENT + LOOKAHEAD` bytes.
    pub fn scan_reader<R: Read>(
        &self,
        reader: R,
        opts: &ScanOptions,
        mut each: impl FnMut(ChunkView<'_>) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut src = ReaderSource {
            reader,
            buf: Vec::new(),
            pos: 0,
            eof: false,
        };
        match self.drive(&mut src, opts, &mut |c| each(c).map_err(Stop::Consumer)) {
            Ok(()) => Ok(()),
            Err(Stop::Consumer(e)) | Err(Stop::Io(e)) => Err(e),
        }
    }

    fn drive<S: Source, E>(
        &self,
        src: &mut S,
        opts: &ScanOptions,
        each: &mut dyn FnMut(ChunkView<'_>) -> Result<(), Stop<E>>,
    ) -> Result<(), Stop<E>> {
        let limit = opts.limit();
        let mut scratch = Scratch::default();
        let mut found: Vec<Finding> = Vec::new();
        let mut offset: u64 = 0;
        // Bytes since the last line feed before the current position.
        let mut line_pos: usize = 0;
        loop {
            let cut = MAX_SEGMENT - (line_pos % MAX_SEGMENT);
            src.fill(limit.max(cut) + LOOKAHEAD).map_err(Stop::Io)?;
            let buf = src.buf();
            let pos = src.pos();
            let avail = buf.len() - pos;
            if avail == 0 {
                return Ok(());
            }
            let rest = &buf[pos..];
            let eof = src.eof();
            let end = match memchr::memchr(b'\n', &rest[..avail.min(cut)]) {
                None if eof && avail <= cut => avail,
                // The current line is longer than a segment: cut it at its
                // next fixed offset.
                None => cut,
                Some(first) => {
                    if eof && avail <= limit {
                        avail
                    } else {
                        match memchr::memrchr(b'\n', &rest[..avail.min(limit)]) {
                            Some(last) if last >= first => last + 1,
                            _ => first + 1,
                        }
                    }
                }
            };
            let hay_end = pos + avail.min(end + LOOKAHEAD);
            found.clear();
            let resume = self.search(buf, pos, pos + end, hay_end, &mut scratch, &mut found);
            // Grow the chunk over anything that ran past its end, so the next
            // chunk starts where a whole-input search would continue.
            let stop = (resume - pos)
                .max(end)
                .max(found.last().map_or(0, |f| f.end - pos));
            for f in &mut found {
                f.start -= pos;
                f.end -= pos;
            }
            let bytes = &buf[pos..pos + stop];
            line_pos = match memchr::memrchr(b'\n', bytes) {
                Some(i) => stop - i - 1,
                None => line_pos + stop,
            };
            each(ChunkView {
                offset,
                bytes,
                findings: &found,
            })?;
            offset += stop as u64;
            src.consume(stop);
        }
    }
}

enum Stop<E> {
    Io(io::Error),
    Consumer(E),
}
