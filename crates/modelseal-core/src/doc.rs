//! The documents of the format, as Rust types.
//!
//! Records without sequences ("leaves") derive both `Serialize` and
//! `Deserialize`: the verifier decodes them one at a time with postcard.
//! Records with sequences exist only on the writing side (`*Doc` types,
//! borrowing slices, so they need no allocator); the verifier walks their
//! sequences item by item instead of collecting them. Both sides produce
//! and read the same bytes: postcard encodes a struct as its fields in
//! order, a slice as a varint length followed by its items, an option as a
//! tag byte (0 or 1) followed by the value. `docs/FORMAT.md` lists every
//! field; the round-trip tests hold the two sides together.

use crate::hash::Digest;
use serde::{Deserialize, Serialize};

pub use crate::codes::{ArtifactKind, BundleKind, RoleId, Stage};
use crate::limits::{
    MAX_ARTIFACTS, MAX_COMPONENTS, MAX_ECU_MODELS, MAX_ECUS, MAX_EXTENSION_LEN, MAX_EXTENSIONS,
    MAX_HARDWARE_IDS, MAX_METADATA, MAX_MIDDLEWARE, MAX_PARAMETER_SETS, MAX_ROLE_KEYS, MAX_ROLES,
    MAX_SERIALS, MAX_TICKETS,
};
use crate::rules::{Class, Order, Record};
#[cfg(feature = "alloc")]
use alloc::{string::String, vec::Vec};

