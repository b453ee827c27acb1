//! The field rules of the format, for tools that want to check a value
//! before encoding it (and name the field in their message). The verifier
//! applies exactly these functions to every decoded string.
//!
//! Each returns [`Error::LimitExceeded`] for a value over its length limit
//! and [`Error::Invalid`] for an empty required value or a character outside
//! its class (see `docs/FORMAT.md`, "String classes").

use crate::error::Result;

/// An identifier: printable ASCII without spaces, at most
/// [`crate::limits::MAX_ID_LEN`] bytes; non-empty when `required`.
pub fn identifier(s: &str, required: bool) -> Result<()> {
    crate::wire::check_id(s, required)
}

/// Free text: UTF-8 without control characters, at most
/// [`crate::limits::MAX_TEXT_LEN`] bytes; non-empty when `required`.
pub fn text(s: &str, required: bool) -> Result<()> {
    crate::wire::check_text(s, required)
}

/// An artifact name: a relative path without empty, `.` or `..` segments,
/// backslashes or control characters, at most
/// [`crate::limits::MAX_NAME_LEN`] bytes.
pub fn artifact_name(s: &str) -> Result<()> {
    crate::wire::check_name(s)
}

// ------------------------------------------------------------ field classes

use crate::error::Error;
use crate::limits::{
    DIGEST_LEN, KEY_ID_LEN, MAX_ID_LEN, MAX_NAME_LEN, MAX_TEXT_LEN, PUBLIC_KEY_LEN,
};

/// What a field of a record is: its rule and its largest encoding. Every
/// field of every record in [`crate::doc`] is declared with one, beside its
/// type (see the `record!` declarations there); the records' worst-case
/// sizes in [`crate::limits`] and the rules both tools and the verifier
/// apply come from these declarations, so a new field cannot be added
/// without them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// A one-byte code that must not be 0 (kind, stage, role id).
    Code,
    /// A byte (a count such as a threshold).
    U8,
    /// A boolean.
    Flag,
    /// An unsigned 32-bit number.
    U32,
    /// An unsigned 64-bit number.
    U64,
    /// An optional unsigned 64-bit number.
    OptU64,
    /// A SHA-256 digest.
    Digest,
    /// An optional SHA-256 digest.
    OptDigest,
    /// An Ed25519 public key.
    Key,
    /// A key id (the first [`crate::limits::KEY_ID_LEN`] bytes of SHA-256
    /// of a public key).
    KeyId,
    /// An identifier (see [`identifier`]).
    Id {
        /// Whether it must be non-empty.
        required: bool,
    },
    /// An optional identifier; when present, non-empty.
    OptId,
    /// Free text (see [`text`]).
    Text {
        /// Whether it must be non-empty.
        required: bool,
    },
    /// An artifact name (see [`artifact_name`]).
    Name,
    /// Opaque bytes, at most `max`.
    Bytes {
        /// Most bytes.
        max: usize,
        /// The name of the limit (`MAX_EXTENSION_LEN`), for messages.
        limit: &'static str,
    },
    /// A nested record whose largest encoding is `max` bytes.
    Record {
        /// The record's `MAX_LEN`.
        max: usize,
    },
    /// An optional nested record.
    OptRecord {
        /// The record's `MAX_LEN`.
        max: usize,
    },
    /// A sequence of at most `max` items of class `item`.
    Seq {
        /// Most items.
        max: usize,
        /// The name of the limit (`MAX_ARTIFACTS`), for messages.
        limit: &'static str,
        /// Each item's class.
        item: &'static Class,
        /// How the items are ordered.
        order: Order,
    },
}

/// How the items of a sequence are ordered: part of a field's rule,
/// declared beside its class and limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// In the order given.
    Free,
    /// Strictly ascending by each item's key (the field a record declares
    /// with `key =`; strings compare bytewise, numbers numerically): no key
    /// twice, and one canonical order, so equal content encodes equally.
    Ascending,
}

/// The key a sequence with [`Order::Ascending`] is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortKey<'a> {
    /// A number (ids).
    Num(u64),
    /// A string, compared bytewise.
    Bytes(&'a [u8]),
}

impl<'a> SortKey<'a> {
    /// The key as text, when it is a string (for messages).
    pub fn as_str(self) -> Option<&'a str> {
        match self {
            SortKey::Bytes(b) => core::str::from_utf8(b).ok(),
            SortKey::Num(_) => None,
        }
    }
}

/// A field that can order a sequence.
pub trait IntoSortKey {
    /// The key.
    fn sort_key(&self) -> SortKey<'_>;
}

