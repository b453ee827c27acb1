//! What the owned twins of the records (`doc::*Buf`, declared with the
//! records themselves) add for tools: canonical order, encoding with the
//! format's size limit, and reading back from a checked document. Only with
//! the `alloc` feature; the ECU build has none of it.

use crate::doc::{
    ArtifactBuf, BundleKind, ComponentDocBuf, ComponentHeadBuf, EcuDocBuf, ManifestDocBuf,
    ManifestHeadBuf, RoleDocBuf, RoleId, RootDocBuf, SystemConfigDocBuf, TargetDocBuf,
};
use crate::error::{Error, Result};
use crate::limits::{MAX_MANIFEST_LEN, MAX_ROOT_LEN};
use crate::manifest::{ComponentView, EcuView, ManifestView, SystemConfigView};
use crate::root::TrustRoot;
use crate::rules::ToBuf;
use alloc::vec::Vec;

/// Encodes `doc` with postcard, refusing more than `max` bytes.
fn encode<T: serde::Serialize>(doc: &T, max: usize) -> Result<Vec<u8>> {
    let bytes = postcard::to_allocvec(doc).map_err(|_| Error::LimitExceeded)?;
    if bytes.len() > max {
        return Err(Error::LimitExceeded);
    }
    Ok(bytes)
}

impl ManifestDocBuf {
    /// The bundle kind, if the head's code is one.
    pub fn kind(&self) -> Option<BundleKind> {
        BundleKind::from_code(self.head.kind)
    }

    /// Puts every list the format orders into its canonical order, as the
    /// records declare it ([`crate::rules::Order::Ascending`] and each
    /// record's key): artifacts by name (which is also payload order),
    /// components by family, metadata by key, ECUs, middleware and
    /// parameter sets by name, extensions by id.
    pub fn normalize(&mut self) {
        crate::rules::Normalize::normalize(self, crate::rules::Class::Record { max: 0 });
    }

    /// The manifest document, encoded exactly as given (no reordering, no
    /// checks beyond the document size limit: [`Error::LimitExceeded`]).
    /// Use [`ManifestDocBuf::normalize`] first, and verify the result.
    pub fn encode(&self) -> Result<Vec<u8>> {
        encode(self, MAX_MANIFEST_LEN)
    }

    /// Reads a manifest back from a checked view.
    pub fn from_view(view: &ManifestView<'_>) -> Result<Self> {
        let target = view.target()?;
        Ok(Self {
            head: view.head().to_buf(),
            target: TargetDocBuf {
                hardware_ids: target.hardware_ids.map(Into::into).collect(),
                serials: target.serials.map(Into::into).collect(),
                platform: target.platform.map(Into::into),
                market: target.market.map(Into::into),
            },
            components: view.components()?.map(ComponentDocBuf::from).collect(),
            system_config: view.system_config()?.map(SystemConfigDocBuf::from),
            artifacts: view.artifacts()?.map(|a| ArtifactBuf::from(&a)).collect(),
            extensions: view.extensions()?.map(|e| e.to_buf()).collect(),
        })
    }
}

impl From<&crate::doc::Artifact<'_>> for ArtifactBuf {
    fn from(a: &crate::doc::Artifact<'_>) -> Self {
        a.to_buf()
    }
}

impl From<&crate::doc::ManifestHead<'_>> for ManifestHeadBuf {
    fn from(h: &crate::doc::ManifestHead<'_>) -> Self {
        h.to_buf()
    }
}

impl From<ComponentView<'_>> for ComponentDocBuf {
    fn from(c: ComponentView<'_>) -> Self {
        Self {
            head: ComponentHeadBuf::from(&c.head),
            tickets: c.tickets.map(Into::into).collect(),
            metadata: c.metadata.map(|m| m.to_buf()).collect(),
        }
    }
}

impl From<&crate::doc::ComponentHead<'_>> for ComponentHeadBuf {
    fn from(h: &crate::doc::ComponentHead<'_>) -> Self {
        h.to_buf()
    }
}

impl From<EcuView<'_>> for EcuDocBuf {
    fn from(e: EcuView<'_>) -> Self {
        Self {
            head: e.head.to_buf(),
            models: e.models.map(|m| m.to_buf()).collect(),
        }
    }
}

impl From<SystemConfigView<'_>> for SystemConfigDocBuf {
    fn from(sc: SystemConfigView<'_>) -> Self {
        Self {
            head: sc.head.to_buf(),
            ecus: sc.ecus.map(EcuDocBuf::from).collect(),
            middleware: sc.middleware.map(|m| m.to_buf()).collect(),
            parameter_sets: sc.parameter_sets.map(|p| p.to_buf()).collect(),
        }
    }
}

impl RootDocBuf {
    /// The root document, encoded as given ([`Error::LimitExceeded`] over
    /// the root size limit).
    pub fn encode(&self) -> Result<Vec<u8>> {
        encode(self, MAX_ROOT_LEN)
    }

    /// Reads a root back from a parsed trust root: its three known roles,
    /// with the floor re-bases it carries.
    pub fn from_trust_root(root: &TrustRoot) -> Self {
        let roles = RoleId::ALL
            .iter()
            .filter_map(|&id| {
                let r = root.role(id.code())?;
                let floor = BundleKind::ALL
                    .iter()
                    .find(|k| k.role() == id)
                    .and_then(|&k| root.rebase(k));
                Some(RoleDocBuf {
                    id: id.code(),
                    threshold: r.threshold(),
                    keys: r.keys().copied().collect(),
                    floor,
                })
            })
            .collect();
        Self {
            version: root.version(),
            expires_at: root.expires_at(),
            roles,
        }
    }

    /// The role with id `id`.
    pub fn role(&self, id: u8) -> Option<&RoleDocBuf> {
        self.roles.iter().find(|r| r.id == id)
    }
}
