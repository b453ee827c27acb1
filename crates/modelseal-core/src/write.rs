//! Encoders: the one implementation of the byte layout that the build host
//! uses to write what the verifier reads.
//!
//! `no_std` like the rest of the core: every function writes into a caller
//! buffer and returns the length used. Firmware never calls these; the
//! linker drops them.

use crate::bundle::BundleHeader;
use crate::envelope::{DocType, ENVELOPE_MAGIC};
use crate::error::{Error, Result};
use crate::limits::{
    BUNDLE_HEADER_LEN, ENVELOPE_HEADER_LEN, FORMAT_VERSION, MAX_ROOT_CHAIN, MAX_SIGNATURES,
    PUBLIC_KEY_LEN, SIGNATURE_ENTRY_LEN, SIGNATURE_LEN,
};
use crate::wire::Writer;
use serde::Serialize;

/// Encodes a document (a [`crate::doc::ManifestDoc`] or
/// [`crate::doc::RootDoc`]) with postcard into `out`.
pub fn document<T: Serialize + ?Sized>(doc: &T, out: &mut [u8]) -> Result<usize> {
    postcard::to_slice(doc, out)
        .map(|s| s.len())
        .map_err(|_| Error::LimitExceeded)
}

/// One signature to place in an envelope.
pub type SignatureBytes = ([u8; PUBLIC_KEY_LEN], [u8; SIGNATURE_LEN]);

/// Length of an envelope around a `doc_len`-byte document with `n_sigs`
/// signatures, in bytes.
pub fn envelope_len(doc_len: usize, n_sigs: usize) -> Option<usize> {
    ENVELOPE_HEADER_LEN
        .checked_add(doc_len)?
        .checked_add(n_sigs.checked_mul(SIGNATURE_ENTRY_LEN)?)
}

/// Writes an envelope: header, `doc`, `signatures` (in the order given).
pub fn envelope(
    doc_type: DocType,
    doc: &[u8],
    signatures: &[SignatureBytes],
    out: &mut [u8],
) -> Result<usize> {
    if doc.len() > doc_type.max_doc_len() || signatures.len() > MAX_SIGNATURES {
        return Err(Error::LimitExceeded);
    }
    let doc_len = u32::try_from(doc.len()).map_err(|_| Error::LimitExceeded)?;
    let n = u8::try_from(signatures.len()).map_err(|_| Error::LimitExceeded)?;
    let mut w = Writer::new(out);
    w.put_raw(&ENVELOPE_MAGIC)?;
    w.put_raw(&FORMAT_VERSION.to_le_bytes())?;
    w.put_raw(&[doc_type as u8, n])?;
    w.put_raw(&doc_len.to_le_bytes())?;
    w.put_raw(doc)?;
    for (pk, sig) in signatures {
        w.put_raw(pk)?;
        w.put_raw(sig)?;
    }
    Ok(w.position())
}

/// Length of a bundle head over these envelopes, in bytes.
pub fn head_len(chain: &[&[u8]], manifest_envelope: &[u8]) -> Option<usize> {
    chain
        .iter()
        .try_fold(BUNDLE_HEADER_LEN, |acc, e| acc.checked_add(e.len()))?
        .checked_add(manifest_envelope.len())
}

/// Writes a bundle head: the container header, the root envelopes of the
/// rotation chain (oldest first), and the manifest envelope. Payloads follow
/// at the offsets [`crate::bundle::Layout`] gives.
pub fn head(chain: &[&[u8]], manifest_envelope: &[u8], out: &mut [u8]) -> Result<usize> {
    if chain.len() > MAX_ROOT_CHAIN {
        return Err(Error::LimitExceeded);
    }
    let total = head_len(chain, manifest_envelope).ok_or(Error::LimitExceeded)?;
    let envelopes =
        u32::try_from(total.saturating_sub(BUNDLE_HEADER_LEN)).map_err(|_| Error::LimitExceeded)?;
    let chain_len = u8::try_from(chain.len()).map_err(|_| Error::LimitExceeded)?;
    let mut w = Writer::new(out);
    w.put_raw(&BundleHeader::new(chain_len, envelopes).to_bytes())?;
    for e in chain {
        w.put_raw(e)?;
    }
    w.put_raw(manifest_envelope)?;
    Ok(w.position())
}

/// Writes a root update (see [`crate::bundle::ROOT_UPDATE_MAGIC`]) of the
/// root envelopes `chain`, oldest first, into `out`; returns its length.
pub fn root_update(chain: &[&[u8]], out: &mut [u8]) -> Result<usize> {
    if chain.is_empty() || chain.len() > MAX_ROOT_CHAIN {
        return Err(Error::LimitExceeded);
    }
    let total = chain
        .iter()
        .try_fold(BUNDLE_HEADER_LEN, |n, e| n.checked_add(e.len()))
        .ok_or(Error::LimitExceeded)?;
    let envelopes =
        u32::try_from(total.saturating_sub(BUNDLE_HEADER_LEN)).map_err(|_| Error::LimitExceeded)?;
    let chain_len = u8::try_from(chain.len()).map_err(|_| Error::LimitExceeded)?;
    let mut w = Writer::new(out);
    w.put_raw(
        &BundleHeader::new(chain_len, envelopes).to_bytes_magic(&crate::bundle::ROOT_UPDATE_MAGIC),
    )?;
    for e in chain {
        w.put_raw(e)?;
    }
    Ok(w.position())
}
