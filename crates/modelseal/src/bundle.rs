//! Assembling bundles in memory: head bytes and payload layout. Streaming
//! to files (with atomic replacement) builds on these.

use crate::error::{Error, Result};
use modelseal_core::bundle::Layout;

/// The head of a bundle: container header, rotation chain, manifest envelope.
pub fn head(chain: &[Vec<u8>], manifest_envelope: &[u8]) -> Result<Vec<u8>> {
    let chain: Vec<&[u8]> = chain.iter().map(Vec::as_slice).collect();
    let len = modelseal_core::write::head_len(&chain, manifest_envelope)
        .ok_or(Error::TooLarge("bundle head"))?;
    let mut out = vec![0u8; len];
    let n = modelseal_core::write::head(&chain, manifest_envelope, &mut out)
        .map_err(|e| Error::verify("bundle head", e))?;
    out.truncate(n);
    Ok(out)
}

/// Offsets of payloads of these sizes after a head of `head_len` bytes, and
/// the bundle's total length.
pub fn layout(head_len: usize, sizes: impl IntoIterator<Item = u64>) -> Result<(Vec<u64>, u64)> {
    let mut l = Layout::new(head_len as u64);
    let offsets = sizes
        .into_iter()
        .map(|s| l.place(s))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::verify("bundle layout", e))?;
    Ok((offsets, l.end()))
}

/// A whole bundle in memory: head, zero padding, payloads.
pub fn assemble(head: &[u8], payloads: &[&[u8]]) -> Result<Vec<u8>> {
    let (offsets, end) = layout(head.len(), payloads.iter().map(|p| p.len() as u64))?;
    let mut out = vec![0u8; usize::try_from(end).map_err(|_| Error::TooLarge("bundle"))?];
    out[..head.len()].copy_from_slice(head);
    for (p, off) in payloads.iter().zip(offsets) {
        let off = off as usize;
        out[off..off + p.len()].copy_from_slice(p);
    }
    Ok(out)
}
