//! Byte-level reading and writing shared by every document.
//!
//! Two encodings meet here: the fixed little-endian headers of the
//! containers, and postcard for the documents inside them. The [`Walker`]
//! decodes a postcard document one field at a time, so sequences are
//! checked item by item and never collected: memory stays constant however
//! large the document. It must never index out of bounds, never trust a
//! length before comparing it with a limit, and never loop more than a
//! limit allows.

use crate::error::{Error, Result};
use crate::limits::{MAX_ID_LEN, MAX_NAME_LEN, MAX_TEXT_LEN};
use serde::Deserialize;

/// Maps postcard's decode errors onto the verifier's.
fn de_error(e: postcard::Error) -> Error {
    match e {
        postcard::Error::DeserializeUnexpectedEnd => Error::Truncated,
        _ => Error::Malformed,
    }
}

/// A cursor over a postcard document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Walker<'a> {
    rest: &'a [u8],
}

impl<'a> Walker<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    /// Decodes one value of `T` and advances past it.
    pub(crate) fn take<T: Deserialize<'a>>(&mut self) -> Result<T> {
        let (value, rest) = postcard::take_from_bytes::<T>(self.rest).map_err(de_error)?;
        self.rest = rest;
        Ok(value)
    }

    /// Decodes a sequence length and checks it against `max` items.
    pub(crate) fn seq_len(&mut self, max: usize) -> Result<usize> {
        let n: u32 = self.take()?;
        crate::dec::count(n, max)
    }

    /// Decodes an option tag: `false` for none, `true` for some.
    pub(crate) fn option_tag(&mut self) -> Result<bool> {
        match self.take::<u8>()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Error::Malformed),
        }
    }

    /// Takes `N` raw bytes (a fixed-size array in postcard).
    pub(crate) fn array<const N: usize>(&mut self) -> Result<&'a [u8; N]> {
        let (head, rest) = self.rest.split_first_chunk::<N>().ok_or(Error::Truncated)?;
        self.rest = rest;
        Ok(head)
    }

    /// Ends the document: anything left over is an error.
    pub(crate) fn finish(self) -> Result<()> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(Error::TrailingBytes)
        }
    }
}

/// A walker positioned at `offset` within `doc` (offsets come from a
/// document already validated, so a bad one only ever yields an error).
pub(crate) fn walker_at(doc: &[u8], offset: u32) -> Result<Walker<'_>> {
    let off = usize::try_from(offset).map_err(|_| Error::InvalidState)?;
    doc.get(off..).map(Walker::new).ok_or(Error::InvalidState)
}

/// Writes postcard values one after another into a caller buffer.
#[derive(Debug)]
pub(crate) struct Writer<'b> {
    buf: &'b mut [u8],
    pos: usize,
}

impl<'b> Writer<'b> {
    pub(crate) fn new(buf: &'b mut [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// A postcard varint (7 bits per byte, least significant first).
    pub(crate) fn put_varint(&mut self, mut n: u64) -> Result<()> {
        // A u64 takes at most 10 bytes.
        for _ in 0..10 {
            let low = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                return self.put_raw(&[low]);
            }
            self.put_raw(&[low | 0x80])?;
        }
        Err(Error::InvalidState)
    }

    /// A postcard string: varint length, then the UTF-8 bytes.
    pub(crate) fn put_str(&mut self, s: &str) -> Result<()> {
        self.put_varint(s.len() as u64)?;
        self.put_raw(s.as_bytes())
    }

    /// Postcard bytes (`&[u8]`): varint length, then the bytes.
    pub(crate) fn put_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        self.put_varint(bytes.len() as u64)?;
        self.put_raw(bytes)
    }

    pub(crate) fn put_raw(&mut self, bytes: &[u8]) -> Result<()> {
        let end = self
            .pos
            .checked_add(bytes.len())
            .ok_or(Error::BufferTooSmall)?;
        copy_exact(
            self.buf
                .get_mut(self.pos..end)
                .ok_or(Error::BufferTooSmall)?,
            bytes,
        )?;
        self.pos = end;
        Ok(())
    }

    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    pub(crate) fn buffer(&mut self) -> &mut [u8] {
        self.buf
    }
}

/// Copies `src` into `dst`, which must be exactly as long (no panic path,
/// unlike `copy_from_slice`).
pub(crate) fn copy_exact(dst: &mut [u8], src: &[u8]) -> Result<()> {
    if dst.len() != src.len() {
        return Err(Error::BufferTooSmall);
    }
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
    Ok(())
}

/// Reads a little-endian u16 at `off`.
pub(crate) fn le_u16(bytes: &[u8], off: usize) -> Result<u16> {
    let end = off.checked_add(2).ok_or(Error::Truncated)?;
    let b: [u8; 2] = bytes
        .get(off..end)
        .and_then(|s| s.try_into().ok())
        .ok_or(Error::Truncated)?;
    Ok(u16::from_le_bytes(b))
}