/// Declares a record once (`, leaf` after the owned name for a record
/// without sequences, which also gets its decoder): the struct (its fields and their docs, as
/// `docs/FORMAT.md` lists them) and, beside each field's type, its
/// [`Class`]: the rule it must follow and its largest encoding. From that
/// one declaration come [`Record::FIELDS`] (names for tools' messages),
/// [`Record::MAX_LEN`] (the worst cases of [`crate::limits`]) and
/// [`Record::check_fields`] (the per-field rules, applied by the host to
/// what it writes and by the verifier to what it decodes).
macro_rules! record {
    (
        $(#[$meta:meta])*
        pub struct $name:ident<$lt:lifetime> => $owned:ident $(by $($key:ident).+)? $(, $leaf:ident)? {
            $(
                $(#[doc = $fdoc:literal])*
                $(#[serde($($fser:tt)*)])*
                $(#[buf($($oser:tt)*)])*
                pub $field:ident : $ty:ty => $oty:ty = $class:expr,
            )+
        }
    ) => {
        record!(@decoder $name $lt [$($field),+] $($leaf)?);

        $(#[$meta])*
        pub struct $name<$lt> {
            $( $(#[doc = $fdoc])* $(#[serde($($fser)*)])* pub $field: $ty, )+
        }

        impl Record for $name<'_> {
            const FIELDS: &'static [crate::rules::Field] = &[
                $( crate::rules::Field { name: stringify!($field), class: $class }, )+
            ];
            const MAX_LEN: usize = crate::rules::max_len_of(Self::FIELDS);
            fn check_fields<P: crate::rules::Trail + ?Sized>(&self, trail: &mut P) -> crate::Result<()> {
                $( crate::rules::check_field(&self.$field, stringify!($field), $class, trail)?; )+
                Ok(())
            }
        }

        impl<$lt> $name<$lt> {
            /// Each field's declared name and, for a string field, its value.
            pub fn str_fields(&self) -> impl Iterator<Item = (&'static str, Option<&str>)> + '_ {
                [$( (stringify!($field), crate::rules::FieldStr::field_str(&self.$field)) ),+].into_iter()
            }
            /// Whether any string field's value satisfies `f` (no names
            /// involved: what the verifier uses).
            pub fn any_str_field(&self, mut f: impl FnMut(&str) -> bool) -> bool {
                false $( || crate::rules::FieldStr::field_str(&self.$field).is_some_and(&mut f) )+
            }
        }

        impl crate::rules::FieldStr for $name<'_> {}

        impl crate::rules::Checked for $name<'_> {
            fn check<P: crate::rules::Trail + ?Sized>(&self, class: Class, trail: &mut P) -> crate::Result<()> {
                match class {
                    Class::Record { .. } => self.check_fields(trail),
                    _ => Err(crate::Error::Invalid),
                }
            }
            fn sort_key(&self) -> Option<crate::rules::SortKey<'_>> {
                None $( .or(Some(crate::rules::IntoSortKey::sort_key(&self.$($key).+))) )?
            }
        }

        #[doc = concat!("[`", stringify!($name), "`] with owned strings and sequences, for tools ")]
        #[doc = "that build, keep or print records: the same fields, the same names, the "]
        #[doc = "same rules, and the same postcard encoding."]
        #[cfg(feature = "alloc")]
        #[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $owned {
            $( $(#[doc = $fdoc])* $(#[serde($($oser)*)])* pub $field: $oty, )+
        }

        #[cfg(feature = "alloc")]
        impl Record for $owned {
            const FIELDS: &'static [crate::rules::Field] = <$name<'static> as Record>::FIELDS;
            const MAX_LEN: usize = <$name<'static> as Record>::MAX_LEN;
            fn check_fields<P: crate::rules::Trail + ?Sized>(&self, trail: &mut P) -> crate::Result<()> {
                $( crate::rules::check_field(&self.$field, stringify!($field), $class, trail)?; )+
                Ok(())
            }
        }

        #[cfg(feature = "alloc")]
        impl $owned {
            /// Each field's declared name and, for a string field, its value.
            pub fn str_fields(&self) -> impl Iterator<Item = (&'static str, Option<&str>)> + '_ {
                [$( (stringify!($field), crate::rules::FieldStr::field_str(&self.$field)) ),+].into_iter()
            }
        }

        #[cfg(feature = "alloc")]
        impl crate::rules::FieldStr for $owned {}

        #[cfg(feature = "alloc")]
        impl crate::rules::Checked for $owned {
            fn check<P: crate::rules::Trail + ?Sized>(&self, class: Class, trail: &mut P) -> crate::Result<()> {
                match class {
                    Class::Record { .. } => self.check_fields(trail),
                    _ => Err(crate::Error::Invalid),
                }
            }
            fn sort_key(&self) -> Option<crate::rules::SortKey<'_>> {
                None $( .or(Some(crate::rules::IntoSortKey::sort_key(&self.$($key).+))) )?
            }
        }

        #[cfg(feature = "alloc")]
        impl crate::rules::Normalize for $owned {
            fn normalize(&mut self, _: Class) {
                $( crate::rules::Normalize::normalize(&mut self.$field, $class); )+
            }
        }

        #[cfg(feature = "alloc")]
        impl crate::rules::ToBuf for $name<'_> {
            type Buf = $owned;
            fn to_buf(&self) -> $owned {
                $owned { $( $field: crate::rules::ToBuf::to_buf(&self.$field), )+ }
            }
        }
    };
    // A leaf record (one without sequences, which the verifier decodes in
    // one piece) also gets its decoder, from the same field list: postcard's
    // encoding of the fields in order (see `dec.rs`).
    (@decoder $name:ident $lt:lifetime [$($field:ident),+] leaf) => {
        impl<$lt> crate::dec::Decode<$lt> for $name<$lt> {
            #[inline]
            fn decode(c: &mut crate::dec::Cur<$lt>) -> crate::Result<Self> {
                Ok(Self {
                    $( $field: crate::dec::Decode::decode(c)?, )+
                })
            }
        }
    };
    (@decoder $name:ident $lt:lifetime [$($field:ident),+]) => {};
}

// The version report (`crate::report`) declares its records with the same macro.
pub(crate) use record;

/// The class of an identifier in a list (tickets, hardware ids, serials).
const ID: Class = Class::Id { required: true };

// ---------------------------------------------------------------- manifest

record! {
    /// The fixed fields at the start of every manifest.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ManifestHead<'a> => ManifestHeadBuf, leaf {
        /// [`BundleKind`] code; must agree with the envelope's document type.
        pub kind: u8 => u8 = Class::Code,
        /// Anti-rollback counter: the device refuses a value below its stored floor.
        pub security_counter: u64 => u64 = Class::U64,
        /// Human version string of the bundle (identifier).
        pub version: &'a str => String = Class::Id { required: true },
        /// Creation time, seconds since the Unix epoch (UTC).
        pub created_at: u64 => u64 = Class::U64,
        /// Expiry, seconds since the Unix epoch; checked only with a trusted clock.
        pub expires_at: Option<u64> => Option<u64> = Class::OptU64,
        /// Digest of the manifest this one supersedes (the update history).
        #[serde(deserialize_with = "crate::wire::de_opt_digest")]
        pub supersedes: Option<Digest> => Option<Digest> = Class::OptDigest,
    }
}

record! {
    /// Where a bundle may be installed (writing side).
    #[derive(Debug, Clone, Copy, Serialize)]
    pub struct TargetDoc<'a> => TargetDocBuf {
        /// Accepted hardware ids (at least one).
        pub hardware_ids: &'a [&'a str] => Vec<String> = Class::Seq { max: MAX_HARDWARE_IDS, limit: "MAX_HARDWARE_IDS", item: &ID, order: Order::Free },
        /// Accepted ECU serials; empty means any.
        #[buf(default)]
        pub serials: &'a [&'a str] => Vec<String> = Class::Seq { max: MAX_SERIALS, limit: "MAX_SERIALS", item: &ID, order: Order::Free },
        /// Vehicle platform, when restricted.
        pub platform: Option<&'a str> => Option<String> = Class::OptId,
        /// Market, when restricted.
        pub market: Option<&'a str> => Option<String> = Class::OptId,
    }
}

