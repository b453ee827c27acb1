//! Decoders for the records the verifier walks, in postcard's encoding,
//! from a slice (the copy window of [`crate::snap`]).
//!
//! The record types are declared once, in [`crate::doc`]; the
//! `record!` declaration (`, leaf`) generates each record's decoder from its own
//! field list through [`Decode`], which reads numbers, strings, digests and
//! options without serde's generic machinery, keeping the ECU's code small.
//! The decoders are checked against the serde derives of the same
//! declaration: the tests below decode every record both ways, over valid
//! encodings and over every truncation and bit flip, and require the same
//! value or the same error.
//!
//! Postcard's rules, as applied here: `u8` and `bool` are one byte (`bool`
//! only 0 or 1); `u32` and `u64` are LEB128 varints of at most 5 and 10 bytes
//! whose last byte must not overflow the type; lengths of strings, byte
//! strings and sequences are `u32` varints; an option is a tag byte 0 or 1;
//! a string must be UTF-8; a fixed array is its bytes. Running out of input
//! is [`Error::Truncated`], anything else [`Error::Malformed`].

use crate::error::{Error, Result};
use crate::hash::Digest;

/// A cursor over a slice.
#[derive(Debug)]
pub(crate) struct Cur<'a> {
    rest: &'a [u8],
    used: usize,
}

impl<'a> Cur<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self {
            rest: bytes,
            used: 0,
        }
    }
    /// Bytes consumed.
    pub(crate) fn used(&self) -> usize {
        self.used
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let (head, rest) = self.rest.split_at_checked(n).ok_or(Error::Truncated)?;
        self.rest = rest;
        self.used = self.used.saturating_add(n);
        Ok(head)
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        let b = *self.rest.first().ok_or(Error::Truncated)?;
        self.take(1)?;
        Ok(b)
    }

    pub(crate) fn bool(&mut self) -> Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Error::Malformed),
        }
    }

    /// An option tag: `false` for none.
    pub(crate) fn tag(&mut self) -> Result<bool> {
        self.bool()
    }

    /// A varint of at most `max_bytes` bytes whose last byte is at most
    /// `last_max` (postcard's overflow rule).
    fn varint(&mut self, max_bytes: u32, last_max: u8) -> Result<u64> {
        let mut out = 0u64;
        for i in 0..max_bytes {
            let b = self.u8()?;
            out |= u64::from(b & 0x7f)
                .checked_shl(i.saturating_mul(7))
                .unwrap_or(0);
            if b & 0x80 == 0 {
                if i.saturating_add(1) == max_bytes && b > last_max {
                    return Err(Error::Malformed);
                }
                return Ok(out);
            }
        }
        Err(Error::Malformed)
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        u32::try_from(self.varint(5, 0x0f)?).map_err(|_| Error::Malformed)
    }

    pub(crate) fn u64(&mut self) -> Result<u64> {
        self.varint(10, 0x01)
    }

    pub(crate) fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = usize::try_from(self.u32()?).map_err(|_| Error::Malformed)?;
        self.take(n)
    }

    pub(crate) fn str(&mut self) -> Result<&'a str> {
        core::str::from_utf8(self.bytes()?).map_err(|_| Error::Malformed)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let src = self.take(N)?;
        let mut out = [0u8; N];
        for (d, s) in out.iter_mut().zip(src) {
            *d = *s;
        }
        Ok(out)
    }

    pub(crate) fn digest(&mut self) -> Result<Digest> {
        self.array::<32>()
    }
}

/// A sequence length `n` checked against `max` items: the one rule every
/// reader of a sequence applies.
pub(crate) fn count(n: u32, max: usize) -> Result<usize> {
    let n = usize::try_from(n).map_err(|_| Error::LimitExceeded)?;
    if n > max {
        return Err(Error::LimitExceeded);
    }
    Ok(n)
}

/// An optional `u64`.
pub(crate) fn opt_u64<'a>(c: &mut Cur<'a>) -> Result<Option<u64>> {
    decode(c)
}

