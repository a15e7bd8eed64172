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

    /// Bytes of a stream searched at once by
    /// [`Matcher::scan_reader_parallel_map`] (16 MiB by default): a few
    /// segments per thread, so that threads stay busy between reads, in
    /// little memory. Tied to the chunk size so that tests with small chunks
    /// cross many windows.
    fn window(&self) -> usize {
        self.limit() * 16
    }
}

/// One chunk of input with its findings.
pub struct ChunkView<'a> {
    /// Offset of `bytes[0]` in the whole input.
    pub offset: u64,
    /// The chunk's bytes; chunks are contiguous and cover the input exactly.
    pub bytes: &'a [u8],
    /// Findings, sorted, offsets relative to `bytes`, all inside `bytes`.
    pub findings: &'a [Finding],
}

impl std::fmt::Debug for ChunkView<'_> {
    /// Offsets and findings only: the bytes are the input, secrets included.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkView")
            .field("offset", &self.offset)
            .field("len", &self.bytes.len())
            .field("findings", &self.findings)
            .finish()
    }
}

/// Where bytes come from: everything at once, or a reader.
trait Source {
    /// All buffered bytes; `pos()` indexes the first unconsumed one, and up to
    /// `KEEP_BEHIND` bytes before it are kept as look-behind.
    fn buf(&self) -> &[u8];
    /// Where the input ends for chunking (`buf().len()` unless only a range
    /// of a slice is searched; bytes past it are still visible as context).
    fn limit(&self) -> usize {
        self.buf().len()
    }
    fn pos(&self) -> usize;
    fn eof(&self) -> bool;
    /// Make at least `want` bytes after `pos()` available, or reach EOF.
    fn fill(&mut self, want: usize) -> io::Result<()>;
    fn consume(&mut self, n: usize);
}

struct SliceSource<'a> {
    data: &'a [u8],
    pos: usize,
    end: usize,
}

impl Source for SliceSource<'_> {
    fn buf(&self) -> &[u8] {
        self.data
    }
    fn limit(&self) -> usize {
        self.end
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
    /// Initialized bytes; only `..filled` hold data. The tail is kept
    /// between reads so that it is zeroed once, not before every read (a
    /// decompressor or a pipe returns a few KiB per call).
    buf: Vec<u8>,
    filled: usize,
    pos: usize,
    eof: bool,
}