record! {
    /// The eight lineage links of a model version, in this fixed order.
    /// An empty string means "not applicable yet"; Production needs all eight.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct Lineage<'a> => LineageBuf, leaf {
        /// Dataset the model was trained on.
        pub training_dataset_id: &'a str => String = Class::Id { required: false },
        /// Dataset used for validation.
        pub validation_dataset_id: &'a str => String = Class::Id { required: false },
        /// Dataset used for the offline test.
        pub test_dataset_id: &'a str => String = Class::Id { required: false },
        /// Experiment in the tracking system.
        pub experiment_id: &'a str => String = Class::Id { required: false },
        /// Commit of the training and inference code.
        pub code_commit_id: &'a str => String = Class::Id { required: false },
        /// Simulation test suite.
        pub simulation_suite_id: &'a str => String = Class::Id { required: false },
        /// Hardware-in-the-loop test suite.
        pub hil_suite_id: &'a str => String = Class::Id { required: false },
        /// Result of the release gate.
        pub release_gate_result_id: &'a str => String = Class::Id { required: false },
    }
}

impl<'a> Lineage<'a> {
    /// Field names, in wire order (from the declaration above).
    // Evaluated at compile time, where an index out of range (a ninth
    // link without a tenth name) is a build error.
    #[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
    pub const NAMES: [&'static str; 8] = {
        let mut names = [""; 8];
        let mut i = 0;
        while i < names.len() {
            names[i] = <Lineage<'static> as Record>::FIELDS[i].name;
            i += 1;
        }
        names
    };
}

