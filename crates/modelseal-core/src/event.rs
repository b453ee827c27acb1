//! The registry's signed events: stage changes and evaluation results of a
//! model version after its bundle was released.
//!
//! An event is a document in an ordinary envelope (document types
//! [`DocType::StageEvent`](crate::codes::DocType::StageEvent) and
//! [`DocType::Evaluation`](crate::codes::DocType::Evaluation)), signed by a
//! threshold of the trust root's registry or evaluation role over the same
//! domain-separated digest as every other document. The ECU never reads an
//! event: these records exist here only so that the host writes and reads
//! them from one declaration, with the same field rules as the manifests.
//! Nothing in this module is linked into a firmware that does not name it.

use crate::hash::Digest;
use crate::limits::MAX_EVENT_LEN;
use crate::rules::{Class, Record};
#[cfg(feature = "alloc")]
use alloc::string::String;
use serde::Serialize;

use crate::doc::record;

record! {
    /// A stage event: a model version promoted to a stage, or withdrawn
    /// (writing side). Append-only: a later event supersedes an earlier one
    /// by its time, nothing is edited.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
    pub struct StageEventDoc<'a> => StageEventBuf {
        /// Model family.
        pub family: &'a str => String = Class::Id { required: true },
        /// Model version.
        pub version: &'a str => String = Class::Id { required: true },
        /// SHA-256 of the component manifest that released this version.
        pub manifest_digest: Digest => Digest = Class::Digest,
        /// [`EventAction`](crate::codes::EventAction) code.
        pub action: u8 => u8 = Class::Code,
        /// [`Stage`](crate::codes::Stage) code the version moves to (for a
        /// withdrawal: the stage it leaves).
        pub stage: u8 => u8 = Class::Code,
        /// Who decided (a person or a pipeline, free text).
        pub actor: &'a str => String = Class::Text { required: true },
        /// When, seconds since the Unix epoch (UTC).
        pub at: u64 => u64 = Class::U64,
        /// Why (free text; a ticket, an incident).
        pub reason: &'a str => String = Class::Text { required: true },
    }
}

record! {
    /// An evaluation result of a model version (writing side): a
    /// simulation suite, a HiL suite or the release gate, with its verdict.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
    pub struct EvaluationDoc<'a> => EvaluationBuf {
        /// Model family.
        pub family: &'a str => String = Class::Id { required: true },
        /// Model version.
        pub version: &'a str => String = Class::Id { required: true },
        /// SHA-256 of the component manifest of the version evaluated.
        pub manifest_digest: Digest => Digest = Class::Digest,
        /// [`SuiteKind`](crate::codes::SuiteKind) code.
        pub suite_kind: u8 => u8 = Class::Code,
        /// The suite (or gate) that ran.
        pub suite_id: &'a str => String = Class::Id { required: true },
        /// The result's id in the system that ran it.
        pub result_id: &'a str => String = Class::Id { required: true },
        /// [`Verdict`](crate::codes::Verdict) code.
        pub verdict: u8 => u8 = Class::Code,
        /// Where the result is (a URL or a path; may be empty).
        pub link: &'a str => String = Class::Text { required: false },
        /// Who or what ran it (free text).
        pub evaluator: &'a str => String = Class::Text { required: true },
        /// When it finished, seconds since the Unix epoch (UTC).
        pub at: u64 => u64 = Class::U64,
    }
}

/// Largest legal event document of either type, in bytes.
pub const EVENT_WORST: usize = if StageEventDoc::MAX_LEN > EvaluationDoc::MAX_LEN {
    StageEventDoc::MAX_LEN
} else {
    EvaluationDoc::MAX_LEN
};
const _: () = assert!(EVENT_WORST <= MAX_EVENT_LEN);

#[cfg(feature = "alloc")]
mod owned {
    use super::{EvaluationBuf, StageEventBuf};
    use crate::error::{Error, Result};
    use crate::limits::MAX_EVENT_LEN;
    use crate::rules::Record;
    use alloc::vec::Vec;

    /// Encodes and checks an event record: its field rules, then postcard
    /// within [`MAX_EVENT_LEN`].
    fn encode<T: serde::Serialize + Record>(rec: &T) -> Result<Vec<u8>> {
        rec.check_fields(&mut ())?;
        let bytes = postcard::to_allocvec(rec).map_err(|_| Error::LimitExceeded)?;
        if bytes.len() > MAX_EVENT_LEN {
            return Err(Error::LimitExceeded);
        }
        Ok(bytes)
    }

    /// Decodes an event document exactly (no trailing bytes) and checks its
    /// field rules.
    fn decode<T: serde::de::DeserializeOwned + Record>(doc: &[u8]) -> Result<T> {
        if doc.len() > MAX_EVENT_LEN {
            return Err(Error::LimitExceeded);
        }
        let (rec, rest) = postcard::take_from_bytes::<T>(doc).map_err(|_| Error::Malformed)?;
        if !rest.is_empty() {
            return Err(Error::TrailingBytes);
        }
        rec.check_fields(&mut ())?;
        Ok(rec)
    }

    impl StageEventBuf {
        /// The event document, checked and encoded.
        pub fn encode(&self) -> Result<Vec<u8>> {
            encode(self)
        }
        /// Reads an event document back, checked.
        pub fn decode(doc: &[u8]) -> Result<Self> {
            decode(doc)
        }
    }

    impl EvaluationBuf {
        /// The evaluation document, checked and encoded.
        pub fn encode(&self) -> Result<Vec<u8>> {
            encode(self)
        }
        /// Reads an evaluation document back, checked.
        pub fn decode(doc: &[u8]) -> Result<Self> {
            decode(doc)
        }
    }
}