/// Reads a little-endian u32 at `off`.
pub(crate) fn le_u32(bytes: &[u8], off: usize) -> Result<u32> {
    let end = off.checked_add(4).ok_or(Error::Truncated)?;
    let b: [u8; 4] = bytes
        .get(off..end)
        .and_then(|s| s.try_into().ok())
        .ok_or(Error::Truncated)?;
    Ok(u32::from_le_bytes(b))
}

/// Reads the byte at `off`.
pub(crate) fn byte(bytes: &[u8], off: usize) -> Result<u8> {
    bytes.get(off).copied().ok_or(Error::Truncated)
}

// ---- Digests ----

/// Decodes a 32-byte digest (postcard: 32 bytes, no length) in a loop.
/// serde's own array decoder unrolls all 32 elements, which costs over a
/// kilobyte of flash; the bytes on the wire are the same.
pub(crate) fn de_digest<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> core::result::Result<[u8; 32], D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = [u8; 32];
        fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("32 bytes")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> core::result::Result<[u8; 32], A::Error> {
            let mut out = [0u8; 32];
            // Exactly 32 iterations.
            for b in out.iter_mut() {
                *b = seq
                    .next_element()?
                    .ok_or_else(|| serde::de::Error::invalid_length(0, &self))?;
            }
            Ok(out)
        }
    }
    d.deserialize_tuple(32, V)
}

/// [`de_digest`] for an optional digest.
pub(crate) fn de_opt_digest<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> core::result::Result<Option<[u8; 32]>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Option<[u8; 32]>;
        fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("an optional digest")
        }
        fn visit_none<E: serde::de::Error>(self) -> core::result::Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: serde::Deserializer<'de>>(
            self,
            d: D2,
        ) -> core::result::Result<Self::Value, D2::Error> {
            de_digest(d).map(Some)
        }
    }
    d.deserialize_option(V)
}

// ---- Field rules ----

/// An identifier: printable ASCII without spaces, at most [`MAX_ID_LEN`]
/// bytes, non-empty when `required`.
pub(crate) fn check_id(s: &str, required: bool) -> Result<()> {
    if s.len() > MAX_ID_LEN {
        return Err(Error::LimitExceeded);
    }
    if required && s.is_empty() {
        return Err(Error::Invalid);
    }
    if s.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(())
    } else {
        Err(Error::Invalid)
    }
}

/// Free text: UTF-8 without control characters, at most [`MAX_TEXT_LEN`]
/// bytes, non-empty when `required`.
pub(crate) fn check_text(s: &str, required: bool) -> Result<()> {
    if s.len() > MAX_TEXT_LEN {
        return Err(Error::LimitExceeded);
    }
    if required && s.is_empty() {
        return Err(Error::Invalid);
    }
    if has_control(s) {
        return Err(Error::Invalid);
    }
    Ok(())
}

/// Whether `s` holds a control character (`char::is_control`: U+0000 to
/// U+001F and U+007F to U+009F), judged on its UTF-8 bytes: the C0 controls
/// and DEL are single bytes, the C1 controls are 0xC2 followed by 0x80 to
/// 0x9F. No decoding of characters, so no per-character iterator in the
/// ECU's code.
fn has_control(s: &str) -> bool {
    let b = s.as_bytes();
    // One iteration per byte.
    b.iter().enumerate().any(|(i, &x)| {
        x < 0x20
            || x == 0x7f
            || (x == 0xc2 && b.get(i.saturating_add(1)).is_some_and(|&n| n < 0xa0))
    })
}

/// An artifact name: a relative path of `/`-separated segments that an ECU
/// can use as a file name without escaping its directory. No empty, `.` or
/// `..` segment, no leading or trailing `/`, no backslash, no control
/// character, at most [`MAX_NAME_LEN`] bytes.
pub(crate) fn check_name(s: &str) -> Result<()> {
    if s.len() > MAX_NAME_LEN {
        return Err(Error::LimitExceeded);
    }
    if s.is_empty() || has_control(s) || s.as_bytes().contains(&b'\\') {
        return Err(Error::Invalid);
    }
    // `split` yields at most MAX_NAME_LEN + 1 segments: bounded by the length check.
    for segment in s.as_bytes().split(|&b| b == b'/') {
        if segment.is_empty() || segment == b"." || segment == b".." {
            return Err(Error::Invalid);
        }
    }
    Ok(())
}

/// Optional identifier.
pub(crate) fn check_opt_id(s: Option<&str>) -> Result<()> {
    match s {
        Some(s) => check_id(s, true),
        None => Ok(()),
    }
}

