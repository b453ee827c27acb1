//! Reading caller memory exactly once: a copy window that hashes what it
//! hands out.
//!
//! The bytes a verifier is given may change under it: a head buffer the
//! firmware reuses for the next network chunk, memory-mapped flash that a
//! second bus master writes. Checking a digest over those bytes and then
//! decoding them from a second read would decode something that was never
//! signed. A [`Snap`] copies the source into a window the verifier owns,
//! decodes every value from that copy and feeds exactly the bytes it
//! decoded into SHA-256, in order. The digest it returns therefore covers
//! the very bytes every decoded value came from: if it equals the
//! authenticated digest, every value is authenticated, whatever the source
//! did in between.
//!
//! A second, optional hash ("the tap") receives the same bytes while it is
//! open: the artifact records' leaf hashes are taken this way (see
//! [`crate::records`]).
//!
//! Every loop is bounded by the source length or by [`WINDOW`]; nothing
//! here indexes without a check.

use crate::dec::Cur;
use crate::error::{Error, Result};
use crate::hash::Digest;
use crate::limits::MAX_ITEM_LEN;
use sha2::Digest as _;

/// Bytes of the copy window: twice the largest single item the format
/// decodes in one piece ([`MAX_ITEM_LEN`]), rounded up to 64. The window
/// is refilled when fewer than [`MAX_ITEM_LEN`] unconsumed bytes remain, so
/// every item fits, and each refill moves at most as many bytes as were
/// consumed since the last one.
pub(crate) const WINDOW: usize = (2 * MAX_ITEM_LEN).div_ceil(64) * 64;
const _: () = assert!(WINDOW >= 2 * MAX_ITEM_LEN);

/// A forward-only, copy-once reader over a postcard document.
pub(crate) struct Snap<'s> {
    win: [u8; WINDOW],
    at: Place<'s>,
}

/// Where a [`Snap`] stands, apart from its window, so that the two steps
/// around every decode ([`Place::window`], [`Place::commit`]) are shared
/// by all record types instead of repeated at each of them.
struct Place<'s> {
    src: &'s [u8],
    /// Next byte of `src` not yet copied.
    next: usize,
    /// Next byte of the window not yet consumed.
    lo: usize,
    /// End of the copied bytes in the window.
    hi: usize,
    hash: sha2::Sha256,
    tap: Option<sha2::Sha256>,
}

impl core::fmt::Debug for Snap<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Snap")
            .field("len", &self.at.src.len())
            .field("consumed", &self.consumed())
            .finish()
    }
}

impl Place<'_> {
    /// Copies more of the source so that at least [`MAX_ITEM_LEN`]
    /// unconsumed bytes sit in `win` (fewer only at the end of the source),
    /// and returns them.
    #[inline(never)]
    fn window<'w>(&mut self, win: &'w mut [u8; WINDOW]) -> Result<&'w [u8]> {
        self.fill(win);
        win.get(self.lo..self.hi).ok_or(Error::InvalidState)
    }

    fn fill(&mut self, win: &mut [u8; WINDOW]) {
        let have = self.hi.saturating_sub(self.lo);
        if have >= MAX_ITEM_LEN || self.next >= self.src.len() {
            return;
        }
        if self.lo > 0 {
            // Move the unconsumed bytes to the front. A refill happens only
            // with fewer than MAX_ITEM_LEN (at most half the window) left in
            // a full window, so the two ranges never overlap; if they did,
            // nothing moves and the next decode reports the input short.
            if let Some((front, back)) = win.split_at_mut_checked(self.lo) {
                if let (Some(d), Some(s)) = (front.get_mut(..have), back.get(..have)) {
                    if crate::wire::copy_exact(d, s).is_ok() {
                        self.lo = 0;
                        self.hi = have;
                    }
                }
            }
            if self.lo > 0 {
                return;
            }
        }
        let room = WINDOW.saturating_sub(self.hi);
        let n = room.min(self.src.len().saturating_sub(self.next));
        let src = self
            .src
            .get(self.next..self.next.saturating_add(n))
            .unwrap_or(&[]);
        let dst = win
            .get_mut(self.hi..self.hi.saturating_add(src.len()))
            .unwrap_or(&mut []);
        if crate::wire::copy_exact(dst, src).is_err() {
            return;
        }
        self.next = self.next.saturating_add(src.len());
        self.hi = self.hi.saturating_add(src.len());
    }

    /// Hashes the `used` bytes just decoded from `avail` (what
    /// [`Place::window`] returned) and moves past them.
    #[inline(never)]
    fn commit(&mut self, avail: &[u8], used: usize) -> Result<()> {
        let bytes = avail.get(..used).ok_or(Error::InvalidState)?;
        self.hash.update(bytes);
        if let Some(t) = self.tap.as_mut() {
            t.update(bytes);
        }
        self.lo = self.lo.saturating_add(used);
        Ok(())
    }
}