record! {
    /// The fixed fields of a model component (its registry record).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ComponentHead<'a> => ComponentHeadBuf, leaf {
        /// Model family, e.g. `perception_front_camera`.
        pub family: &'a str => String = Class::Id { required: true },
        /// Model version, e.g. `v1.3.5`.
        pub version: &'a str => String = Class::Id { required: true },
        /// [`Stage`] code.
        pub stage: u8 => u8 = Class::Code,
        /// Author (free text).
        pub author: &'a str => String = Class::Text { required: false },
        /// Creation time of the model version, seconds since the Unix epoch.
        pub created_at: u64 => u64 = Class::U64,
        /// Training environment (free text).
        pub training_environment: &'a str => String = Class::Text { required: false },
        /// The lineage links.
        #[serde(borrow)]
        pub lineage: Lineage<'a> => LineageBuf = Class::Record { max: Lineage::MAX_LEN },
    }
}

record! {
    /// One free key/value metadata entry.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct MetadataEntry<'a> => MetadataEntryBuf by key, leaf {
        /// Key (identifier); keys are strictly ascending within a component.
        pub key: &'a str => String = Class::Id { required: true },
        /// Value (free text).
        pub value: &'a str => String = Class::Text { required: false },
    }
}

record! {
    /// A model component (writing side).
    #[derive(Debug, Clone, Copy, Serialize)]
    pub struct ComponentDoc<'a> => ComponentDocBuf by head.family {
        /// The registry record.
        pub head: ComponentHead<'a> => ComponentHeadBuf = Class::Record { max: ComponentHead::MAX_LEN },
        /// Tickets (identifiers).
        pub tickets: &'a [&'a str] => Vec<String> = Class::Seq { max: MAX_TICKETS, limit: "MAX_TICKETS", item: &ID, order: Order::Free },
        /// Free metadata, keys strictly ascending.
        pub metadata: &'a [MetadataEntry<'a>] => Vec<MetadataEntryBuf> = Class::Seq { max: MAX_METADATA, limit: "MAX_METADATA", item: &Class::Record { max: MetadataEntry::MAX_LEN }, order: Order::Ascending },
    }
}

record! {
    /// The fixed fields of a system configuration.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct SystemConfigHead<'a> => SystemConfigHeadBuf, leaf {
        /// Configuration id.
        pub config_id: &'a str => String = Class::Id { required: true },
        /// Configuration version.
        pub config_version: &'a str => String = Class::Id { required: true },
        /// Vehicle platform (may be empty).
        pub vehicle_platform: &'a str => String = Class::Id { required: false },
        /// Sensor set (may be empty).
        pub sensor_set: &'a str => String = Class::Id { required: false },
        /// Market (may be empty).
        pub market: &'a str => String = Class::Id { required: false },
    }
}

record! {
    /// The fixed fields of one ECU entry.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct EcuHead<'a> => EcuHeadBuf, leaf {
        /// ECU name; names are strictly ascending within a configuration.
        pub name: &'a str => String = Class::Id { required: true },
        /// Hardware id of the ECU.
        pub hardware_id: &'a str => String = Class::Id { required: true },
        /// Software version the ECU runs.
        pub software_version: &'a str => String = Class::Id { required: true },
        /// SHA-256 of the ECU software image, when the configuration pins
        /// it (so that a software change with the same version string, or
        /// a model slowed by a software update, can be traced).
        #[serde(deserialize_with = "crate::wire::de_opt_digest")]
        pub software_digest: Option<Digest> => Option<Digest> = Class::OptDigest,
    }
}

record! {
    /// A model an ECU runs, pinned by the digest of its component manifest.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ModelRef<'a> => ModelRefBuf, leaf {
        /// Model family.
        pub family: &'a str => String = Class::Id { required: true },
        /// Model version.
        pub version: &'a str => String = Class::Id { required: true },
        /// SHA-256 of the component bundle's manifest document.
        #[serde(deserialize_with = "crate::wire::de_digest")]
        pub manifest_digest: Digest => Digest = Class::Digest,
    }
}

