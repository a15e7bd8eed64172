//! Where log bytes come from: files and directories (through
//! [`crate::input::walk`]) and stdin, each decompressed when it starts with
//! the gzip magic bytes (logrotate's `x.log.1.gz`, svlogd's `@….s`, which are
//! gzip despite the name), then split into lines.
//!
//! This is deliberately the only place that opens inputs, so that the
//! bundle reader (tar, tar.gz, nested archives) can replace [`members`] and
//! [`Member::open`] without touching the analysis.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::bufread::MultiGzDecoder;

use crate::input::{self, Skipped, Source};

/// One readable input: a file, or stdin.
#[derive(Debug, Clone)]
pub struct Member {
    /// The name shown in reports: relative to the directory given on the
    /// command line, or the path as given, or `<stdin>`.
    pub name: String,
    /// The path used to recognise the log kind (`/`-separated).
    pub kind_path: String,
    source: Source,
}

/// Lines longer than this are cut (the rest of the line is skipped): a log
/// line of 16 MiB is already a dump, not an event, and memory stays bounded.
pub const MAX_LINE: usize = 16 << 20;

/// Buffer for reading: large enough that per-read overhead vanishes, small
/// enough to stay in L2.
const BUF: usize = 256 << 10;

impl Member {
    pub fn stdin() -> Member {
        Member {
            name: "<stdin>".into(),
            kind_path: String::new(),
            source: Source::Stdin,
        }
    }

    pub fn path(&self) -> Option<&Path> {
        self.source.path()
    }

    /// The member's bytes, decompressed when gzip.
    pub fn open(&self) -> io::Result<Box<dyn BufRead>> {
        let raw: Box<dyn BufRead> = match &self.source {
            Source::Stdin => Box::new(BufReader::with_capacity(BUF, io::stdin())),
            Source::File(p) => Box::new(BufReader::with_capacity(BUF, File::open(p)?)),
        };
        decompress(raw)
    }

    /// Size on disk (compressed size for gzip), 0 for stdin.
    pub fn size(&self) -> u64 {
        self.path()
            .and_then(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .unwrap_or(0)
    }
}

/// Wrap `r` in a gzip decoder if it starts with the gzip magic bytes.
pub fn decompress(mut r: Box<dyn BufRead>) -> io::Result<Box<dyn BufRead>> {
    let head = r.fill_buf()?;
    if head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b {
        Ok(Box::new(BufReader::with_capacity(
            BUF,
            MultiGzDecoder::new(r),
        )))
    } else {
        Ok(r)
    }
}

/// Expand command-line inputs into members, in a stable order.
pub fn members(inputs: &[PathBuf]) -> (Vec<Member>, Vec<Skipped>) {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for root in inputs {
        let (sources, sk) = input::walk(std::slice::from_ref(root));
        skipped.extend(sk);
        let root_is_dir = root.is_dir();
        for s in sources {
            match s {
                Source::Stdin => out.push(Member::stdin()),
                Source::File(p) => {
                    let kind_path = p.to_string_lossy().replace('\\', "/");
                    let name = if root_is_dir {
                        p.strip_prefix(root)
                            .map(|r| r.to_string_lossy().replace('\\', "/"))
                            .unwrap_or_else(|_| kind_path.clone())
                    } else {
                        kind_path.clone()
                    };
                    out.push(Member {
                        name,
                        kind_path,
                        source: Source::File(p),
                    });
                }
            }
        }
    }
    (out, skipped)
}

/// Call `f` with every line of `r` (without its `\n`), reading in large
/// blocks and copying only lines that straddle two blocks. Returns the
/// number of bytes read (decompressed).
pub fn for_each_line<R: BufRead + ?Sized>(r: &mut R, mut f: impl FnMut(&[u8])) -> io::Result<u64> {
    let mut carry: Vec<u8> = Vec::new();
    let mut overlong = false;
    let mut total = 0u64;
    loop {
        let buf = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            break;
        }
        let n = buf.len();
        total += n as u64;
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', buf) {
            if carry.is_empty() && !overlong {
                f(&buf[start..nl]);
            } else {
                if !overlong {
                    carry.extend_from_slice(&buf[start..nl]);
                }
                f(&carry);
                carry.clear();
                overlong = false;
            }
            start = nl + 1;
        }
        if start < n && !overlong {
            let room = MAX_LINE.saturating_sub(carry.len());
            let take = (n - start).min(room);
            carry.extend_from_slice(&buf[start..start + take]);
            if take < n - start {
                overlong = true;
            }
        }
        r.consume(n);
    }
    if !carry.is_empty() {
        f(&carry);
    }
    Ok(total)
}

/// Read all of `r` into a string (for small command outputs such as
/// `gitlab_status`), at most `max` bytes.
pub fn read_small(r: &mut dyn Read, max: u64) -> io::Result<String> {
    let mut v = Vec::new();
    r.take(max).read_to_end(&mut v)?;
    Ok(String::from_utf8_lossy(&v).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_across_small_buffers_and_gzip() {
        let text = b"one\ntwo\n\nthree-is-longer\nlast";
        for cap in [1, 2, 3, 7, 64] {
            let mut r = BufReader::with_capacity(cap, &text[..]);
            let mut got = Vec::new();
            for_each_line(&mut r, |l| {
                got.push(String::from_utf8_lossy(l).into_owned())
            })
            .unwrap();
            assert_eq!(
                got,
                ["one", "two", "", "three-is-longer", "last"],
                "cap {cap}"
            );
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, text).unwrap();
        let bytes = gz.finish().unwrap();
        let mut r = decompress(Box::new(BufReader::new(std::io::Cursor::new(bytes)))).unwrap();
        let mut n = 0;
        for_each_line(&mut r, |_| n += 1).unwrap();
        assert_eq!(n, 5);
    }
}
