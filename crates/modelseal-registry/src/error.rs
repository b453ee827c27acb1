//! The registry's errors: each variant says what was refused or failed,
//! with its context; the CLI's exit code follows from [`ErrorClass`].

use crate::db::DbError;
use std::path::PathBuf;

/// Result alias of the registry.
pub type Result<T> = std::result::Result<T, Error>;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The host library refused or failed (a bundle that does not verify, a
    /// file that cannot be read, a spec with a wrong field).
    #[error(transparent)]
    Host(#[from] modelseal::Error),
    /// The store could not be opened, read or written (the engine
    /// refused or failed, the server went away).
    #[error("registry {0}")]
    Store(DbError),
    /// The database is not a registry (another database, or not a
    /// database, or a file that does not exist).
    #[error("registry {db}: not a modelseal registry ({why})")]
    NotARegistry {
        /// The database (a path, or a URL without its password).
        db: String,
        /// Why.
        why: String,
    },
    /// The store was written by a newer modelseal (a migration this build
    /// does not know).
    #[error("registry {db}: schema version {found} is newer than this modelseal knows ({known})")]
    SchemaTooNew {
        /// The database.
        db: String,
        /// Version in the database.
        found: i64,
        /// Newest version this build knows.
        known: i64,
    },
    /// The store has no trust root yet (`registry init --root`).
    #[error("registry {db}: no trust root; create it with `modelseal registry init --root ROOT`")]
    NoTrustRoot {
        /// The database.
        db: String,
    },
    /// A bundle's signatures do not reach the threshold of the role in force.
    #[error("{what}: signatures incomplete ({summary}); only fully signed bundles are registered")]
    SignaturesIncomplete {
        /// The bundle.
        what: String,
        /// Which roles lack signatures.
        summary: String,
    },
    /// A signed event did not verify against the root in force.
    #[error("{what}: {source}")]
    EventRejected {
        /// The event.
        what: String,
        /// The verifier's reason.
        source: modelseal_core::Error,
    },
    /// The root in force names no key for the role that signs this event.
    #[error("{what}: the trust root in force (v{root_version}) has no {role} role")]
    RoleMissing {
        /// The event.
        what: String,
        /// The role's name.
        role: &'static str,
        /// Root version.
        root_version: u32,
    },
    /// An event names a model version the registry has not registered from
    /// a signed bundle.
    #[error("{what}: {family}@{version} in manifest {manifest} is not a registered release")]
    EventForUnknownVersion {
        /// The event.
        what: String,
        /// Family.
        family: String,
        /// Version.
        version: String,
        /// Manifest digest (hex).
        manifest: String,
    },
    /// A file is not the kind of document expected here.
    #[error("{path}: {why}")]
    WrongInput {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// A candidate spec that cannot be registered as a candidate.
    #[error("{path}: {why}")]
    Candidate {
        /// The spec.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// A query argument that cannot be used (a digest that is not hex, an
    /// unknown link kind, a malformed `family@version`).
    #[error("{0}")]
    Argument(String),
    /// Nothing registered matches.
    #[error("not in the registry: {0}")]
    NotFound(String),
    /// A bug: an invariant of the registry did not hold.
    #[error("internal error (a bug in modelseal): {0}")]
    Internal(&'static str),
    /// A resolver template that cannot be used.
    #[error("resolver for {link}: {why}")]
    Resolver {
        /// The link kind.
        link: String,
        /// What is wrong.
        why: String,
    },
}

/// Which outcome an error is (the CLI's exit code follows from it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Verification refused the input (exit 1).
    Rejected,
    /// The input or the request is wrong (exit 2).
    BadInput,
    /// A file or the store could not be read or written (exit 3).
    Io,
    /// A bug (exit 4).
    Internal,
    /// Nothing registered matches (exit 5).
    NotFound,
}

/// The database layer's refusals keep their registry names (a file that
/// is not a registry is [`Error::NotARegistry`]); what the engine said is
/// [`Error::Store`].
impl From<DbError> for Error {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotModelseal { db, why } => Error::NotARegistry { db, why },
            DbError::SchemaTooNew { db, found, known } => Error::SchemaTooNew { db, found, known },
            DbError::Internal(what) => Error::Internal(what),
            e => Error::Store(e),
        }
    }
}

impl Error {
    /// Which outcome this is. Every variant is listed.
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Host(e) => match e.class() {
                modelseal::ErrorClass::Rejected => ErrorClass::Rejected,
                modelseal::ErrorClass::BadInput => ErrorClass::BadInput,
                modelseal::ErrorClass::Io => ErrorClass::Io,
                modelseal::ErrorClass::Internal => ErrorClass::Internal,
            },
            Error::Store(e) => match e {
                DbError::NotModelseal { .. } | DbError::SchemaTooNew { .. } => ErrorClass::BadInput,
                DbError::Internal(_) => ErrorClass::Internal,
                _ => ErrorClass::Io,
            },
            Error::NotARegistry { .. } | Error::SchemaTooNew { .. } => ErrorClass::BadInput,
            Error::NoTrustRoot { .. } => ErrorClass::BadInput,
            Error::SignaturesIncomplete { .. }
            | Error::EventRejected { .. }
            | Error::RoleMissing { .. }
            | Error::EventForUnknownVersion { .. } => ErrorClass::Rejected,
            Error::WrongInput { .. }
            | Error::Candidate { .. }
            | Error::Argument(_)
            | Error::Resolver { .. } => ErrorClass::BadInput,
            Error::NotFound(_) => ErrorClass::NotFound,
            Error::Internal(_) => ErrorClass::Internal,
        }
    }
}
