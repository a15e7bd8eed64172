//! UTF-16 text (PowerShell's default output, common from Windows runners)
//! read as UTF-8 and written back as UTF-16.
//!
//! Rules and the redactor work on bytes that are ASCII where it matters; in
//! UTF-16 every ASCII character is followed (or preceded) by a NUL byte and
//! no pattern matches. [`Decoder`] turns UTF-16 into UTF-8 for the
//! transform, and [`Encoder`] turns the transform's output back, in the same
//! byte order, with the byte-order mark if there was one. A lone surrogate
//! (invalid UTF-16, but it happens) goes through as its three-byte
//! generalised UTF-8 form (WTF-8) and comes back as the same unit, so text
//! that is not redacted comes out byte for byte as it went in. An odd byte
//! at the very end (half a unit: no text, so nothing to scan) is kept aside
//! by the decoder and written back as it was by [`Encoder::finish`], so a
//! second pass over airlock's own output reads the same units and writes
//! the same bytes.

use std::io::{self, Read, Write};

/// UTF-16 in, UTF-8 out.
pub struct Decoder<R> {
    inner: R,
    big_endian: bool,
    /// The byte-order mark is still to be skipped.
    skip_bom: bool,
    /// An odd byte left from the last read.
    odd: Option<u8>,
    /// A high surrogate waiting for its low half.
    high: Option<u16>,
    /// The odd byte at the end of the stream, once it is reached.
    tail: Option<u8>,
    out: Vec<u8>,
    pos: usize,
    eof: bool,
}

impl<R: Read> Decoder<R> {
    pub fn new(inner: R, big_endian: bool, bom: bool) -> Decoder<R> {
        Decoder {
            inner,
            big_endian,
            skip_bom: bom,
            odd: None,
            high: None,
            tail: None,
            out: Vec::new(),
            pos: 0,
            eof: false,
        }
    }

