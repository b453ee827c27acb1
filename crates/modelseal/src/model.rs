//! The host's records are the core's, owned.
//!
//! Every record of the format is declared once, in the core
//! (`modelseal_core::doc`, the `record!` declarations): its fields, each
//! field's rule and size, and its owned twin (`…Buf`) that the host builds,
//! keeps, prints and deserializes specs into. The twins encode to the same
//! bytes as the borrowed records, and are read back only through the core's
//! validating views: the host has no second implementation of the format.
//! The aliases below are the names the host has always used.

pub use modelseal_core::doc::{
    ArtifactBuf, ComponentDocBuf, ComponentHeadBuf, EcuDocBuf, EcuHeadBuf, EncryptionBuf,
    ExtensionBuf, LineageBuf, ManifestDocBuf, ManifestHeadBuf, MetadataEntryBuf, MiddlewareBuf,
    ModelRefBuf, ParameterSetBuf, PlaintextBuf, RoleDocBuf, RootDocBuf, SystemConfigDocBuf,
    SystemConfigHeadBuf, TargetDocBuf,
};

/// A whole manifest.
pub type Manifest = ManifestDocBuf;
/// Where a bundle may be installed.
pub type Target = TargetDocBuf;
/// The eight lineage links.
pub type Lineage = LineageBuf;
/// A model component: its registry record, tickets and metadata.
pub type Component = ComponentDocBuf;
/// One ECU of a system configuration.
pub type Ecu = EcuDocBuf;
/// A system configuration.
pub type SystemConfig = SystemConfigDocBuf;
/// One artifact as the manifest records it.
pub type ArtifactEntry = ArtifactBuf;
/// A trust root document.
pub type Root = RootDocBuf;
/// One role of a trust root.
pub type Role = RoleDocBuf;

/// The kind of a manifest the host built or read from a checked view: its
/// code is always a known one, so an unknown code is a bug here.
pub fn kind_of(m: &Manifest) -> crate::error::Result<modelseal_core::BundleKind> {
    m.kind().ok_or(crate::error::Error::Internal {
        invariant: "a manifest the host built or checked has a known kind",
    })
}