/// Splits a framed record — a header of `header_len` bytes carrying the
/// body's length as a little-endian `u16` at `len_at`, the body, then a
/// trailer of `trailer_len` bytes (check value, signature) — into the part
/// the trailer covers (header and body) and the trailer. The record must be
/// at most `max` bytes and exactly as long as `bytes`: the framing rule the
/// identity summary and the version report share.
pub(crate) fn split_framed(
    bytes: &[u8],
    header_len: usize,
    len_at: usize,
    trailer_len: usize,
    max: usize,
) -> Result<(&[u8], &[u8])> {
    let body_len = usize::from(le_u16(bytes, len_at)?);
    let body_end = header_len.saturating_add(body_len);
    let end = body_end.saturating_add(trailer_len);
    if end > max {
        return Err(Error::LimitExceeded);
    }
    if bytes.len() < end {
        return Err(Error::Truncated);
    }
    if bytes.len() > end {
        return Err(Error::TrailingBytes);
    }
    let covered = bytes.get(..body_end).ok_or(Error::Truncated)?;
    let trailer = bytes.get(body_end..end).ok_or(Error::Truncated)?;
    Ok((covered, trailer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_names_cannot_escape_their_directory() {
        for ok in [
            "model.onnx",
            "engine/a.plan",
            "a/b/c",
            "ünïcode/ファイル.bin",
            "x..y",
            ".hidden",
        ] {
            assert_eq!(check_name(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "a/../b",
            "..",
            ".",
            "a//b",
            "a/",
            "a\\b",
            "a\u{0}b",
            "a\nb",
            "./a",
        ] {
            assert_eq!(check_name(bad), Err(Error::Invalid), "{bad:?}");
        }
        assert_eq!(
            check_name(&"n".repeat(MAX_NAME_LEN + 1)),
            Err(Error::LimitExceeded)
        );
        assert_eq!(check_name(&"n".repeat(MAX_NAME_LEN)), Ok(()));
    }

    #[test]
    fn identifiers_are_printable_ascii_without_spaces() {
        assert_eq!(check_id("HW-FC-0042", true), Ok(()));
        assert_eq!(check_id("", false), Ok(()));
        assert_eq!(check_id("", true), Err(Error::Invalid));
        for bad in ["a b", "tab\t", "é", "\u{7f}"] {
            assert_eq!(check_id(bad, true), Err(Error::Invalid), "{bad:?}");
        }
        assert_eq!(
            check_id(&"i".repeat(MAX_ID_LEN + 1), true),
            Err(Error::LimitExceeded)
        );
    }

    #[test]
    fn control_characters_are_found_in_the_bytes_as_char_finds_them() {
        for c in (0..=0x10ffffu32).filter_map(char::from_u32) {
            for s in [
                std::format!("{c}"),
                std::format!("a{c}"),
                std::format!("{c}\u{a0}"),
                std::format!("\u{7ff}{c}z"),
            ] {
                assert_eq!(has_control(&s), s.chars().any(char::is_control), "{s:?}");
            }
        }
    }

    #[test]
    fn text_refuses_control_characters() {
        assert_eq!(
            check_text("Perception Team <p@example.com>, ü", true),
            Ok(())
        );
        assert_eq!(check_text("line\nbreak", false), Err(Error::Invalid));
        assert_eq!(check_text("esc\u{1b}[31m", false), Err(Error::Invalid));
        assert_eq!(check_text("c1\u{85}", false), Err(Error::Invalid));
    }

    #[test]
    fn hand_written_varints_and_strings_match_postcard() {
        let values = [
            0u64,
            1,
            127,
            128,
            255,
            16_383,
            16_384,
            1 << 32,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ];
        for n in values {
            let mut ours = [0u8; 16];
            let mut w = Writer::new(&mut ours);
            w.put_varint(n).unwrap();
            let len = w.position();
            let mut theirs = [0u8; 16];
            let t = postcard::to_slice(&n, &mut theirs).unwrap();
            assert_eq!(&ours[..len], &t[..], "{n}");
        }
        for s in ["", "v1.3.5", &"x".repeat(200)] {
            let mut ours = [0u8; 256];
            let mut w = Writer::new(&mut ours);
            w.put_str(s).unwrap();
            let len = w.position();
            let mut theirs = [0u8; 256];
            let t = postcard::to_slice(s, &mut theirs).unwrap();
            assert_eq!(&ours[..len], &t[..]);
        }
        let mut tiny = [0u8; 1];
        assert_eq!(
            Writer::new(&mut tiny).put_varint(300),
            Err(Error::BufferTooSmall)
        );
    }

    #[test]
    fn walker_reports_truncation_and_trailing_bytes() {
        let mut w = Walker::new(&[0x80]);
        assert_eq!(w.take::<u32>(), Err(Error::Truncated));
        let w = Walker::new(&[1]);
        assert_eq!(w.finish(), Err(Error::TrailingBytes));
        let mut w = Walker::new(&[2]);
        assert_eq!(w.option_tag(), Err(Error::Malformed));
        let mut w = Walker::new(&[0xff, 0xff, 0xff, 0xff, 0x7f]);
        assert_eq!(w.seq_len(10), Err(Error::Malformed));
        let mut w = Walker::new(&[11]);
        assert_eq!(w.seq_len(10), Err(Error::LimitExceeded));
    }
}