    fn unit(&mut self, u: u16) {
        if let Some(h) = self.high.take() {
            if (0xdc00..0xe000).contains(&u) {
                let c = 0x10000 + ((u32::from(h) - 0xd800) << 10) + (u32::from(u) - 0xdc00);
                push_char(&mut self.out, c);
                return;
            }
            push_char(&mut self.out, u32::from(h));
        }
        if (0xd800..0xdc00).contains(&u) {
            self.high = Some(u);
        } else {
            push_char(&mut self.out, u32::from(u));
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.pos = 0;
        let mut buf = vec![0u8; 64 << 10];
        while self.out.is_empty() && !self.eof {
            let mut n = 0;
            if let Some(b) = self.odd.take() {
                buf[0] = b;
                n = 1;
            }
            let k = loop {
                match self.inner.read(&mut buf[n..]) {
                    Ok(k) => break k,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            };
            if k == 0 {
                self.eof = true;
            }
            n += k;
            let whole = n & !1;
            if whole < n {
                self.odd = Some(buf[n - 1]);
            }
            for c in buf[..whole].chunks_exact(2) {
                let u = if self.big_endian {
                    u16::from_be_bytes([c[0], c[1]])
                } else {
                    u16::from_le_bytes([c[0], c[1]])
                };
                if std::mem::take(&mut self.skip_bom) && u == 0xfeff {
                    continue;
                }
                self.unit(u);
            }
            if self.eof {
                if let Some(h) = self.high.take() {
                    push_char(&mut self.out, u32::from(h));
                }
                self.tail = self.odd.take();
            }
        }
        Ok(())
    }
}

/// Append the UTF-8 form of `c`; a surrogate gets its three-byte form.
fn push_char(out: &mut Vec<u8>, c: u32) {
    match char::from_u32(c) {
        Some(ch) => {
            let mut b = [0u8; 4];
            out.extend_from_slice(ch.encode_utf8(&mut b).as_bytes());
        }
        None => out.extend_from_slice(&[
            0xe0 | (c >> 12) as u8,
            0x80 | ((c >> 6) & 0x3f) as u8,
            0x80 | (c & 0x3f) as u8,
        ]),
    }
}

impl<R> Decoder<R> {
    /// The odd byte that ended the stream (half a UTF-16 unit), once the
    /// end has been read; give it to [`Encoder::finish`].
    pub fn odd_tail(&self) -> Option<u8> {
        self.tail
    }
}

impl<R: Read> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.out.len() {
            self.refill()?;
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// UTF-8 in, UTF-16 out. Call [`Encoder::finish`] at the end.
pub struct Encoder<W: Write> {
    inner: W,
    big_endian: bool,
    /// The byte-order mark is still to be written.
    bom: bool,
    /// The start of a UTF-8 sequence cut by the last write.
    pending: Vec<u8>,
}

impl<W: Write> Encoder<W> {
    pub fn new(inner: W, big_endian: bool, bom: bool) -> Encoder<W> {
        Encoder {
            inner,
            big_endian,
            bom,
            pending: Vec::new(),
        }
    }

    fn put(&self, out: &mut Vec<u8>, u: u16) {
        out.extend_from_slice(&if self.big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        });
    }

    /// Encode what `bytes` hold; with `last`, a cut sequence at the end is
    /// U+FFFD. Returns the bytes of an incomplete sequence left over.
    fn encode(&self, bytes: &[u8], last: bool, out: &mut Vec<u8>) -> usize {
        let mut i = 0;
        while i < bytes.len() {
            let b0 = bytes[i];
            let len = match b0 {
                0x00..=0x7f => 1,
                0xc2..=0xdf => 2,
                0xe0..=0xef => 3,
                0xf0..=0xf4 => 4,
                _ => 0,
            };
            if len == 0 {
                self.put(out, 0xfffd);
                i += 1;
                continue;
            }
            if i + len > bytes.len() {
                let have = &bytes[i + 1..];
                if !last && have.iter().all(|b| (0x80..0xc0).contains(b)) {
                    return bytes.len() - i;
                }
                self.put(out, 0xfffd);
                i += 1;
                continue;
            }
            let seq = &bytes[i..i + len];
            if seq[1..].iter().any(|b| !(0x80..0xc0).contains(b)) {
                self.put(out, 0xfffd);
                i += 1;
                continue;
            }
            let c = match len {
                1 => u32::from(b0),
                2 => (u32::from(b0 & 0x1f) << 6) | u32::from(seq[1] & 0x3f),
                3 => {
                    (u32::from(b0 & 0x0f) << 12)
                        | (u32::from(seq[1] & 0x3f) << 6)
                        | u32::from(seq[2] & 0x3f)
                }
                _ => {
                    (u32::from(b0 & 0x07) << 18)
                        | (u32::from(seq[1] & 0x3f) << 12)
                        | (u32::from(seq[2] & 0x3f) << 6)
                        | u32::from(seq[3] & 0x3f)
                }
            };
            // Overlong forms and values past U+10FFFF are not text.
            let overlong =
                (len == 3 && c < 0x800) || (len == 4 && !(0x10000..=0x10ffff).contains(&c));
            if overlong {
                self.put(out, 0xfffd);
                i += 1;
                continue;
            }
            if c >= 0x10000 {
                let v = c - 0x10000;
                self.put(out, 0xd800 + (v >> 10) as u16);
                self.put(out, 0xdc00 + (v & 0x3ff) as u16);
            } else {
                self.put(out, c as u16);
            }
            i += len;
        }
        0
    }

    fn emit(&mut self, bytes: &[u8], last: bool) -> io::Result<()> {
        let mut out = Vec::with_capacity(bytes.len() * 2 + 2);
        if std::mem::take(&mut self.bom) {
            self.put(&mut out, 0xfeff);
        }
        let left = self.encode(bytes, last, &mut out);
        self.pending = bytes[bytes.len() - left..].to_vec();
        self.inner.write_all(&out)
    }

    /// Write what is pending (and the byte-order mark of an empty text),
    /// then `tail`, the odd byte the decoder found at the end, as it was.
    pub fn finish(&mut self, tail: Option<u8>) -> io::Result<()> {
        let pending = std::mem::take(&mut self.pending);
        self.emit(&pending, true)?;
        match tail {
            Some(b) => self.inner.write_all(&[b]),
            None => Ok(()),
        }
    }
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.pending.is_empty() {
            self.emit(data, false)?;
        } else {
            let mut joined = std::mem::take(&mut self.pending);
            joined.extend_from_slice(data);
            self.emit(&joined, false)?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(
        units: &[u16],
        tail: Option<u8>,
        big_endian: bool,
        bom: bool,
        pieces: usize,
    ) -> Vec<u16> {
        let mut raw = Vec::new();
        if bom {
            raw.extend_from_slice(&if big_endian {
                0xfeffu16.to_be_bytes()
            } else {
                0xfeffu16.to_le_bytes()
            });
        }
        for u in units {
            raw.extend_from_slice(&if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            });
        }
        raw.extend(tail);
        let mut utf8 = Vec::new();
        let mut dec = Decoder::new(&raw[..], big_endian, bom);
        dec.read_to_end(&mut utf8).unwrap();
        assert_eq!(
            dec.odd_tail(),
            tail,
            "the odd byte at the end is kept aside"
        );
        let mut back = Vec::new();
        {
            let mut enc = Encoder::new(&mut back, big_endian, bom);
            let step = utf8.len() / pieces.max(1) + 1;
            for c in utf8.chunks(step) {
                enc.write_all(c).unwrap();
            }
            enc.finish(dec.odd_tail()).unwrap();
        }
        assert_eq!(back, raw, "bytes differ after a round trip");
        back[..back.len() - usize::from(tail.is_some())]
            .chunks_exact(2)
            .map(|c| {
                if big_endian {
                    u16::from_be_bytes([c[0], c[1]])
                } else {
                    u16::from_le_bytes([c[0], c[1]])
                }
            })
            .collect()
    }

    #[test]
    fn text_surrogate_pairs_lone_surrogates_and_an_odd_last_byte_come_back_unchanged() {
        let text: Vec<u16> = "token glpat-x é 😀\r\n".encode_utf16().collect();
        let mut units = text.clone();
        units.push(0xd800); // lone high surrogate
        units.push(0x41);
        units.push(0xdc00); // lone low surrogate
        for be in [false, true] {
            for bom in [false, true] {
                for pieces in [1, 3, 7, 50] {
                    for tail in [None, Some(b'\n'), Some(0xff)] {
                        round_trip(&units, tail, be, bom, pieces);
                    }
                }
            }
        }
    }

    #[test]
    fn decoded_text_is_utf8_that_rules_can_read() {
        let raw: Vec<u8> = "ip 10.1.2.3\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let mut s = String::new();
        Decoder::new(&raw[..], false, false)
            .read_to_string(&mut s)
            .unwrap();
        assert_eq!(s, "ip 10.1.2.3\n");
    }
}