impl IntoSortKey for &str {
    fn sort_key(&self) -> SortKey<'_> {
        SortKey::Bytes(self.as_bytes())
    }
}

impl IntoSortKey for u8 {
    fn sort_key(&self) -> SortKey<'_> {
        SortKey::Num(u64::from(*self))
    }
}

impl IntoSortKey for u32 {
    fn sort_key(&self) -> SortKey<'_> {
        SortKey::Num(u64::from(*self))
    }
}

/// Bytes of a postcard varint encoding `n` (evaluated at compile time for
/// the declared classes).
#[allow(clippy::arithmetic_side_effects)]
pub(crate) const fn varint_len(n: usize) -> usize {
    let mut n = n as u64;
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

// Evaluated at compile time for the declared classes, where an overflow is
// a build error rather than a wrap.
#[allow(clippy::arithmetic_side_effects)]
impl Class {
    /// Largest postcard encoding of a field of this class, in bytes.
    pub const fn max_len(self) -> usize {
        const U64: usize = 10;
        match self {
            Class::Code | Class::U8 | Class::Flag => 1,
            Class::U32 => 5,
            Class::U64 => U64,
            Class::OptU64 => 1 + U64,
            Class::Digest => DIGEST_LEN,
            Class::OptDigest => 1 + DIGEST_LEN,
            Class::Key => PUBLIC_KEY_LEN,
            Class::KeyId => KEY_ID_LEN,
            Class::Id { .. } => varint_len(MAX_ID_LEN) + MAX_ID_LEN,
            Class::OptId => 1 + varint_len(MAX_ID_LEN) + MAX_ID_LEN,
            Class::Text { .. } => varint_len(MAX_TEXT_LEN) + MAX_TEXT_LEN,
            Class::Name => varint_len(MAX_NAME_LEN) + MAX_NAME_LEN,
            Class::Bytes { max, .. } => varint_len(max) + max,
            Class::Record { max } => max,
            Class::OptRecord { max } => 1 + max,
            Class::Seq { max, item, .. } => varint_len(max) + max * item.max_len(),
        }
    }
}

/// One field of a record: its name (as in `docs/FORMAT.md`, specs and
/// JSON) and its class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The field's name.
    pub name: &'static str,
    /// Its rule and size.
    pub class: Class,
}

/// Where a check is in a record: told each field and item it enters and
/// leaves, so a tool can name the field that broke a rule
/// (`component[0].lineage.hil_suite_id`). The verifier passes `()`, which
/// keeps nothing and costs nothing.
pub trait Trail {
    /// Entering field `name`.
    fn enter(&mut self, name: &'static str);
    /// Entering item `index` of the sequence just entered.
    fn item(&mut self, index: usize);
    /// Leaving the field or item last entered (only on success: after a
    /// failure the trail still names where it happened).
    fn leave(&mut self);
    /// The field just entered breaks its class's rule: `text` is its value
    /// when it is a string, `count` its length when it is a sequence. For
    /// tools that say what was found; the verifier's `()` ignores it.
    fn refused(&mut self, class: Class, text: Option<&str>, count: Option<usize>) {
        let _ = (class, text, count);
    }
}

impl Trail for () {
    fn enter(&mut self, _: &'static str) {}
    fn item(&mut self, _: usize) {}
    fn leave(&mut self) {}
}

/// A value a field [`Class`] can judge. A class that does not fit the
/// value's type is a declaration error, answered with
/// [`Error::Invalid`] (the round-trip tests would show it at once).
pub trait Checked {
    /// Checks the value against its field's class.
    fn check<P: Trail + ?Sized>(&self, class: Class, trail: &mut P) -> Result<()>;
    /// The key this value is ordered by in an [`Order::Ascending`]
    /// sequence: a string itself, a record its declared `key` field;
    /// `None` for a value that declares none.
    fn sort_key(&self) -> Option<SortKey<'_>> {
        None
    }
}

/// Checks field `name` of class `class`, keeping `trail` on it.
pub fn check_field<T: Checked + ?Sized, P: Trail + ?Sized>(
    value: &T,
    name: &'static str,
    class: Class,
    trail: &mut P,
) -> Result<()> {
    trail.enter(name);
    value.check(class, trail)?;
    trail.leave();
    Ok(())
}

impl Checked for str {
    fn sort_key(&self) -> Option<SortKey<'_>> {
        Some(SortKey::Bytes(self.as_bytes()))
    }
    fn check<P: Trail + ?Sized>(&self, class: Class, trail: &mut P) -> Result<()> {
        let verdict = match class {
            Class::Id { required } => identifier(self, required),
            Class::OptId => identifier(self, true),
            Class::Text { required } => text(self, required),
            Class::Name => artifact_name(self),
            _ => Err(Error::Invalid),
        };
        if verdict.is_err() {
            trail.refused(class, Some(self), None);
        }
        verdict
    }
}

