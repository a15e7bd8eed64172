//! What a stream is, from its first bytes. Names lie (svlogd's `@….s` files
//! are gzip, uploads get renamed); magic bytes do not.
//!
//! Text is not judged by a single NUL byte: a log whose first blocks were
//! never written (a crash, a sparse file) starts with runs of zeros and is
//! still a log, and PowerShell writes UTF-16. Leading zeros are skipped
//! before the head is taken (see the traversal's `Peek`); runs of NUL bytes
//! between text are padding; NUL bytes interleaved with ASCII are UTF-16.
//! What is left as binary data has control bytes that text does not.

/// Bytes to look at before deciding. A tar header is 512 bytes; text is
/// judged on the first 8 KiB.
pub const HEAD: usize = 8192;

/// NUL runs at least this long are padding inside text (a sparse region,
/// blocks never written); shorter ones, between characters, are a binary
/// format or a wide encoding.
const PADDING_RUN: usize = 8;

/// The kinds of stream airlock tells apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniffed {
    Gzip,
    Tar,
    /// Formats airlock does not open: left out unless `--keep-binary`.
    Zip,
    Xz,
    Bzip2,
    Zstd,
    SevenZip,
    /// Bytes that are not text: control bytes text does not use, or NUL
    /// bytes that are neither padding nor UTF-16.
    Binary,
    /// UTF-16 text (with a byte-order mark, or ASCII interleaved with NUL
    /// bytes): decoded for reading, encoded back the same way on output.
    Utf16 {
        big_endian: bool,
        bom: bool,
    },
    /// Text, including empty and zero-filled files, invalid UTF-8, and runs
    /// of NUL bytes between text.
    Text,
}

impl Sniffed {
    /// How a left-out stream is described in reports.
    pub fn describe(self) -> &'static str {
        match self {
            Sniffed::Gzip => "gzip",
            Sniffed::Tar => "tar archive",
            Sniffed::Zip => "zip archive (not supported)",
            Sniffed::Xz => "xz-compressed (not supported)",
            Sniffed::Bzip2 => "bzip2-compressed (not supported)",
            Sniffed::Zstd => "zstd-compressed (not supported)",
            Sniffed::SevenZip => "7-zip archive (not supported)",
            Sniffed::Binary => "binary data",
            Sniffed::Utf16 { .. } => "UTF-16 text",
            Sniffed::Text => "text",
        }
    }
}

/// Classify a stream by its first bytes (up to [`HEAD`]).
pub fn sniff(head: &[u8]) -> Sniffed {
    if head.starts_with(&[0x1f, 0x8b]) {
        Sniffed::Gzip
    } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Sniffed::Zip
    } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        Sniffed::Xz
    } else if head.starts_with(b"BZh") && head.get(3).is_some_and(|b| (b'1'..=b'9').contains(b)) {
        Sniffed::Bzip2
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Sniffed::Zstd
    } else if head.starts_with(b"7z\xbc\xaf\x27\x1c") {
        Sniffed::SevenZip
    } else if is_tar(head) {
        Sniffed::Tar
    } else {
        text_or_binary(head)
    }
}

/// Text, UTF-16 text or binary data, by content alone (no magic bytes):
/// what a stream is after leading zeros, or when no magic matched. (An
/// archive with no entries is only zeros; written back as text, it is the
/// same bytes.)
pub fn text_or_binary(head: &[u8]) -> Sniffed {
    utf16(head).unwrap_or_else(|| text_or_binary_8bit(head))
}

/// What a stream behind leading zero padding is, `zeros` the padding's
/// length. UTF-16 is what follows only when the padding keeps the units
/// aligned (an even count), and a byte-order mark there is not at the start
/// of the stream: it is read (and written back) as a character, so the
/// output is the input's units, byte for byte. Misaligned UTF-16 reads as
/// binary data and is left out, never guessed.
pub fn after_padding(head: &[u8], zeros: u64) -> Sniffed {
    match utf16(head) {
        Some(Sniffed::Utf16 { big_endian, .. }) if zeros % 2 == 0 => Sniffed::Utf16 {
            big_endian,
            bom: false,
        },
        _ => text_or_binary_8bit(head),
    }
}

