//! Signing files that already exist: bundles, detached bundle heads and
//! trust roots, with local keys or with detached signatures made elsewhere.
//!
//! The multi-party flow never moves a key: the holder of the file exports
//! the exact 64 bytes to sign ([`Signable::message`]); each key holder signs
//! them on their own machine (with `modelseal sign-message`, or with
//! `openssl pkeyutl -sign -rawin`); the holder attaches the 64-byte
//! signatures. A signature is attached only if it verifies strictly, its
//! key belongs to a role that must sign, and that key has not signed yet.
//! The rewritten file is checked by the core before it replaces anything.

use crate::authority::{Authority, SignatureStatus};
use crate::bundle::{BundleFile, split_head};
use crate::error::{Error, Result};
use crate::fsio::{AtomicFile, Overwrite, PUBLIC_MODE, read_small, write_atomic};
use crate::sign::{SignedDocument, Signer, key_id_of};
use crate::verify::{Payloads, check_output};
use modelseal_core::SoftSha256;
use modelseal_core::bundle::{BundleHeader, Layout};
use modelseal_core::envelope::{DocType, Envelope, verify_strict};
use modelseal_core::limits::{
    MAX_ROOT_ENVELOPE_LEN, PUBLIC_KEY_LEN, SIGNATURE_LEN, SIGNED_MESSAGE_LEN,
};
use modelseal_core::root::TrustRoot;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Reads a root envelope file.
pub fn read_root(path: &Path) -> Result<Vec<u8>> {
    match crate::fsio::sniff(path)? {
        Some(crate::fsio::FileKind::Envelope) | None => {}
        Some(found) => {
            return Err(Error::WrongFileKind {
                path: path.to_path_buf(),
                expected: "a trust root",
                found,
            });
        }
    }
    let bytes = read_small(path, MAX_ROOT_ENVELOPE_LEN)?;
    TrustRoot::from_envelope_unverified(&bytes)
        .map_err(|e| Error::verify(format!("{}: trust root", path.display()), e))?;
    Ok(bytes)
}

#[derive(Debug, Clone)]
enum Kind {
    Bundle {
        file: BundleFile,
        chain: Vec<Vec<u8>>,
        device_root: Vec<u8>,
    },
    Root {
        previous: Option<Vec<u8>>,
    },
}

/// A file whose document is being signed.
#[derive(Debug, Clone)]
pub struct Signable {
    path: PathBuf,
    doc: SignedDocument,
    authority: Authority,
    kind: Kind,
}

impl Signable {
    /// Opens a bundle, a detached bundle head or a root envelope. `root` is
    /// the device trust root for a bundle, the previous root for a rotated
    /// root, and not needed for a root of version 1.
    pub fn open(path: &Path, root: Option<&[u8]>) -> Result<Self> {
        let kind = crate::fsio::sniff(path)?;
        if kind == Some(crate::fsio::FileKind::Bundle) {
            Self::bundle(BundleFile::open(path)?, root)
        } else if kind == Some(crate::fsio::FileKind::Envelope) {
            let bytes = read_small(path, MAX_ROOT_ENVELOPE_LEN)?;
            Self::root(path, &bytes, root)
        } else if let Some(found) = kind {
            Err(Error::WrongFileKind {
                path: path.to_path_buf(),
                expected: "a bundle, a bundle head or a trust root",
                found,
            })
        } else if std::fs::metadata(path)
            .map_err(|e| Error::io(path, e))?
            .len()
            < 8
        {
            // Too short for any magic: the verifier's verdict, as `verify`
            // and `inspect` give it.
            Err(Error::verify(
                format!("{}: bundle header", path.display()),
                modelseal_core::Error::Truncated,
            ))
        } else {
            Err(Error::UnknownFileType {
                path: path.to_path_buf(),
            })
        }
    }

    /// A bundle (or bundle head) whose head is read; `root` is the device
    /// trust root.
    pub fn bundle(file: BundleFile, root: Option<&[u8]>) -> Result<Self> {
        let device_root = root
            .ok_or_else(|| Error::DeviceRootMissing {
                path: file.path.clone(),
            })?
            .to_vec();
        let parts = split_head(&file.head)?;
        let doc = SignedDocument::from_envelope(&parts.manifest_envelope)?;
        let authority = Authority::for_manifest(&file.head, &device_root)?;
        Ok(Self {
            path: file.path.clone(),
            doc,
            authority,
            kind: Kind::Bundle {
                file,
                chain: parts.chain,
                device_root,
            },
        })
    }

    /// The bundle head, for a bundle; `None` for a root.
    pub fn head(&self) -> Option<&[u8]> {
        match &self.kind {
            Kind::Bundle { file, .. } => Some(&file.head),
            Kind::Root { .. } => None,
        }
    }

