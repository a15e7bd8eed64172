//! What a stream is, from its first bytes. Names lie (svlogd's `@….s` files
//! are gzip, uploads get renamed); magic bytes do not.

/// Bytes to look at before deciding. A tar header is 512 bytes; text is
/// judged on the first 8 KiB.
pub const HEAD: usize = 8192;

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
    /// Bytes that are not text (a NUL in the first 8 KiB).
    Binary,
    /// Text, including empty files and invalid UTF-8 without NUL bytes.
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
    } else if is_tar(head) || is_empty_tar(head) {
        Sniffed::Tar
    } else if memchr::memchr(0, head).is_some() {
        Sniffed::Binary
    } else {
        Sniffed::Text
    }
}

/// An archive with no entries is only its end marker: two or more blocks of
/// zeros. (A file of zeros holds no data either way.)
fn is_empty_tar(head: &[u8]) -> bool {
    head.len() >= 1024 && head.len() % 512 == 0 && head.iter().all(|b| *b == 0)
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