record! {
    /// One ECU entry (writing side).
    #[derive(Debug, Clone, Copy, Serialize)]
    pub struct EcuDoc<'a> => EcuDocBuf by head.name {
        /// Name, hardware id, software version.
        pub head: EcuHead<'a> => EcuHeadBuf = Class::Record { max: EcuHead::MAX_LEN },
        /// The models it runs.
        pub models: &'a [ModelRef<'a>] => Vec<ModelRefBuf> = Class::Seq { max: MAX_ECU_MODELS, limit: "MAX_ECU_MODELS", item: &Class::Record { max: ModelRef::MAX_LEN }, order: Order::Free },
    }
}

record! {
    /// A shared middleware version (ROS, DDS, OS, compiler, ...).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Middleware<'a> => MiddlewareBuf by name, leaf {
        /// Name; names are strictly ascending within a configuration.
        pub name: &'a str => String = Class::Id { required: true },
        /// Version.
        pub version: &'a str => String = Class::Id { required: true },
        /// SHA-256 of the middleware build, when the configuration pins it.
        #[serde(deserialize_with = "crate::wire::de_opt_digest")]
        pub digest: Option<Digest> => Option<Digest> = Class::OptDigest,
    }
}

record! {
    /// A parameter set for a vehicle variant, sensor set and market.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ParameterSet<'a> => ParameterSetBuf by name, leaf {
        /// Name; names are strictly ascending within a configuration.
        pub name: &'a str => String = Class::Id { required: true },
        /// Vehicle variant (may be empty).
        pub vehicle_variant: &'a str => String = Class::Id { required: false },
        /// Sensor set (may be empty).
        pub sensor_set: &'a str => String = Class::Id { required: false },
        /// Market (may be empty).
        pub market: &'a str => String = Class::Id { required: false },
        /// SHA-256 of the parameter data.
        #[serde(deserialize_with = "crate::wire::de_digest")]
        pub digest: Digest => Digest = Class::Digest,
    }
}

record! {
    /// A system configuration (writing side).
    #[derive(Debug, Clone, Copy, Serialize)]
    pub struct SystemConfigDoc<'a> => SystemConfigDocBuf {
        /// Id, version, platform, sensor set, market.
        pub head: SystemConfigHead<'a> => SystemConfigHeadBuf = Class::Record { max: SystemConfigHead::MAX_LEN },
        /// ECU entries, names strictly ascending (at least one).
        pub ecus: &'a [EcuDoc<'a>] => Vec<EcuDocBuf> = Class::Seq { max: MAX_ECUS, limit: "MAX_ECUS", item: &Class::Record { max: EcuDoc::MAX_LEN }, order: Order::Ascending },
        /// Middleware versions, names strictly ascending.
        pub middleware: &'a [Middleware<'a>] => Vec<MiddlewareBuf> = Class::Seq { max: MAX_MIDDLEWARE, limit: "MAX_MIDDLEWARE", item: &Class::Record { max: Middleware::MAX_LEN }, order: Order::Ascending },
        /// Parameter sets, names strictly ascending.
        pub parameter_sets: &'a [ParameterSet<'a>] => Vec<ParameterSetBuf> = Class::Seq { max: MAX_PARAMETER_SETS, limit: "MAX_PARAMETER_SETS", item: &Class::Record { max: ParameterSet::MAX_LEN }, order: Order::Ascending },
    }
}

record! {
    /// How a distributed artifact was derived from its plaintext.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Encryption<'a> => EncryptionBuf, leaf {
        /// Algorithm (identifier), e.g. `aes-256-gcm`.
        pub algorithm: &'a str => String = Class::Id { required: true },
        /// Id of the key in the vehicle's key store (identifier).
        pub key_id: &'a str => String = Class::Id { required: true },
    }
}