/// A string.
pub(crate) fn str<'a>(c: &mut Cur<'a>) -> Result<&'a str> {
    c.str()
}

/// An optional string.
pub(crate) fn opt_str<'a>(c: &mut Cur<'a>) -> Result<Option<&'a str>> {
    decode(c)
}

/// A value the verifier decodes in one piece from a copy window: numbers,
/// strings, digests, and every leaf record of [`crate::doc`], whose decoder
/// the `record!` declaration (`, leaf`) generates field by field from the same
/// list as the struct (so a new field is decoded where it is declared).
pub(crate) trait Decode<'a>: Sized {
    /// Reads one value.
    fn decode(c: &mut Cur<'a>) -> Result<Self>;
}

impl<'a> Decode<'a> for u8 {
    fn decode(c: &mut Cur<'a>) -> Result<Self> {
        c.u8()
    }
}
impl<'a> Decode<'a> for bool {
    fn decode(c: &mut Cur<'a>) -> Result<Self> {
        c.bool()
    }
}
impl<'a> Decode<'a> for u32 {
    fn decode(c: &mut Cur<'a>) -> Result<Self> {
        c.u32()
    }
}
impl<'a> Decode<'a> for u64 {
    fn decode(c: &mut Cur<'a>) -> Result<Self> {
        c.u64()
    }
}
impl<'a> Decode<'a> for &'a str {
    fn decode(c: &mut Cur<'a>) -> Result<Self> {
        c.str()
    }
}
impl<'a> Decode<'a> for &'a [u8] {
    fn decode(c: &mut Cur<'a>) -> Result<Self> {
        c.bytes()
    }
}
impl<'a> Decode<'a> for Digest {
    fn decode(c: &mut Cur<'a>) -> Result<Self> {
        c.digest()
    }
}
impl<'a, T: Decode<'a>> Decode<'a> for Option<T> {
    fn decode(c: &mut Cur<'a>) -> Result<Self> {
        if c.tag()? {
            T::decode(c).map(Some)
        } else {
            Ok(None)
        }
    }
}

