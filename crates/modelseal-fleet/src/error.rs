//! The inventory's errors: each says what was refused or failed, with its
//! context; the CLI's exit code follows from [`Error::class`].

pub use modelseal_registry::ErrorClass;
use modelseal_registry::db::DbError;

/// Result alias of the inventory.
pub type Result<T> = std::result::Result<T, Error>;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The registry refused or failed (opening the shared SQLite file).
    #[error(transparent)]
    Registry(#[from] modelseal_registry::Error),
    /// The host library refused or failed (a key file, a report file).
    #[error(transparent)]
    Host(#[from] modelseal::Error),
    /// The database could not be opened, reached, read or written.
    #[error("inventory {0}")]
    Db(#[from] DbError),
    /// A request that does not fit what is recorded (an ECU already fitted
    /// elsewhere, a position taken).
    #[error("{0}")]
    Conflict(String),
    /// An argument or input file that is wrong.
    #[error("{0}")]
    Argument(String),
    /// Nothing recorded matches.
    #[error("{0}")]
    NotFound(String),
    /// A bug: an invariant of modelseal failed.
    #[error("internal error: {invariant}")]
    Internal {
        /// What should have held.
        invariant: &'static str,
    },
}

impl Error {
    /// Which outcome this is. Every variant is listed.
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Registry(e) => e.class(),
            Error::Host(e) => match e.class() {
                modelseal::ErrorClass::Rejected => ErrorClass::Rejected,
                modelseal::ErrorClass::BadInput => ErrorClass::BadInput,
                modelseal::ErrorClass::Io => ErrorClass::Io,
                modelseal::ErrorClass::Internal => ErrorClass::Internal,
            },
            Error::Db(e) => match e {
                DbError::NotModelseal { .. } | DbError::SchemaTooNew { .. } => ErrorClass::BadInput,
                DbError::Internal(_) => ErrorClass::Internal,
                _ => ErrorClass::Io,
            },
            Error::Conflict(_) | Error::Argument(_) => ErrorClass::BadInput,
            Error::NotFound(_) => ErrorClass::NotFound,
            Error::Internal { .. } => ErrorClass::Internal,
        }
    }

    /// A conflict with a concurrent writer (worth one retry).
    pub fn is_conflict(&self) -> bool {
        matches!(self, Error::Db(e) if e.is_conflict())
    }
}