record! {
    /// The fs-verity parameters of a digest: with them, the record's
    /// `digest` is the fs-verity file digest of the bytes (SHA-256 of the
    /// 256-byte descriptor, see [`crate::verity`]) instead of their flat
    /// SHA-256. The data size is the record's `size`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Verity<'a> => VerityBuf, leaf {
        /// fs-verity hash algorithm: 1 (SHA-256), the only one accepted.
        pub algorithm: u8 => u8 = Class::Code,
        /// log2 of the Merkle tree block size, 10 (1 KiB) ..= 16 (64 KiB).
        pub log_block_size: u8 => u8 = Class::U8,
        /// Salt hashed before every block; empty for none.
        #[buf(default)]
        pub salt: &'a [u8] => Vec<u8> = Class::Bytes { max: crate::verity::MAX_SALT_LEN, limit: "MAX_SALT_LEN" },
    }
}

record! {
    /// The artifact before signing and encryption.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Plaintext<'a> => PlaintextBuf, leaf {
        /// Length of the plaintext, in bytes.
        pub size: u64 => u64 = Class::U64,
        /// SHA-256 of the plaintext, or its fs-verity file digest when
        /// `verity` is present.
        #[serde(deserialize_with = "crate::wire::de_digest")]
        pub digest: Digest => Digest = Class::Digest,
        /// The fs-verity parameters, when `digest` is an fs-verity digest.
        #[serde(borrow)]
        #[buf(default)]
        pub verity: Option<Verity<'a>> => Option<VerityBuf> = Class::OptRecord { max: Verity::MAX_LEN },
        /// How it was encrypted.
        #[serde(borrow)]
        pub encryption: Encryption<'a> => EncryptionBuf = Class::Record { max: Encryption::MAX_LEN },
    }
}

record! {
    /// One artifact.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Artifact<'a> => ArtifactBuf by name, leaf {
        /// Relative path; names are strictly ascending (bytewise) in a manifest.
        pub name: &'a str => String = Class::Name,
        /// [`ArtifactKind`] code.
        pub kind: u8 => u8 = Class::Code,
        /// Length of the distributed bytes, in bytes.
        pub size: u64 => u64 = Class::U64,
        /// SHA-256 of the distributed bytes, or their fs-verity file
        /// digest when `verity` is present.
        #[serde(deserialize_with = "crate::wire::de_digest")]
        pub digest: Digest => Digest = Class::Digest,
        /// The fs-verity parameters, when `digest` is an fs-verity digest.
        #[serde(borrow)]
        #[buf(default)]
        pub verity: Option<Verity<'a>> => Option<VerityBuf> = Class::OptRecord { max: Verity::MAX_LEN },
        /// The plaintext, when the distributed bytes are encrypted.
        #[serde(borrow)]
        pub plaintext: Option<Plaintext<'a>> => Option<PlaintextBuf> = Class::OptRecord { max: Plaintext::MAX_LEN },
        /// Licence (SPDX expression).
        pub licence: &'a str => String = Class::Text { required: true },
    }
}

record! {
    /// An extension: how later formats add fields that deployed verifiers can
    /// skip. A verifier rejects a critical extension it does not know.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Extension<'a> => ExtensionBuf by id, leaf {
        /// Extension id; ids are strictly ascending in a manifest.
        pub id: u32 => u32 = Class::U32,
        /// Whether a verifier that does not know `id` must reject the manifest.
        pub critical: bool => bool = Class::Flag,
        /// Payload, at most [`crate::limits::MAX_EXTENSION_LEN`] bytes.
        pub data: &'a [u8] => Vec<u8> = Class::Bytes { max: MAX_EXTENSION_LEN, limit: "MAX_EXTENSION_LEN" },
    }
}