impl Checked for u8 {
    fn check<P: Trail + ?Sized>(&self, class: Class, _: &mut P) -> Result<()> {
        match class {
            Class::Code if *self == 0 => Err(Error::Invalid),
            Class::Code | Class::U8 => Ok(()),
            _ => Err(Error::Invalid),
        }
    }
}

/// Numbers, flags, digests and keys: every value is legal.
macro_rules! any_value_is_legal {
    ($($ty:ty => $($class:ident)|+;)+) => {$(
        impl Checked for $ty {
            fn check<P: Trail + ?Sized>(&self, class: Class, _: &mut P) -> Result<()> {
                match class {
                    $(Class::$class)|+ => Ok(()),
                    _ => Err(Error::Invalid),
                }
            }
        }
    )+};
}
any_value_is_legal! {
    bool => Flag;
    u32 => U32;
    u64 => U64;
    Option<u64> => OptU64;
    [u8; 32] => Digest | Key;
    [u8; KEY_ID_LEN] => KeyId;
    Option<[u8; 32]> => OptDigest;
}

impl<T: Checked + ?Sized> Checked for &T {
    fn check<P: Trail + ?Sized>(&self, class: Class, trail: &mut P) -> Result<()> {
        (**self).check(class, trail)
    }
    fn sort_key(&self) -> Option<SortKey<'_>> {
        (**self).sort_key()
    }
}

impl Checked for Option<&str> {
    fn check<P: Trail + ?Sized>(&self, class: Class, trail: &mut P) -> Result<()> {
        match (class, self) {
            (Class::OptId, Some(s)) => s.check(class, trail),
            (Class::OptId, None) => Ok(()),
            _ => Err(Error::Invalid),
        }
    }
}

impl<T: Checked> Checked for [T] {
    fn check<P: Trail + ?Sized>(&self, class: Class, trail: &mut P) -> Result<()> {
        let (max, item, order) = match class {
            Class::Seq {
                max, item, order, ..
            } => (max, item, order),
            // Opaque bytes (`[u8]`): only their length is judged.
            Class::Bytes { max, .. } if self.len() > max => {
                trail.refused(class, None, Some(self.len()));
                return Err(Error::LimitExceeded);
            }
            Class::Bytes { .. } => return Ok(()),
            _ => return Err(Error::Invalid),
        };
        if self.len() > max {
            trail.refused(class, None, Some(self.len()));
            return Err(Error::LimitExceeded);
        }
        for (i, v) in self.iter().enumerate() {
            trail.item(i);
            v.check(*item, trail)?;
            trail.leave();
        }
        if order == Order::Ascending {
            let mut prev = None;
            for (i, v) in self.iter().enumerate() {
                // A declared order over items without a key is a
                // declaration error (the rule tests show it at once).
                let key = v.sort_key().ok_or(Error::Invalid)?;
                if prev.is_some_and(|p| p >= key) {
                    trail.item(i);
                    trail.refused(class, key.as_str(), None);
                    return Err(Error::Invalid);
                }
                prev = Some(key);
            }
        }
        Ok(())
    }
}

/// A record: its fields in wire order, its largest encoding, and the
/// per-field check. Implemented by the `record!` declarations of
/// [`crate::doc`].
pub trait Record {
    /// Fields in wire order.
    const FIELDS: &'static [Field];
    /// Largest postcard encoding, in bytes: the sum of the fields' largest.
    const MAX_LEN: usize;
    /// Checks every field against its class, in wire order; the trail
    /// names the first field that breaks its rule.
    fn check_fields<P: Trail + ?Sized>(&self, trail: &mut P) -> Result<()>;
}

impl<T: Record> Checked for Option<T> {
    fn check<P: Trail + ?Sized>(&self, class: Class, trail: &mut P) -> Result<()> {
        match (class, self) {
            (Class::OptRecord { .. }, Some(r)) => r.check_fields(trail),
            (Class::OptRecord { .. }, None) => Ok(()),
            _ => Err(Error::Invalid),
        }
    }
}

// ------------------------------------------------------------ field values