/// Text or binary data, UTF-16 not considered.
fn text_or_binary_8bit(head: &[u8]) -> Sniffed {
    if memchr::memchr(0, head).is_none() {
        return Sniffed::Text;
    }
    // NUL bytes: text only if they come in runs of padding and nothing
    // else looks binary.
    let control = |b: &u8| matches!(b, 0x01..=0x08 | 0x0e..=0x1a | 0x1c..=0x1f);
    if head.iter().any(control) {
        return Sniffed::Binary;
    }
    let mut i = 0;
    while let Some(off) = memchr::memchr(0, &head[i..]) {
        let start = i + off;
        let len = head[start..].iter().take_while(|b| **b == 0).count();
        // A run cut by the head's end may go on.
        if len < PADDING_RUN && start + len < head.len() {
            return Sniffed::Binary;
        }
        i = start + len;
    }
    Sniffed::Text
}

/// UTF-16 by its byte-order mark (and text after it), or by ASCII
/// interleaved with NUL bytes (nine pairs in ten).
fn utf16(head: &[u8]) -> Option<Sniffed> {
    let units = |body: &[u8], big_endian: bool| -> Vec<u16> {
        body.chunks_exact(2)
            .take(512)
            .map(|c| {
                if big_endian {
                    u16::from_be_bytes([c[0], c[1]])
                } else {
                    u16::from_le_bytes([c[0], c[1]])
                }
            })
            .collect()
    };
    // Text in UTF-16: few control characters besides whitespace.
    let texty = |u: &[u16]| {
        let bad = u
            .iter()
            .filter(|c| **c < 0x20 && !matches!(c, 0x09 | 0x0a | 0x0c | 0x0d | 0x1b))
            .count();
        bad * 20 <= u.len()
    };
    for (bom, big_endian) in [([0xff, 0xfe], false), ([0xfe, 0xff], true)] {
        if head.starts_with(&bom) {
            // FF FE 00 00 is UTF-32's mark.
            if !big_endian && head.get(2..4) == Some(&[0, 0][..]) {
                return None;
            }
            return texty(&units(&head[2..], big_endian)).then_some(Sniffed::Utf16 {
                big_endian,
                bom: true,
            });
        }
    }
    let pairs = head.len() / 2;
    if pairs < 4 {
        return None;
    }
    let ascii = |b: u8| b == b'\t' || b == b'\n' || b == b'\r' || (0x20..0x7f).contains(&b);
    let (mut le, mut be) = (0, 0);
    for c in head.chunks_exact(2) {
        if c[1] == 0 && ascii(c[0]) {
            le += 1;
        }
        if c[0] == 0 && ascii(c[1]) {
            be += 1;
        }
    }
    if le * 10 >= pairs * 9 {
        Some(Sniffed::Utf16 {
            big_endian: false,
            bom: false,
        })
    } else if be * 10 >= pairs * 9 {
        Some(Sniffed::Utf16 {
            big_endian: true,
            bom: false,
        })
    } else {
        None
    }
}

/// A POSIX/GNU tar header: `ustar` magic at 257 and a valid header checksum.
fn is_tar(head: &[u8]) -> bool {
    if head.len() < 512 {
        return false;
    }
    let magic = &head[257..262];
    if magic != b"ustar" {
        return false;
    }
    // Checksum: sum of all header bytes with the checksum field as spaces.
    let field = &head[148..156];
    let text: String = field
        .iter()
        .take_while(|b| **b != 0 && **b != b' ')
        .map(|b| *b as char)
        .collect();
    let Ok(expected) = u32::from_str_radix(text.trim(), 8) else {
        return false;
    };
    let sum: u32 = head[..512]
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                *b as u32
            }
        })
        .sum();
    sum == expected
}