record! {
    /// A whole manifest (writing side).
    #[derive(Debug, Clone, Copy, Serialize)]
    pub struct ManifestDoc<'a> => ManifestDocBuf {
        /// Kind, counter, version, times, supersedes.
        pub head: ManifestHead<'a> => ManifestHeadBuf = Class::Record { max: ManifestHead::MAX_LEN },
        /// Target binding.
        pub target: TargetDoc<'a> => TargetDocBuf = Class::Record { max: TargetDoc::MAX_LEN },
        /// Components: at least one in a component bundle, none in a system configuration.
        pub components: &'a [ComponentDoc<'a>] => Vec<ComponentDocBuf> = Class::Seq { max: MAX_COMPONENTS, limit: "MAX_COMPONENTS", item: &Class::Record { max: ComponentDoc::MAX_LEN }, order: Order::Ascending },
        /// The system configuration: present exactly in system-configuration bundles.
        pub system_config: Option<SystemConfigDoc<'a>> => Option<SystemConfigDocBuf> = Class::OptRecord { max: SystemConfigDoc::MAX_LEN },
        /// Artifacts, names strictly ascending: at least one in a component bundle.
        pub artifacts: &'a [Artifact<'a>] => Vec<ArtifactBuf> = Class::Seq { max: MAX_ARTIFACTS, limit: "MAX_ARTIFACTS", item: &Class::Record { max: Artifact::MAX_LEN }, order: Order::Ascending },
        /// Extensions, ids strictly ascending.
        pub extensions: &'a [Extension<'a>] => Vec<ExtensionBuf> = Class::Seq { max: MAX_EXTENSIONS, limit: "MAX_EXTENSIONS", item: &Class::Record { max: Extension::MAX_LEN }, order: Order::Ascending },
    }
}

// ---------------------------------------------------------------- root

/// Role id of the role that signs new trust roots ([`RoleId::Root`]).
pub const ROLE_ROOT: u8 = RoleId::Root.code();
/// Role id of the role that signs component bundles ([`RoleId::Component`]).
pub const ROLE_COMPONENT: u8 = RoleId::Component.code();
/// Role id of the role that signs system-configuration bundles
/// ([`RoleId::SystemConfig`]).
pub const ROLE_SYSTEM_CONFIG: u8 = RoleId::SystemConfig.code();

record! {
    /// One role of a trust root (writing side).
    #[derive(Debug, Clone, Copy, Serialize)]
    pub struct RoleDoc<'a> => RoleDocBuf by id {
        /// Role id ([`ROLE_ROOT`], [`ROLE_COMPONENT`], [`ROLE_SYSTEM_CONFIG`];
        /// other nonzero ids are reserved for later roles and ignored).
        pub id: u8 => u8 = Class::Code,
        /// Distinct keys of this role that must sign (1 ..= keys).
        pub threshold: u8 => u8 = Class::U8,
        /// The role's Ed25519 public keys, each listed once.
        pub keys: &'a [[u8; 32]] => Vec<[u8; 32]> = Class::Seq { max: MAX_ROLE_KEYS, limit: "MAX_ROLE_KEYS", item: &Class::Key, order: Order::Free },
        /// A re-base of the role's security-counter floor (component and
        /// system-configuration roles only): a device that applies the
        /// rotation to this root sets its floor for the role to this value.
        /// Legal only in a root that changes the role's keys; it undoes a
        /// counter that stolen, now retired, keys pushed up.
        pub floor: Option<u64> => Option<u64> = Class::OptU64,
    }
}

record! {
    /// A trust root (writing side).
    #[derive(Debug, Clone, Copy, Serialize)]
    pub struct RootDoc<'a> => RootDocBuf {
        /// Root version, from 1; each rotation is exactly one more.
        pub version: u32 => u32 = Class::U32,
        /// Expiry, seconds since the Unix epoch; checked only with a trusted clock.
        pub expires_at: Option<u64> => Option<u64> = Class::OptU64,
        /// Roles, ids strictly ascending; roles 1, 2 and 3 are required.
        pub roles: &'a [RoleDoc<'a>] => Vec<RoleDocBuf> = Class::Seq { max: MAX_ROLES, limit: "MAX_ROLES", item: &Class::Record { max: RoleDoc::MAX_LEN }, order: Order::Ascending },
    }
}
