//! # modelseal-registry
//!
//! The model registry: every released manifest, verified against the trust
//! root and indexed (lineage, artifacts, SBOM contents, system
//! configurations); candidates that training registered before release;
//! signed stage events and evaluation results; and `trace`, from what a car
//! reports back to the data its models were trained on.
//!
//! Nothing enters the store that did not verify: a bundle through the same
//! core verifier the ECU runs (every signature, the rotation chain, every
//! rule of the format, every payload it has), an event through the
//! threshold of the role the root in force names for it. One write
//! transaction per change, so a crash leaves the store as it was before or
//! after, never between. Unsigned data (a candidate) is marked as such and
//! never reported as deployable.
//!
//! The store is a SQLite file (compiled in, the default) or a PostgreSQL
//! database (`postgres://…`), through [`db::Db`]; the schema and every
//! statement are written once for both engines, with the differences in
//! [`store::Dialect`] (see `docs/REGISTRY.md`).

pub mod add;
pub mod db;
pub mod diff;
mod error;
pub mod event;
pub mod query;
pub mod resolve;
pub mod sbom;
pub mod store;
pub mod trace;

pub use error::{Error, ErrorClass, Result};
pub use store::Store;

/// The current time, seconds since the Unix epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Lowercase hex of a digest.
pub(crate) fn hex32(d: &[u8; 32]) -> String {
    hex::encode(d)
}

/// A digest given in hex (64 digits, any case).
pub fn parse_digest(s: &str) -> Result<[u8; 32]> {
    let mut d = [0u8; 32];
    hex::decode_to_slice(s.trim(), &mut d).map_err(|_| {
        Error::Argument(format!("`{s}` is not a SHA-256 digest in hex (64 digits)"))
    })?;
    Ok(d)
}

/// `family@version`, split.
pub fn parse_family_version(s: &str) -> Result<(String, String)> {
    match s.split_once('@') {
        Some((f, v)) if !f.is_empty() && !v.is_empty() && !v.contains('@') => {
            Ok((f.to_owned(), v.to_owned()))
        }
        _ => Err(Error::Argument(format!(
            "`{s}`: expected FAMILY@VERSION, e.g. perception_front_camera@v1.3.5"
        ))),
    }
}

/// A page of a list that grows: at most `limit` items from `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Items to skip.
    pub offset: u64,
    /// Most items to return (at least 1).
    pub limit: u64,
}

impl Default for Page {
    fn default() -> Self {
        Self {
            offset: 0,
            limit: 100,
        }
    }
}

/// One page of results, and where the next starts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Paged<T> {
    /// The items.
    pub items: Vec<T>,
    /// The offset of the next page, when there are more items.
    pub next_offset: Option<u64>,
}

impl<T> Paged<T> {
    /// Cuts `items` (fetched with `limit + 1`) to a page.
    pub fn from_fetched(mut items: Vec<T>, page: Page) -> Self {
        let more = items.len() as u64 > page.limit;
        items.truncate(page.limit as usize);
        Self {
            next_offset: more.then_some(page.offset + page.limit),
            items,
        }
    }
}