#[cfg(feature = "alloc")]
use alloc::{string::String, vec::Vec};

/// A field's value as a string, where it is one (identifiers, text, names,
/// a present optional string); `None` for numbers, digests, sequences and
/// records. What a record's `str_fields` hands out, so tools can list
/// string fields by their declared names without listing them again.
pub trait FieldStr {
    /// The value as a string, if it is one.
    fn field_str(&self) -> Option<&str> {
        None
    }
}

impl FieldStr for str {
    fn field_str(&self) -> Option<&str> {
        Some(self)
    }
}

impl<T: FieldStr + ?Sized> FieldStr for &T {
    fn field_str(&self) -> Option<&str> {
        (**self).field_str()
    }
}

impl<T: FieldStr> FieldStr for Option<T> {
    fn field_str(&self) -> Option<&str> {
        self.as_ref().and_then(FieldStr::field_str)
    }
}

impl<T> FieldStr for [T] {}
impl FieldStr for u8 {}
impl FieldStr for u32 {}
impl FieldStr for u64 {}
impl FieldStr for bool {}
impl FieldStr for [u8; 32] {}

#[cfg(feature = "alloc")]
impl FieldStr for String {
    fn field_str(&self) -> Option<&str> {
        Some(self)
    }
}

#[cfg(feature = "alloc")]
impl<T> FieldStr for Vec<T> {}

// ------------------------------------------------------------ owned records

/// A borrowed value's owned form: `&str` to `String`, a slice to a `Vec`,
/// a record to its `…Buf` twin (declared with it in [`crate::doc`]).
#[cfg(feature = "alloc")]
pub trait ToBuf {
    /// The owned form.
    type Buf;
    /// Copies the value into its owned form.
    fn to_buf(&self) -> Self::Buf;
}

#[cfg(feature = "alloc")]
impl ToBuf for str {
    type Buf = String;
    fn to_buf(&self) -> String {
        self.into()
    }
}

#[cfg(feature = "alloc")]
impl<T: ToBuf + ?Sized> ToBuf for &T {
    type Buf = T::Buf;
    fn to_buf(&self) -> T::Buf {
        (**self).to_buf()
    }
}

#[cfg(feature = "alloc")]
impl<T: ToBuf> ToBuf for [T] {
    type Buf = Vec<T::Buf>;
    fn to_buf(&self) -> Vec<T::Buf> {
        self.iter().map(ToBuf::to_buf).collect()
    }
}

#[cfg(feature = "alloc")]
impl<T: ToBuf> ToBuf for Option<T> {
    type Buf = Option<T::Buf>;
    fn to_buf(&self) -> Option<T::Buf> {
        self.as_ref().map(ToBuf::to_buf)
    }
}

/// Values that are their own owned form.
#[cfg(feature = "alloc")]
macro_rules! own_form {
    ($($ty:ty),+) => {$(
        impl ToBuf for $ty {
            type Buf = $ty;
            fn to_buf(&self) -> $ty {
                *self
            }
        }
    )+};
}
#[cfg(feature = "alloc")]
own_form!(u8, u32, u64, bool, [u8; 32], [u8; KEY_ID_LEN]);

#[cfg(feature = "alloc")]
impl Checked for String {
    fn check<P: Trail + ?Sized>(&self, class: Class, trail: &mut P) -> Result<()> {
        self.as_str().check(class, trail)
    }
    fn sort_key(&self) -> Option<SortKey<'_>> {
        self.as_str().sort_key()
    }
}

#[cfg(feature = "alloc")]
impl IntoSortKey for String {
    fn sort_key(&self) -> SortKey<'_> {
        SortKey::Bytes(self.as_bytes())
    }
}

/// Puts a value's ordered sequences into their declared order
/// ([`Order::Ascending`]), recursively: what a tool does to the records it
/// builds before encoding them. Derived from the same declaration the
/// check reads, so the two cannot disagree.
#[cfg(feature = "alloc")]
pub trait Normalize {
    /// Orders the value as its field's `class` declares.
    fn normalize(&mut self, class: Class) {
        let _ = class;
    }
}

#[cfg(feature = "alloc")]
macro_rules! no_order_inside {
    ($($ty:ty),+) => {$( impl Normalize for $ty {} )+};
}
#[cfg(feature = "alloc")]
no_order_inside!(u8, u32, u64, bool, String, [u8; 32], [u8; KEY_ID_LEN]);

#[cfg(feature = "alloc")]
impl<T: Normalize> Normalize for Option<T> {
    fn normalize(&mut self, class: Class) {
        if let Some(v) = self {
            v.normalize(class);
        }
    }
}