impl<'s> Snap<'s> {
    /// A reader at the start of `src`.
    pub(crate) fn new(src: &'s [u8]) -> Self {
        Self {
            win: [0; WINDOW],
            at: Place {
                src,
                next: 0,
                lo: 0,
                hi: 0,
                hash: sha2::Sha256::new(),
                tap: None,
            },
        }
    }

    /// Moves a reader that has read nothing yet to `offset` of its source:
    /// it reads and hashes from there on (the caller compares what it gets
    /// with a digest kept for that range). In place, so no reader (window
    /// included) is ever returned by value through the stack.
    pub(crate) fn start_at(&mut self, offset: usize) -> Result<()> {
        if offset > self.at.src.len() || self.at.hi != 0 {
            return Err(Error::InvalidState);
        }
        self.at.next = offset;
        Ok(())
    }

    /// Bytes of the source consumed so far (its position in the document).
    pub(crate) fn consumed(&self) -> usize {
        let at = &self.at;
        at.next.saturating_sub(at.hi.saturating_sub(at.lo))
    }

    /// [`Snap::consumed`] as a document offset of the format (32 bits).
    #[inline(never)]
    pub(crate) fn position(&self) -> Result<u32> {
        u32::try_from(self.consumed()).map_err(|_| Error::LimitExceeded)
    }

    /// Decodes one value with `decode` from the copy. It borrows the
    /// window, so it must be used (or copied) before the next read.
    pub(crate) fn take<'w, T>(&'w mut self, decode: fn(&mut Cur<'w>) -> Result<T>) -> Result<T> {
        let Self { win, at } = self;
        let avail = at.window(win)?;
        let mut c = Cur::new(avail);
        let value = decode(&mut c)?;
        at.commit(avail, c.used())?;
        Ok(value)
    }

    /// Decodes a sequence length and checks it against `max` items.
    pub(crate) fn seq_len(&mut self, max: usize) -> Result<usize> {
        let n = self.take(|c| c.u32())?;
        crate::dec::count(n, max)
    }

    /// Decodes an option tag: `false` for none, `true` for some.
    pub(crate) fn option_tag(&mut self) -> Result<bool> {
        self.take(|c| c.tag())
    }

    /// Starts feeding consumed bytes, prefixed by `prefix`, into the tap.
    pub(crate) fn open_tap(&mut self, prefix: &[u8]) {
        let mut t = sha2::Sha256::new();
        t.update(prefix);
        self.at.tap = Some(t);
    }

    /// Ends the tap and returns its digest.
    pub(crate) fn close_tap(&mut self) -> Result<Digest> {
        let t = self.at.tap.take().ok_or(Error::InvalidState)?;
        Ok(t.finalize().into())
    }

    /// Ends the document: every byte of the source must have been consumed.
    /// Returns SHA-256 of everything consumed since the start (or since
    /// [`Snap::start_at`]'s offset).
    pub(crate) fn finish(self) -> Result<Digest> {
        let at = self.at;
        if at.lo != at.hi || at.next != at.src.len() {
            return Err(Error::TrailingBytes);
        }
        Ok(at.hash.finalize().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    #[test]
    fn hashes_exactly_what_it_decodes_across_refills() {
        // Many strings, more than one window's worth.
        let items: Vec<std::string::String> =
            (0..200).map(|i| std::format!("item-{i:04}")).collect();
        let refs: Vec<&str> = items.iter().map(|s| s.as_str()).collect();
        let mut buf = [0u8; 4096];
        let bytes = postcard::to_slice(refs.as_slice(), &mut buf)
            .unwrap()
            .to_vec();
        let mut s = Snap::new(&bytes);
        let n = s.seq_len(1000).unwrap();
        assert_eq!(n, items.len());
        for item in &items {
            let v: &str = s.take(crate::dec::str).unwrap();
            assert_eq!(v, item);
        }
        let d = s.finish().unwrap();
        let want: [u8; 32] = sha2::Sha256::digest(&bytes).into();
        assert_eq!(d, want);
    }

    #[test]
    fn reports_truncation_and_trailing_bytes() {
        let mut s = Snap::new(&[0x80]);
        assert_eq!(s.take(|c| c.u32()), Err(Error::Truncated));
        let s = Snap::new(&[1]);
        assert_eq!(s.finish(), Err(Error::TrailingBytes));
        let mut s = Snap::new(&[2]);
        assert_eq!(s.option_tag(), Err(Error::Malformed));
        let mut s = Snap::new(&[11]);
        assert_eq!(s.seq_len(10), Err(Error::LimitExceeded));
    }
}