    /// A root envelope held in memory (to be written to `path`).
    pub fn root(path: &Path, envelope: &[u8], previous: Option<&[u8]>) -> Result<Self> {
        let env = Envelope::parse(envelope)
            .map_err(|e| Error::verify(format!("{}: envelope", path.display()), e))?;
        if env.doc_type() != DocType::Root {
            return Err(Error::BareManifestEnvelope {
                path: path.to_path_buf(),
            });
        }
        let doc = SignedDocument::from_envelope(envelope)?;
        let authority = Authority::for_root(doc.doc(), previous)?;
        Ok(Self {
            path: path.to_path_buf(),
            doc,
            authority,
            kind: Kind::Root {
                previous: previous.map(<[u8]>::to_vec),
            },
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// The document and its signatures.
    pub fn document(&self) -> &SignedDocument {
        &self.doc
    }
    /// Who must sign.
    pub fn authority(&self) -> &Authority {
        &self.authority
    }
    /// The exact bytes each key holder signs.
    pub fn message(&self) -> [u8; SIGNED_MESSAGE_LEN] {
        self.doc.message()
    }
    /// How far the signatures have got.
    pub fn status(&self) -> SignatureStatus {
        SignatureStatus::of(&self.doc, &self.authority)
    }

    fn role_names(&self) -> Vec<String> {
        self.authority.roles.iter().map(|r| r.name()).collect()
    }

    fn foreign(&self, pk: &[u8; PUBLIC_KEY_LEN]) -> Error {
        Error::KeyNotInRole {
            key_id: hex::encode(key_id_of(pk)),
            roles: self.role_names(),
        }
    }

    fn foreign_signer(&self, pk: &[u8; PUBLIC_KEY_LEN]) -> Error {
        Error::SignerNotInRole {
            key_id: hex::encode(key_id_of(pk)),
            roles: self.role_names(),
        }
    }

    /// Signs with `signer`, whose key must belong to a signing role.
    pub fn sign(&mut self, signer: &dyn Signer) -> Result<()> {
        let pk = signer.public_key()?;
        if !self.authority.admits(&pk) {
            return Err(Error::signature_from(
                signer.describe(),
                self.foreign_signer(&pk),
            ));
        }
        self.doc.sign_with(signer)
    }

    /// Attaches a detached signature. With `public_key` the key is the one
    /// given; without, it is found among the signing roles' keys. Returns
    /// the key.
    pub fn attach(
        &mut self,
        signature: [u8; SIGNATURE_LEN],
        public_key: Option<[u8; PUBLIC_KEY_LEN]>,
    ) -> Result<[u8; PUBLIC_KEY_LEN]> {
        let msg = self.message();
        let pk = match public_key {
            Some(pk) => {
                if !self.authority.admits(&pk) {
                    return Err(self.foreign(&pk));
                }
                pk
            }
            None => {
                let found = self
                    .authority
                    .roles
                    .iter()
                    .flat_map(|r| r.keys.iter())
                    .find(|k| verify_strict(k, &msg, &signature).is_ok())
                    .copied();
                found.ok_or_else(|| Error::SignatureMatchesNoRoleKey {
                    roles: self.role_names(),
                })?
            }
        };
        self.doc.attach(pk, signature)?;
        Ok(pk)
    }

    /// Writes the signed file to `out` (atomically; `out` may be the file it
    /// was read from), after checking it with the core. Returns the status.
    pub fn write(
        &self,
        out: &Path,
        overwrite: Overwrite,
        now: u64,
        threads: usize,
    ) -> Result<SignatureStatus> {
        crate::fsio::refuse_directory(out)?;
        if overwrite == Overwrite::Refuse && out.exists() {
            return Err(Error::Exists(out.to_path_buf()));
        }
        let envelope = self.doc.to_envelope()?;
        match &self.kind {
            Kind::Root { previous } => {
                self.check_root(&envelope, previous.as_deref())?;
                write_atomic(out, &envelope, PUBLIC_MODE, overwrite)?;
                Ok(self.status())
            }
            Kind::Bundle {
                file,
                chain,
                device_root,
            } => {
                let head = crate::bundle::head(chain, &envelope)?;
                let what = out.display().to_string();
                let tmp = AtomicFile::create(out, PUBLIC_MODE)?;
                tmp.write_at(&head, 0)?;
                let payloads = if file.is_detached() {
                    Payloads::Detached
                } else {
                    copy_payloads(file, &head, &tmp)?;
                    Payloads::InFile(tmp.file())
                };
                tmp.sync()?;
                let status = check_output(&what, &head, payloads, device_root, now, threads)?;
                tmp.commit(overwrite)?;
                Ok(status)
            }
        }
    }

    fn check_root(&self, envelope: &[u8], previous: Option<&[u8]>) -> Result<()> {
        let status = self.status();
        if !status.complete {
            // Still collecting: the document itself must be a valid root.
            TrustRoot::parse_doc(self.doc.doc()).map_err(|e| Error::WouldBeRejected {
                context: "trust root".into(),
                source: e,
            })?;
            return Ok(());
        }
        let env = Envelope::parse(envelope).map_err(|e| Error::verify("root envelope", e))?;
        match previous {
            Some(prev) => {
                let old = TrustRoot::from_envelope_unverified(prev)
                    .map_err(|e| Error::verify("previous trust root", e))?;
                old.rotate(&env, &mut SoftSha256::new())
                    .map_err(|e| Error::WouldBeRejected {
                        context: format!("rotation from root v{}", old.version()),
                        source: e,
                    })?;
            }
            None => {
                // A first root is trusted as provisioned; check its own
                // threshold with the core all the same.
                let root = TrustRoot::from_envelope_unverified(envelope)
                    .map_err(|e| Error::verify("trust root", e))?;
                let role = root
                    .role(modelseal_core::doc::ROLE_ROOT)
                    .ok_or(Error::verify(
                        "trust root",
                        modelseal_core::Error::RootInvalid,
                    ))?;
                modelseal_core::envelope::check_threshold(&env, &role, &self.message()).map_err(
                    |e| Error::WouldBeRejected {
                        context: "root self-signature".into(),
                        source: e,
                    },
                )?;
            }
        }
        Ok(())
    }
}

/// Copies the payloads of `file` into `tmp` at the offsets that follow
/// `head` (the head may have grown by a signature). The copy runs in the
/// kernel where it can (`copy_file_range`).
fn copy_payloads(file: &BundleFile, head: &[u8], tmp: &AtomicFile) -> Result<()> {
    let view = modelseal_core::unverified::UnauthenticatedHead::parse(&file.head)
        .map_err(|e| Error::verify("bundle head", e))?;
    let manifest = view
        .manifest_unauthenticated()
        .map_err(|e| Error::verify("manifest", e))?;
    let mut old = Layout::new(
        BundleHeader::parse(&file.head)
            .map_err(|e| Error::verify("bundle header", e))?
            .head_len() as u64,
    );
    let mut new = Layout::new(head.len() as u64);
    let mut moves = Vec::new();
    for a in manifest.artifacts().map_err(Error::from)? {
        let from = old.place(a.size).map_err(|e| Error::verify("layout", e))?;
        let to = new.place(a.size).map_err(|e| Error::verify("layout", e))?;
        moves.push((from, to, a.size));
    }
    if old.end() != file.file_len {
        return Err(Error::verify(
            format!("{}: bundle length", file.path.display()),
            if file.file_len < old.end() {
                modelseal_core::Error::Truncated
            } else {
                modelseal_core::Error::TrailingBytes
            },
        ));
    }
    tmp.file()
        .set_len(new.end())
        .map_err(|e| Error::io(tmp.temp_path(), e))?;
    let mut src = std::fs::File::open(&file.path).map_err(|e| Error::io(&file.path, e))?;
    let mut dst = tmp
        .file()
        .try_clone()
        .map_err(|e| Error::io(tmp.temp_path(), e))?;
    for (from, to, size) in moves {
        src.seek(SeekFrom::Start(from))
            .map_err(|e| Error::io(&file.path, e))?;
        dst.seek(SeekFrom::Start(to))
            .map_err(|e| Error::io(tmp.temp_path(), e))?;
        let n = std::io::copy(&mut (&mut src).take(size), &mut dst)
            .map_err(|e| Error::io(tmp.temp_path(), e))?;
        if n != size {
            return Err(Error::verify(
                format!("{}: payload", file.path.display()),
                modelseal_core::Error::Truncated,
            ));
        }
    }
    Ok(())
}

/// Longest detached signature or message file read, in bytes (128 hex
/// digits with line breaks fit).
const MAX_DETACHED_FILE: usize = 1024;

/// Reads a detached signature file: 64 raw bytes, or 128 hex digits.
pub fn read_signature_file(path: &Path) -> Result<[u8; SIGNATURE_LEN]> {
    let bytes = read_small(path, MAX_DETACHED_FILE)?;
    if let Ok(sig) = <[u8; SIGNATURE_LEN]>::try_from(bytes.as_slice()) {
        return Ok(sig);
    }
    let text = std::str::from_utf8(&bytes).unwrap_or("").trim();
    let mut sig = [0u8; SIGNATURE_LEN];
    hex::decode_to_slice(text, &mut sig).map_err(|_| Error::SignatureFileLength {
        path: path.to_path_buf(),
        expected: SIGNATURE_LEN,
        found: bytes.len(),
    })?;
    Ok(sig)
}

/// Reads an exported message file: exactly the 64 bytes to sign, starting
/// with the domain tag of a modelseal document type (returned). Anything
/// else is refused, so a key cannot be made to sign other data.
pub fn read_message_file(path: &Path) -> Result<(DocType, [u8; SIGNED_MESSAGE_LEN])> {
    let bytes = read_small(path, MAX_DETACHED_FILE)?;
    let msg: [u8; SIGNED_MESSAGE_LEN] =
        bytes
            .as_slice()
            .try_into()
            .map_err(|_| Error::MessageFileLength {
                path: path.to_path_buf(),
                expected: SIGNED_MESSAGE_LEN,
                found: bytes.len(),
            })?;
    let doc_type = DocType::ALL
        .iter()
        .copied()
        .find(|t| msg.starts_with(t.domain_tag()))
        .ok_or_else(|| Error::NotAModelsealMessage {
            path: path.to_path_buf(),
        })?;
    Ok((doc_type, msg))
}
