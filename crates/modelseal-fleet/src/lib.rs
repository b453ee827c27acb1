//! # modelseal-fleet
//!
//! The fleet inventory: which vehicle carries which ECUs (and their device
//! keys), what each vehicle should run, what each ECU said it runs — in
//! signed version reports, checked against the key enrolled for that ECU —
//! and from when to when; incidents, linked to what the vehicle ran at that
//! time; and results from the road per model version. With the registry's
//! records (the same database, the same migrations) it answers "which cars
//! run perception_front_camera v1.3.5, and what trained it?" and "what did
//! vehicle X run when this incident happened?".
//!
//! Two engines, one schema: SQLite (the registry's file; nothing to
//! install) and PostgreSQL (`postgres://…`) for a fleet that outgrows one
//! machine. History is never overwritten: a replaced ECU, a rotated or
//! revoked key, a new assignment and a new install each add a row and end
//! the one before. Every change is one transaction.

pub mod enroll;
mod error;
pub mod generate;
pub mod incident;
pub mod ingest;
pub mod query;

pub use error::{Error, ErrorClass, Result};
pub use modelseal_registry::db::{self, Db, Val};
pub(crate) use modelseal_registry::vals;
pub use modelseal_registry::{Page, Paged};

/// An open fleet inventory.
#[derive(Debug)]
pub struct Inventory {
    pub(crate) db: Db,
}

impl Inventory {
    /// Opens the inventory at `target` (a SQLite path, created on first
    /// use, or a `postgres://` URL), migrating it to this build's schema.
    pub fn open(target: &str) -> Result<Self> {
        Ok(Self {
            db: Db::open(target, true)?,
        })
    }

    /// The database underneath (for tools and tests that load data in
    /// bulk).
    pub fn db(&mut self) -> &mut Db {
        &mut self.db
    }
}

/// The current time, seconds since the Unix epoch.
pub(crate) use modelseal_registry::now;

/// A page cut from rows fetched with `limit + 1`.
pub(crate) fn paged<T>(items: Vec<T>, page: Page) -> Paged<T> {
    Paged::from_fetched(items, page)
}

/// `LIMIT ?a OFFSET ?b` values for a page (one extra row, to know whether
/// there is a next page).
pub(crate) fn page_vals(page: Page) -> [Val; 2] {
    [db::int(page.limit + 1), db::int(page.offset)]
}