#[cfg(feature = "alloc")]
impl<T: Normalize + Checked> Normalize for Vec<T> {
    fn normalize(&mut self, class: Class) {
        let Class::Seq { item, order, .. } = class else {
            return; // opaque bytes
        };
        for v in self.iter_mut() {
            v.normalize(*item);
        }
        if order == Order::Ascending {
            self.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        }
    }
}

#[cfg(feature = "alloc")]
impl Checked for Option<String> {
    fn check<P: Trail + ?Sized>(&self, class: Class, trail: &mut P) -> Result<()> {
        self.as_deref().check(class, trail)
    }
}

#[cfg(feature = "alloc")]
impl<T: Checked> Checked for Vec<T> {
    fn check<P: Trail + ?Sized>(&self, class: Class, trail: &mut P) -> Result<()> {
        self.as_slice().check(class, trail)
    }
}

/// The largest encoding of `fields`, in bytes.
#[allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]
pub const fn max_len_of(fields: &[Field]) -> usize {
    let mut sum = 0;
    let mut i = 0;
    while i < fields.len() {
        sum += fields[i].class.max_len();
        i += 1;
    }
    sum
}

/// The largest encoding of field `name` of `fields` (0 if there is none).
#[allow(clippy::arithmetic_side_effects, clippy::indexing_slicing)]
pub const fn field_max_len(fields: &[Field], name: &str) -> usize {
    let mut i = 0;
    while i < fields.len() {
        let f = fields[i].name.as_bytes();
        let n = name.as_bytes();
        if f.len() == n.len() {
            let mut j = 0;
            while j < f.len() && f[j] == n[j] {
                j += 1;
            }
            if j == f.len() {
                return fields[i].class.max_len();
            }
        }
        i += 1;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{ComponentDoc, ComponentHead, Lineage, MetadataEntry};
    use std::string::String;
    use std::vec::Vec;

    /// A trail that keeps the path, as a tool would.
    #[derive(Default)]
    struct Path(Vec<String>);
    impl Trail for Path {
        fn enter(&mut self, name: &'static str) {
            self.0.push(name.into());
        }
        fn item(&mut self, index: usize) {
            self.0.push(std::format!("[{index}]"));
        }
        fn leave(&mut self) {
            self.0.pop();
        }
    }
    impl Path {
        fn render(&self) -> String {
            self.0.iter().fold(String::new(), |mut s, p| {
                if !s.is_empty() && !p.starts_with('[') {
                    s.push('.');
                }
                s.push_str(p);
                s
            })
        }
    }

    fn component<'a>(lineage: Lineage<'a>, metadata: &'a [MetadataEntry<'a>]) -> ComponentDoc<'a> {
        ComponentDoc {
            head: ComponentHead {
                family: "perception_front_camera",
                version: "v1.3.5",
                stage: 30,
                author: "",
                created_at: 0,
                training_environment: "",
                lineage,
            },
            tickets: &[],
            metadata,
        }
    }

    #[test]
    fn the_declared_rules_name_the_field_that_breaks_one() {
        let ok = component(Lineage::default(), &[]);
        let mut path = Path::default();
        assert_eq!(ok.check_fields(&mut path), Ok(()));
        assert!(path.0.is_empty());

        let bad_link = Lineage {
            hil_suite_id: "has space",
            ..Lineage::default()
        };
        let mut path = Path::default();
        assert_eq!(
            component(bad_link, &[]).check_fields(&mut path),
            Err(Error::Invalid)
        );
        assert_eq!(path.render(), "head.lineage.hil_suite_id");

        let long = "k".repeat(MAX_ID_LEN + 1);
        let metadata = [
            MetadataEntry {
                key: "a",
                value: "",
            },
            MetadataEntry {
                key: &long,
                value: "",
            },
        ];
        let mut path = Path::default();
        assert_eq!(
            component(Lineage::default(), &metadata).check_fields(&mut path),
            Err(Error::LimitExceeded)
        );
        assert_eq!(path.render(), "metadata[1].key");
    }

    #[test]
    fn every_declared_field_has_a_unique_name_and_a_size() {
        use crate::doc::*;
        for fields in [
            ManifestHead::FIELDS,
            TargetDoc::FIELDS,
            Lineage::FIELDS,
            ComponentHead::FIELDS,
            MetadataEntry::FIELDS,
            ComponentDoc::FIELDS,
            SystemConfigHead::FIELDS,
            EcuHead::FIELDS,
            ModelRef::FIELDS,
            EcuDoc::FIELDS,
            Middleware::FIELDS,
            ParameterSet::FIELDS,
            SystemConfigDoc::FIELDS,
            Encryption::FIELDS,
            Plaintext::FIELDS,
            Artifact::FIELDS,
            Extension::FIELDS,
            ManifestDoc::FIELDS,
            RoleDoc::FIELDS,
            RootDoc::FIELDS,
        ] {
            for (i, f) in fields.iter().enumerate() {
                assert!(f.class.max_len() > 0, "{}", f.name);
                assert!(
                    fields[i + 1..].iter().all(|g| g.name != f.name),
                    "{}",
                    f.name
                );
            }
        }
    }
}

