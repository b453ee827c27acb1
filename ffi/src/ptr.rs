//! Turning C arguments into Rust references, with every check that can be
//! made: NULL, alignment, a length that fits in memory. What cannot be
//! checked (that a pointer really points at that many live bytes, that
//! nobody else writes them meanwhile) is the caller's side of the contract
//! each public function states.
//!
//! Lifetimes here are chosen by the caller of each helper: the C function
//! that states how long its arguments must stay valid.

use crate::status::{Status, modelseal_status};
use core::ffi::c_char;

/// Largest length a slice may have.
const MAX_SLICE: usize = isize::MAX as usize;

/// `len` bytes at `ptr`; NULL is accepted only when `len` is 0.
///
/// # Safety
/// When `len` > 0 and `ptr` is not NULL, `ptr` must point at `len` readable
/// bytes that nobody writes for the lifetime `'a`.
pub(crate) unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> Status<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(modelseal_status::NullArgument);
    }
    if len > MAX_SLICE {
        return Err(modelseal_status::InvalidArgument);
    }
    // SAFETY: non-NULL, length within isize::MAX (checked above); validity
    // and immutability for 'a are this function's precondition. u8 has
    // alignment 1.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// `len` writable bytes at `ptr`; NULL is accepted only when `len` is 0.
///
/// # Safety
/// When `len` > 0 and `ptr` is not NULL, `ptr` must point at `len` writable
/// bytes that nothing else reads or writes for the lifetime `'a`.
pub(crate) unsafe fn bytes_mut<'a>(ptr: *mut u8, len: usize) -> Status<&'a mut [u8]> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(modelseal_status::NullArgument);
    }
    if len > MAX_SLICE {
        return Err(modelseal_status::InvalidArgument);
    }
    // SAFETY: non-NULL, length within isize::MAX (checked above); validity
    // and exclusivity for 'a are this function's precondition.
    Ok(unsafe { core::slice::from_raw_parts_mut(ptr, len) })
}

/// An optional string: absent when `ptr` is NULL (then `len` must be 0).
/// Present strings must be UTF-8 (the core then checks the identifier rules).
///
/// # Safety
/// As for [`bytes`].
pub(crate) unsafe fn opt_str<'a>(ptr: *const c_char, len: usize) -> Status<Option<&'a str>> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(None)
        } else {
            Err(modelseal_status::NullArgument)
        };
    }
    // SAFETY: forwarded precondition.
    let b = unsafe { bytes(ptr.cast::<u8>(), len) }?;
    core::str::from_utf8(b)
        .map(Some)
        .map_err(|_| modelseal_status::Invalid)
}

/// A shared reference to the `T` at `p`.
///
/// # Safety
/// A non-NULL, aligned `p` must point at an initialised `T` that nobody
/// writes for the lifetime `'a`.
pub(crate) unsafe fn reference<'a, T>(p: *const T) -> Status<&'a T> {
    if p.is_null() {
        return Err(modelseal_status::NullArgument);
    }
    if !p.is_aligned() {
        return Err(modelseal_status::InvalidArgument);
    }
    // SAFETY: non-NULL and aligned (checked above); initialised and not
    // written meanwhile by this function's precondition.
    Ok(unsafe { &*p })
}

/// Checks an output pointer; the caller writes through it only on success.
pub(crate) fn out<T>(p: *mut T) -> Status<*mut T> {
    if p.is_null() {
        return Err(modelseal_status::NullArgument);
    }
    if !p.is_aligned() {
        return Err(modelseal_status::InvalidArgument);
    }
    Ok(p)
}

/// Writes `v` through an output pointer checked by [`out`].
///
/// # Safety
/// `p` must come from [`out`] and point at memory writable as a `T`.
pub(crate) unsafe fn write<T>(p: *mut T, v: T) {
    // SAFETY: non-NULL and aligned (checked by `out`), writable by this
    // function's precondition. `write` does not read or drop the old value,
    // which may be uninitialised.
    unsafe { p.write(v) }
}

/// Copies `s` into a fixed, NUL-terminated, NUL-padded C string array.
/// Fails when `s` (plus its NUL) does not fit or contains a NUL.
pub(crate) fn c_string<const N: usize>(s: &str) -> Status<[c_char; N]> {
    let mut a = [0 as c_char; N];
    if s.len() >= N || s.bytes().any(|b| b == 0) {
        return Err(modelseal_status::LimitExceeded);
    }
    for (d, b) in a.iter_mut().zip(s.bytes()) {
        *d = b as c_char;
    }
    Ok(a)
}

/// Reads a NUL-terminated string out of a fixed array: the bytes before the
/// first NUL, which must exist and be UTF-8.
pub(crate) fn from_c_string(a: &[c_char]) -> Status<&str> {
    let end = a
        .iter()
        .position(|&c| c == 0)
        .ok_or(modelseal_status::InvalidArgument)?;
    let prefix = a.get(..end).ok_or(modelseal_status::InvalidArgument)?;
    core::str::from_utf8(c_bytes(prefix)).map_err(|_| modelseal_status::Invalid)
}

/// The bytes of a `c_char` slice, as a `u8` slice.
fn c_bytes(a: &[c_char]) -> &[u8] {
    // c_char is i8 or u8 depending on the target; both are one byte with
    // alignment 1, so the same memory is a valid [u8] of the same length.
    let p = a.as_ptr().cast::<u8>();
    // SAFETY: `p` points at `a.len()` initialised bytes borrowed from `a`
    // for the same lifetime; u8 has no invalid bit patterns.
    unsafe { core::slice::from_raw_parts(p, a.len()) }
}

/// Copies `src` to the start of `dst`: `BufferTooSmall` when it does not
/// fit. A byte loop, not `copy_from_slice`, whose length check LLVM cannot
/// always remove: this keeps every panic path out of the library (see the
/// link-time proof in `ffi/tests/run.sh`).
pub(crate) fn copy_to(dst: &mut [u8], src: &[u8]) -> Status<()> {
    if dst.len() < src.len() {
        return Err(modelseal_status::BufferTooSmall);
    }
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
    Ok(())
}