impl<R: Read> Source for ReaderSource<R> {
    fn buf(&self) -> &[u8] {
        &self.buf[..self.filled]
    }
    fn pos(&self) -> usize {
        self.pos
    }
    fn eof(&self) -> bool {
        self.eof
    }
    fn fill(&mut self, want: usize) -> io::Result<()> {
        if self.pos > KEEP_BEHIND && self.pos >= self.filled / 2 {
            // Drop consumed bytes, keeping a little look-behind. Only once
            // they are at least half the data, so that each byte is moved
            // about once (the buffer holds up to a segment ahead).
            let drop = self.pos - KEEP_BEHIND;
            self.buf.copy_within(drop..self.filled, 0);
            self.filled -= drop;
            self.pos -= drop;
        }
        while !self.eof && self.filled - self.pos < want {
            let need = want - (self.filled - self.pos);
            // Read in large steps, into room zeroed once: grow the buffer
            // only when less than 64 KiB (or what is needed) is left, to
            // twice its length, leaving at least 64 KiB and at most what is
            // needed free. A search wants a whole segment (megabytes)
            // ahead; zeroing that much at once for each of a bundle's many
            // small files was 5% of redacting a 10 MB bundle.
            if self.buf.len() - self.filled < need.min(64 << 10) {
                let len = (self.buf.len() * 2)
                    .max(self.filled + (64 << 10))
                    .min(self.filled + need.max(64 << 10));
                self.buf.resize(len, 0);
            }
            match self.reader.read(&mut self.buf[self.filled..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
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
        each: impl FnMut(ChunkView<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.scan_slice_range(data, 0..data.len(), opts, each)
            .map(|_| ())
    }

    /// Search the part of `data` from `range.start` (a line start, or where
    /// an earlier range's search stopped) to at least `range.end` (a line
    /// start, or the end). Bytes outside the range are seen as context, as in
    /// a search of the whole slice. Returns where the search stopped: at
    /// `range.end`, or past it when a multi-line match ran over. Findings are
    /// those a search of all of `data` reports in that stretch, provided the
    /// search of the stretch before stopped at `range.start`.
    pub fn scan_slice_range<E>(
        &self,
        data: &[u8],
        range: std::ops::Range<usize>,
        opts: &ScanOptions,
        mut each: impl FnMut(ChunkView<'_>) -> Result<(), E>,
    ) -> Result<usize, E> {
        assert!(range.start <= range.end && range.end <= data.len());
        let mut src = SliceSource {
            data,
            pos: range.start,
            end: range.end,
        };
        // Bytes since the last line feed before the start: where the fixed
        // cuts of a very long line fall.
        let line_pos = match memchr::memrchr(b'\n', &data[..range.start]) {
            Some(i) => range.start - i - 1,
            None => range.start,
        };
        match self.drive(&mut src, opts, range.start as u64, line_pos, &mut |c| {
            each(c).map_err(Stop::Consumer)
        }) {
            Ok(()) => Ok(src.pos.max(range.end)),
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
            filled: 0,
            pos: 0,
            eof: false,
        };
        match self.drive(&mut src, opts, 0, 0, &mut |c| {
            each(c).map_err(Stop::Consumer)
        }) {
            Ok(()) => Ok(()),
            Err(Stop::Consumer(e)) | Err(Stop::Io(e)) => Err(e),
        }
    }

    fn drive<S: Source, E>(
        &self,
        src: &mut S,
        opts: &ScanOptions,
        offset: u64,
        // Bytes since the last line feed before the current position.
        line_pos: usize,
        each: &mut dyn FnMut(ChunkView<'_>) -> Result<(), Stop<E>>,
    ) -> Result<(), Stop<E>> {
        let mut scratch = Scratch::default();
        self.begin(&mut scratch);
        let res = self.drive_with(src, opts, offset, line_pos, &mut scratch, each);
        self.end(&mut scratch);
        res
    }

    fn drive_with<S: Source, E>(
        &self,
        src: &mut S,
        opts: &ScanOptions,
        mut offset: u64,
        mut line_pos: usize,
        scratch: &mut Scratch,
        each: &mut dyn FnMut(ChunkView<'_>) -> Result<(), Stop<E>>,
    ) -> Result<(), Stop<E>> {
        let limit = opts.limit();
        let mut found: Vec<Finding> = Vec::new();
        loop {
            let cut = MAX_SEGMENT - (line_pos % MAX_SEGMENT);
            src.fill(limit.max(cut) + LOOKAHEAD).map_err(Stop::Io)?;
            let buf = src.buf();
            let pos = src.pos();
            if pos >= src.limit() {
                return Ok(());
            }
            let avail = src.limit() - pos;
            let visible = buf.len() - pos;
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
            let hay_end = pos + visible.min(end + LOOKAHEAD);
            found.clear();
            let resume = self.search(buf, pos, pos + end, hay_end, scratch, &mut found);
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
            // The cache goes back to the pool while the consumer runs: one
            // that searches again (redaction settling the lines it masked)
            // then takes these warm states instead of building a cold
            // cache's. No state id outlives a chunk's search.
            self.end(scratch);
            let consumed = each(ChunkView {
                offset,
                bytes,
                findings: &found,
            });
            self.begin(scratch);
            consumed?;
            offset += stop as u64;
            src.consume(stop);
        }
    }
}

enum Stop<E> {
    Io(io::Error),
    Consumer(E),
}

/// A segment's per-chunk values and where its search stopped.
type Segment<T> = (Vec<T>, usize);

/// A chunk found by a worker, owned until it is handed on in order.
struct OwnedChunk {
    offset: usize,
    len: usize,
    findings: Vec<Finding>,
}

/// Size of the line-aligned segments a slice is cut into for
/// [`Matcher::scan_slice_parallel`]: about four per thread, so that a slow
/// segment does not leave the others idle, but at least one chunk (1 MiB by
/// default: a segment costs a thread hand-off) and at most 16 MiB (results
/// of a batch of segments are held until their turn).
fn segment_size(len: usize, jobs: usize, opts: &ScanOptions) -> usize {
    let min = opts.limit();
    (len / (jobs * 4)).clamp(min, min.max(16 << 20))
}

impl Matcher<'_> {
    /// [`Matcher::scan_slice`] with up to `jobs` threads, each searching
    /// line-aligned segments of `data`; `each` still sees chunks in order,
    /// on this thread, and the findings are exactly those of a search on one
    /// thread.
    ///
    /// A segment is searched from its first line. If the search of the
    /// segment before it stopped further on (a multi-line match ran over the
    /// boundary), the segment's findings are dropped and it is searched again
    /// from where that search stopped; every other boundary is a line start
    /// where a single search would have stopped too, so the results agree.
    pub fn scan_slice_parallel<E>(
        &self,
        data: &[u8],
        opts: &ScanOptions,
        jobs: usize,
        mut each: impl FnMut(ChunkView<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.scan_slice_parallel_map(
            data,
            opts,
            jobs,
            |c| OwnedChunk {
                offset: c.offset as usize,
                len: c.bytes.len(),
                findings: c.findings.to_vec(),
            },
            |c| {
                each(ChunkView {
                    offset: c.offset as u64,
                    bytes: &data[c.offset..c.offset + c.len],
                    findings: &c.findings,
                })
            },
        )
    }

    /// [`Matcher::scan_slice_parallel`] with the per-chunk work done on the
    /// worker threads too: `work` turns each chunk into a `T` (on any thread,
    /// in any order), and `each` receives the `T`s in input order on this
    /// thread. Redaction uses this to build a chunk's output in parallel and
    /// write the outputs in order; `work` for a chunk may run more than once
    /// (a segment searched again), so it must have no side effects.
    pub fn scan_slice_parallel_map<T: Send, E>(
        &self,
        data: &[u8],
        opts: &ScanOptions,
        jobs: usize,
        work: impl Fn(ChunkView<'_>) -> T + Sync,
        each: impl FnMut(T) -> Result<(), E>,
    ) -> Result<(), E> {
        self.scan_range_parallel_map(data, 0..data.len(), opts, jobs, work, each)
            .map(|_| ())
    }

    /// [`Matcher::scan_slice_parallel_map`] of the part of `data` from
    /// `range.start` to at least `range.end`, as [`Matcher::scan_slice_range`]
    /// searches it (bytes outside the range are context). Returns where the
    /// search stopped.
    fn scan_range_parallel_map<T: Send, E>(
        &self,
        data: &[u8],
        range: std::ops::Range<usize>,
        opts: &ScanOptions,
        jobs: usize,
        work: impl Fn(ChunkView<'_>) -> T + Sync,
        mut each: impl FnMut(T) -> Result<(), E>,
    ) -> Result<usize, E> {
        let jobs = jobs.max(1);
        let seg = segment_size(range.len(), jobs, opts);
        if jobs == 1 || range.len() < 2 * seg {
            return self.scan_slice_range(data, range, opts, |c| each(work(c)));
        }
        let mut bounds = vec![range.start];
        let mut at = range.start + seg;
        while at < range.end {
            match memchr::memchr(b'\n', &data[at..range.end]) {
                Some(i) if at + i + 1 < range.end => {
                    bounds.push(at + i + 1);
                    at += i + 1 + seg;
                }
                _ => break,
            }
        }
        bounds.push(range.end);
        let ranges: Vec<std::ops::Range<usize>> = bounds.windows(2).map(|w| w[0]..w[1]).collect();
        let mut stop = range.start;
        let mut i = 0;
        while i < ranges.len() {
            // A segment far over its size is one long line: its results
            // would all be held at once, so it is searched here, chunk by
            // chunk, instead.
            if ranges[i].len() > 4 * seg {
                let range = &ranges[i];
                if stop < range.end {
                    stop =
                        self.scan_slice_range(data, stop.max(range.start)..range.end, opts, |c| {
                            each(work(c))
                        })?;
                }
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < ranges.len() && j - i < jobs * 2 && ranges[j].len() <= 4 * seg {
                j += 1;
            }
            let batch = &ranges[i..j];
            let results = self.scan_segments(data, batch, opts, jobs, &work);
            for (range, (values, seg_stop)) in batch.iter().zip(results) {
                if stop == range.start {
                    for v in values {
                        each(v)?;
                    }
                    stop = seg_stop;
                } else if stop < range.end {
                    // The search before ran into this segment: go on from
                    // where it stopped.
                    stop = self.scan_slice_range(data, stop..range.end, opts, |c| each(work(c)))?;
                }
                // else: the search before covered all of this segment.
            }
            i = j;
        }
        Ok(stop)
    }

    /// [`Matcher::scan_reader`] with up to `jobs` threads: the stream is read
    /// here a window (16 chunks) at a time (cut after a line feed),
    /// and each window is searched as [`Matcher::scan_slice_parallel_map`]
    /// searches a slice. `work` runs on any thread, in any order (possibly
    /// more than once for a chunk: no side effects); `each` receives, in input
    /// order on this thread, each chunk's offset, bytes and value. Findings
    /// are exactly those of [`Matcher::scan_reader`], and memory stays about
    /// one window whatever the stream's size.
    ///
    /// Reading happens between windows, so a reader that does its own work
    /// ahead (decompression on another thread) overlaps the search.
    pub fn scan_reader_parallel_map<R: Read, T: Send>(
        &self,
        mut reader: R,
        opts: &ScanOptions,
        jobs: usize,
        work: impl Fn(ChunkView<'_>) -> T + Sync,
        mut each: impl FnMut(u64, &[u8], T) -> io::Result<()>,
    ) -> io::Result<()> {
        if jobs <= 1 {
            return self.map_rest(reader, Vec::new(), 0, false, 0, opts, &work, &mut each);
        }
        // The buffer starts at a line start (or a few bytes before one), so
        // a search from `start` sees what a search of the whole stream sees.
        let mut buf: Vec<u8> = Vec::new();
        // Offset in the stream of `buf[0]`.
        let mut base = 0u64;
        let mut start = 0usize;
        let mut eof = false;
        let window = opts.window();
        loop {
            let want = start + window + LOOKAHEAD;
            // Exactly: a doubling growth would hold twice the window.
            buf.reserve_exact(want.saturating_sub(buf.len()));
            while !eof && buf.len() < want {
                let need = (want - buf.len()) as u64;
                match (&mut reader).take(need).read_to_end(&mut buf) {
                    Ok(0) => eof = true,
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            if start >= buf.len() {
                return Ok(());
            }
            let avail = buf.len() - start;
            let body_end = if eof && avail <= window {
                buf.len()
            } else {
                match memchr::memrchr(b'\n', &buf[start..start + window.min(avail)]) {
                    Some(i) => start + i + 1,
                    None => {
                        // A line longer than a window: the rest on this
                        // thread, cut as scan_reader cuts it.
                        return self
                            .map_rest(reader, buf, start, eof, base, opts, &work, &mut each);
                    }
                }
            };
            let held = &buf;
            let stop = self.scan_range_parallel_map(
                held,
                start..body_end,
                opts,
                jobs,
                |c| {
                    let (at, len) = (c.offset as usize, c.bytes.len());
                    let value = work(ChunkView {
                        offset: base + c.offset,
                        ..c
                    });
                    (at, len, value)
                },
                |(at, len, value)| each(base + at as u64, &held[at..at + len], value),
            )?;
            if eof && stop >= buf.len() {
                return Ok(());
            }
            // Keep the look-behind, or the whole line a multi-line match
            // ended in (it began after `body_end`, a line start).
            let keep_from = if buf[stop - 1] == b'\n' {
                stop - KEEP_BEHIND.min(stop)
            } else {
                memchr::memrchr(b'\n', &buf[..stop]).map_or(0, |i| i + 1)
            };
            buf.drain(..keep_from);
            base += keep_from as u64;
            start = stop - keep_from;
        }
    }

    /// The rest of a stream on this thread, as [`Matcher::scan_reader`]
    /// searches it: `buf` holds bytes already read (from a line start, or
    /// a few bytes before one), `start` is where the search goes on, `base`
    /// the stream offset of `buf[0]`.
    #[allow(clippy::too_many_arguments)]
    fn map_rest<R: Read, T>(
        &self,
        reader: R,
        buf: Vec<u8>,
        start: usize,
        eof: bool,
        base: u64,
        opts: &ScanOptions,
        work: &impl Fn(ChunkView<'_>) -> T,
        each: &mut impl FnMut(u64, &[u8], T) -> io::Result<()>,
    ) -> io::Result<()> {
        let line_pos = match memchr::memrchr(b'\n', &buf[..start]) {
            Some(i) => start - i - 1,
            None => start,
        };
        let mut src = ReaderSource {
            reader,
            filled: buf.len(),
            buf,
            pos: start,
            eof,
        };
        match self.drive(&mut src, opts, base + start as u64, line_pos, &mut |c| {
            let (offset, bytes) = (c.offset, c.bytes);
            let value = work(c);
            each(offset, bytes, value).map_err(Stop::Consumer)
        }) {
            Ok(()) => Ok(()),
            Err(Stop::Consumer(e)) | Err(Stop::Io(e)) => Err(e),
        }
    }

    /// Search `ranges` of `data` on up to `jobs` threads, mapping each chunk
    /// with `work`; per range, the values and where its search stopped, in
    /// order.
    fn scan_segments<T: Send>(
        &self,
        data: &[u8],
        ranges: &[std::ops::Range<usize>],
        opts: &ScanOptions,
        jobs: usize,
        work: &(impl Fn(ChunkView<'_>) -> T + Sync),
    ) -> Vec<Segment<T>> {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let slots: Vec<std::sync::Mutex<Option<Segment<T>>>> =
            ranges.iter().map(|_| std::sync::Mutex::new(None)).collect();
        std::thread::scope(|s| {
            for _ in 0..jobs.min(ranges.len()) {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(range) = ranges.get(i) else {
                        break;
                    };
                    let mut values = Vec::new();
                    let stop = self
                        .scan_slice_range(data, range.clone(), opts, |c| {
                            values.push(work(c));
                            Ok::<(), std::convert::Infallible>(())
                        })
                        .unwrap_or_else(|e| match e {});
                    *slots[i].lock().unwrap_or_else(|p| p.into_inner()) = Some((values, stop));
                });
            }
        });
        slots
            .into_iter()
            .map(|m| {
                m.into_inner()
                    .unwrap_or_else(|p| p.into_inner())
                    .expect("every segment is searched")
            })
            .collect()
    }
}