#[cfg(test)]
mod owned_tests {
    use super::*;
    use crate::doc::*;

    #[test]
    fn owned_twins_encode_and_check_exactly_as_the_records() {
        let lineage = Lineage {
            training_dataset_id: "ds-7",
            hil_suite_id: "hil-3",
            ..Lineage::default()
        };
        let metadata = [MetadataEntry {
            key: "arch",
            value: "resnet",
        }];
        let components = [ComponentDoc {
            head: ComponentHead {
                family: "perception_front_camera",
                version: "v1.3.5",
                stage: 20,
                author: "ML team",
                created_at: 1_700_000_000,
                training_environment: "cluster",
                lineage,
            },
            tickets: &["JIRA-1"],
            metadata: &metadata,
        }];
        let models = [ModelRef {
            family: "perception_front_camera",
            version: "v1.3.5",
            manifest_digest: [7; 32],
        }];
        let ecus = [EcuDoc {
            head: EcuHead {
                name: "front",
                hardware_id: "hw-1",
                software_version: "2.0",
                software_digest: None,
            },
            models: &models,
        }];
        let config = SystemConfigDoc {
            head: SystemConfigHead {
                config_id: "cfg",
                config_version: "1",
                vehicle_platform: "PLAT-A",
                sensor_set: "",
                market: "EU",
            },
            ecus: &ecus,
            middleware: &[Middleware {
                name: "ros",
                version: "2",
                digest: Some([9; 32]),
            }],
            parameter_sets: &[ParameterSet {
                name: "p",
                vehicle_variant: "",
                sensor_set: "",
                market: "",
                digest: [1; 32],
            }],
        };
        let artifacts = [Artifact {
            name: "model/weights.bin",
            kind: 1,
            size: 10,
            digest: [2; 32],
            verity: None,
            plaintext: Some(Plaintext {
                size: 9,
                digest: [3; 32],
                verity: Some(Verity {
                    algorithm: 1,
                    log_block_size: 16,
                    salt: b"salt",
                }),
                encryption: Encryption {
                    algorithm: "aes-256-gcm",
                    key_id: "k1",
                },
            }),
            licence: "MIT",
        }];
        let doc = ManifestDoc {
            head: ManifestHead {
                kind: 2,
                security_counter: 7,
                version: "1.0",
                created_at: 1,
                expires_at: Some(2),
                supersedes: Some([4; 32]),
            },
            target: TargetDoc {
                hardware_ids: &["hw-1"],
                serials: &[],
                platform: Some("PLAT-A"),
                market: None,
            },
            components: &components,
            system_config: Some(config),
            artifacts: &artifacts,
            extensions: &[Extension {
                id: 5,
                critical: false,
                data: &[1, 2],
            }],
        };
        let owned = doc.to_buf();
        assert_eq!(
            postcard::to_allocvec(&doc).unwrap(),
            postcard::to_allocvec(&owned).unwrap()
        );
        assert_eq!(doc.check_fields(&mut ()), Ok(()));
        assert_eq!(owned.check_fields(&mut ()), Ok(()));

        let mut bad = owned.clone();
        bad.artifacts[0]
            .plaintext
            .as_mut()
            .unwrap()
            .encryption
            .key_id
            .clear();
        assert_eq!(bad.check_fields(&mut ()), Err(Error::Invalid));

        let keys = [[9u8; 32]];
        let roles = [RoleDoc {
            id: 1,
            threshold: 1,
            keys: &keys,
            floor: None,
        }];
        let root = RootDoc {
            version: 1,
            expires_at: None,
            roles: &roles,
        };
        assert_eq!(
            postcard::to_allocvec(&root).unwrap(),
            postcard::to_allocvec(&root.to_buf()).unwrap()
        );
    }
}