/// Decodes one `T` (for [`crate::snap::Snap::take`]).
pub(crate) fn decode<'a, T: Decode<'a>>(c: &mut Cur<'a>) -> Result<T> {
    T::decode(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{
        Artifact, ComponentHead, EcuHead, Encryption, Extension, Lineage, ManifestHead,
        MetadataEntry, Middleware, ModelRef, ParameterSet, Plaintext, SystemConfigHead, Verity,
    };
    use serde::{Deserialize, Serialize};

    fn de_error(e: postcard::Error) -> Error {
        match e {
            postcard::Error::DeserializeUnexpectedEnd => Error::Truncated,
            _ => Error::Malformed,
        }
    }

    /// Both decoders agree on `bytes`: the same value and length, or the
    /// same error.
    fn agree<'a, T>(bytes: &'a [u8], hand: fn(&mut Cur<'a>) -> Result<T>)
    where
        T: Deserialize<'a> + PartialEq + core::fmt::Debug,
    {
        let theirs = postcard::take_from_bytes::<T>(bytes)
            .map(|(v, rest)| (v, bytes.len() - rest.len()))
            .map_err(de_error);
        let mut c = Cur::new(bytes);
        let ours = hand(&mut c).map(|v| (v, c.used()));
        match (&ours, &theirs) {
            // Both refuse. (A string length whose varint overflows u32 is
            // Malformed here; postcard on a 64-bit host reads it as a
            // 64-bit length and then runs out of input: Truncated.)
            (Err(_), Err(_)) => {}
            _ => assert_eq!(ours, theirs, "{bytes:02x?}"),
        }
    }

    fn round<'a, T: Serialize>(v: &T, buf: &'a mut [u8]) -> &'a [u8] {
        postcard::to_slice(v, buf).unwrap()
    }

    macro_rules! both_ways {
        ($value:expr, $hand:path) => {{
            let mut buf = [0u8; 2048];
            let enc = round(&$value, &mut buf).to_vec();
            agree(&enc, $hand);
            for n in 0..=enc.len() {
                agree(&enc[..n], $hand);
            }
            for i in 0..enc.len() * 8 {
                let mut m = enc.clone();
                m[i / 8] ^= 1 << (i % 8);
                agree(&m, $hand);
            }
        }};
    }

    #[test]
    fn generated_decoders_agree_with_the_declared_records() {
        let d = [7u8; 32];
        both_ways!(
            ManifestHead {
                kind: 2,
                security_counter: u64::MAX,
                version: "v1",
                created_at: 1 << 40,
                expires_at: Some(300),
                supersedes: Some(d),
            },
            decode::<ManifestHead<'_>>
        );
        both_ways!(
            ComponentHead {
                family: "perception",
                version: "v1.3.5",
                stage: 30,
                author: "ü team",
                created_at: 5,
                training_environment: "",
                lineage: Lineage {
                    training_dataset_id: "ds",
                    hil_suite_id: "hil",
                    ..Lineage::default()
                },
            },
            decode::<ComponentHead<'_>>
        );
        both_ways!(
            MetadataEntry {
                key: "k",
                value: "v"
            },
            decode::<MetadataEntry<'_>>
        );
        both_ways!(
            SystemConfigHead {
                config_id: "c",
                config_version: "1",
                vehicle_platform: "P",
                sensor_set: "",
                market: "EU",
            },
            decode::<SystemConfigHead<'_>>
        );
        both_ways!(
            EcuHead {
                name: "n",
                hardware_id: "h",
                software_version: "s",
                software_digest: Some(d),
            },
            decode::<EcuHead<'_>>
        );
        both_ways!(
            EcuHead {
                name: "n",
                hardware_id: "h",
                software_version: "s",
                software_digest: None,
            },
            decode::<EcuHead<'_>>
        );
        both_ways!(
            ModelRef {
                family: "f",
                version: "v",
                manifest_digest: d,
            },
            decode::<ModelRef<'_>>
        );
        both_ways!(
            Middleware {
                name: "ros",
                version: "2",
                digest: None,
            },
            decode::<Middleware<'_>>
        );
        both_ways!(
            Middleware {
                name: "os",
                version: "7.1",
                digest: Some(d),
            },
            decode::<Middleware<'_>>
        );
        both_ways!(
            ParameterSet {
                name: "p",
                vehicle_variant: "",
                sensor_set: "s",
                market: "",
                digest: d,
            },
            decode::<ParameterSet<'_>>
        );
        both_ways!(
            Artifact {
                name: "a/b.onnx",
                kind: 2,
                size: 1 << 33,
                digest: d,
                verity: Some(Verity {
                    algorithm: 1,
                    log_block_size: 12,
                    salt: &[7; 32],
                }),
                plaintext: Some(Plaintext {
                    size: 9,
                    digest: d,
                    verity: None,
                    encryption: Encryption {
                        algorithm: "aes-256-gcm",
                        key_id: "k1",
                    },
                }),
                licence: "MIT",
            },
            decode::<Artifact<'_>>
        );
        both_ways!(
            Extension {
                id: u32::MAX,
                critical: true,
                data: &[1, 2, 3],
            },
            decode::<Extension<'_>>
        );
        both_ways!(Some(u64::MAX), opt_u64);
        both_ways!(Some("market"), opt_str);
        both_ways!("x".repeat(200).as_str(), str);
    }

    #[test]
    fn varints_follow_postcards_overflow_rule() {
        for bytes in [
            &[0x80u8, 0x80, 0x80, 0x80, 0x10][..],
            &[0xff, 0xff, 0xff, 0xff, 0x0f],
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02],
            &[0x80, 0x00],
        ] {
            agree(bytes, opt_u64_raw);
            let theirs = postcard::from_bytes::<u32>(bytes).map_err(de_error);
            let mut c = Cur::new(bytes);
            assert_eq!(c.u32().ok(), theirs.ok(), "{bytes:02x?}");
        }
    }

    fn opt_u64_raw<'a>(c: &mut Cur<'a>) -> Result<u64> {
        c.u64()
    }
}
