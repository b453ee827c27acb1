//! The field rules of the format, for tools that want to check a value
//! before encoding it (and name the field in their message). The verifier
//! applies exactly these functions to every decoded string.
//!
//! Each returns [`Error::LimitExceeded`] for a value over its length limit
//! and [`Error::Invalid`] for an empty required value or a character outside
//! its class (see `docs/FORMAT.md`, "String classes").

#[cfg(doc)]
use crate::error::Error;
use crate::error::Result;

/// An identifier: printable ASCII without spaces, at most
/// [`crate::limits::MAX_ID_LEN`] bytes; non-empty when `required`.
pub fn identifier(s: &str, required: bool) -> Result<()> {
    crate::wire::check_id(s, required)
}

/// Free text: UTF-8 without control characters, at most
/// [`crate::limits::MAX_TEXT_LEN`] bytes; non-empty when `required`.
pub fn text(s: &str, required: bool) -> Result<()> {
    crate::wire::check_text(s, required)
}

/// An artifact name: a relative path without empty, `.` or `..` segments,
/// backslashes or control characters, at most
/// [`crate::limits::MAX_NAME_LEN`] bytes.
pub fn artifact_name(s: &str) -> Result<()> {
    crate::wire::check_name(s)
}
