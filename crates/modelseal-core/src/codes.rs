//! The format's code tables, each declared once: wire code, name and
//! parsing come from one line per entry.
//!
//! - [`BundleKind`]: what a bundle is;
//! - [`DocType`]: what an envelope carries;
//! - [`RoleId`]: which role of a trust root signs what;
//! - [`ArtifactKind`]: what an artifact is;
//! - [`Stage`]: a model's lifecycle stage (a code with a rank, not an enum:
//!   unknown codes are legal and never mature);
//! - [`EventAction`], [`SuiteKind`], [`Verdict`]: what the registry's signed
//!   events say (host only: the ECU never reads an event).
//!
//! How they relate — a document type is signed by one role and, for a
//! manifest, is one bundle kind — is declared once too, in
//! [`DocType::signer`] and its inverse [`BundleKind::doc_type`] (a test
//! holds the two together).
//!
//! Everything here is a `match` the compiler folds into the caller: the
//! tables cost the ECU nothing over the literals they replace.

/// Declares a `#[repr(u8)]` code table: the enum, `ALL` (in code order),
/// `from_code`, `code`, `name` and `from_name`, from one line per entry.
/// `unknown = Variant` maps every other nonzero code to `Variant` (0 stays
/// reserved); without it, other codes are `None`.
macro_rules! code_table {
    (
        $(#[$meta:meta])*
        pub enum $ty:ident $(unknown = $fallback:ident)? {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, $name:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum $ty {
            $( $(#[$vmeta])* $variant = $code, )+
        }

        impl $ty {
            /// Every value, in the order declared (ascending codes).
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The value with wire code `code`.
            pub const fn from_code(code: u8) -> Option<Self> {
                match code {
                    $( $code => Some(Self::$variant), )+
                    _ => code_table!(@unknown code $($fallback)?),
                }
            }
            /// The wire code.
            pub const fn code(self) -> u8 {
                self as u8
            }
            /// The name used in specs, text and JSON output.
            pub const fn name(self) -> &'static str {
                match self {
                    $( Self::$variant => $name, )+
                }
            }
            /// The value named `name`.
            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.name() == name)
            }
        }
    };
    (@unknown $code:ident) => { None };
    (@unknown $code:ident $fallback:ident) => {
        if $code == 0 { None } else { Some(Self::$fallback) }
    };
}

code_table! {
    /// What a bundle is: one of the two manifest kinds.
    pub enum BundleKind {
        /// Model components of one ECU: weights, engines, calibration, code, map data.
        Component = 2, "component";
        /// A system configuration binding per-ECU software and model versions.
        SystemConfig = 3, "system-config";
    }
}

code_table! {
    /// The document an envelope carries.
    pub enum DocType {
        /// A trust root.
        Root = 1, "root";
        /// A component-bundle manifest.
        ComponentManifest = 2, "component-manifest";
        /// A system-configuration manifest.
        SystemConfigManifest = 3, "system-config-manifest";
        /// A stage event of a model version (promotion, withdrawal): a
        /// registry record, never verified by an ECU.
        StageEvent = 4, "stage-event";
        /// An evaluation result of a model version (simulation, HiL,
        /// release gate): a registry record, never verified by an ECU.
        Evaluation = 5, "evaluation";
    }
}

code_table! {
    /// A role of a trust root: who signs which document type. Other nonzero
    /// role ids are reserved for later roles; a root may carry them and the
    /// verifier ignores them.
    pub enum RoleId {
        /// Signs new trust roots.
        Root = 1, "root";
        /// Signs component bundles.
        Component = 2, "component";
        /// Signs system-configuration bundles.
        SystemConfig = 3, "system-config";
        /// Signs the registry's stage events (promotions, withdrawals).
        /// The ECU verifier ignores it.
        Registry = 4, "registry";
        /// Signs evaluation results (simulation, HiL, release gate). The
        /// ECU verifier ignores it.
        Evaluation = 5, "evaluation";
    }
}

code_table! {
    /// What a stage event does to a model version.
    pub enum EventAction {
        /// Moves the version to the event's stage.
        Promote = 1, "promote";
        /// Withdraws the version: the registry records it; what keeps it off
        /// cars is a system configuration that stops listing it.
        Withdraw = 2, "withdraw";
    }
}

code_table! {
    /// Which kind of evaluation produced a result.
    pub enum SuiteKind {
        /// A simulation test suite.
        Simulation = 1, "simulation";
        /// A hardware-in-the-loop test suite.
        Hil = 2, "hil";
        /// The release gate.
        ReleaseGate = 3, "release-gate";
    }
}

code_table! {
    /// The verdict of an evaluation.
    pub enum Verdict {
        /// Passed.
        Pass = 1, "pass";
        /// Failed.
        Fail = 2, "fail";
        /// Ran, but decided nothing (a flaky rig, a partial run).
        Inconclusive = 3, "inconclusive";
    }
}

code_table! {
    /// What an artifact is. Codes not listed here are legal and mean "other":
    /// the verifier treats every kind alike (hash and length), the kind tells
    /// tools and firmware what to do with the bytes. 0 is reserved.
    #[non_exhaustive]
    pub enum ArtifactKind unknown = Other {
        /// Trained parameters (network weights).
        Weights = 1, "weights";
        /// An ONNX inference graph.
        Onnx = 2, "onnx";
        /// A compiled TensorRT engine.
        TensorRtEngine = 3, "tensorrt-engine";
        /// Per-ECU or per-vehicle calibration data.
        Calibration = 4, "calibration";
        /// Pre- or post-processing code.
        ProcessingCode = 5, "processing-code";
        /// Configuration.
        Config = 6, "config";
        /// Map data (HD-map tiles, scene-priority tables).
        MapData = 7, "map-data";
        /// A software bill of materials in CycloneDX.
        SbomCycloneDx = 8, "sbom-cyclonedx";
        /// A software bill of materials in SPDX.
        SbomSpdx = 9, "sbom-spdx";
        /// The fs-verity Merkle tree of another artifact (the artifact of
        /// the same name without the `.merkle` suffix), root level first:
        /// what a device reads to verify that artifact on read.
        FsverityTree = 10, "fsverity-tree";
        /// Anything else.
        Other = 255, "other";
    }
}

impl ArtifactKind {
    /// Whether this kind is a software bill of materials.
    pub const fn is_sbom(self) -> bool {
        matches!(self, Self::SbomCycloneDx | Self::SbomSpdx)
    }
}

impl DocType {
    /// The role that signs documents of this type, and the bundle kind a
    /// manifest of this type makes (`None` for a trust root). The one
    /// declaration of the kind ↔ role ↔ document-type relation.
    pub const fn signer(self) -> (RoleId, Option<BundleKind>) {
        match self {
            Self::Root => (RoleId::Root, None),
            Self::ComponentManifest => (RoleId::Component, Some(BundleKind::Component)),
            Self::SystemConfigManifest => (RoleId::SystemConfig, Some(BundleKind::SystemConfig)),
            Self::StageEvent => (RoleId::Registry, None),
            Self::Evaluation => (RoleId::Evaluation, None),
        }
    }
    /// The role that signs documents of this type.
    pub const fn role(self) -> RoleId {
        self.signer().0
    }
    /// The bundle kind of a manifest of this type; `None` for a root or an
    /// event.
    pub const fn bundle_kind(self) -> Option<BundleKind> {
        self.signer().1
    }
}

impl BundleKind {
    /// The document type of this kind's manifest (inverse of
    /// [`DocType::bundle_kind`]).
    pub const fn doc_type(self) -> DocType {
        match self {
            Self::Component => DocType::ComponentManifest,
            Self::SystemConfig => DocType::SystemConfigManifest,
        }
    }
    /// The role that signs this kind's manifests.
    pub const fn role(self) -> RoleId {
        self.doc_type().role()
    }
}

/// A model's lifecycle stage.
///
/// Three stages are known, ranked by maturity: Development < Staging <
/// Production. Other nonzero codes are legal in a manifest (a registry may
/// define more), but they have no rank: a device's minimum stage is never
/// met by an unknown code, whatever its number, so a code chosen for a
/// retired or experimental model cannot pass as mature by numeric
/// accident. Stages are compared only through [`Stage::at_least`]; there is
/// deliberately no numeric ordering. 0 is reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stage(u8);

impl Stage {
    /// Under development: no release evidence required.
    pub const DEVELOPMENT: Stage = Stage(10);
    /// Staging: candidate for release, in validation.
    pub const STAGING: Stage = Stage(20);
    /// Production: released; every lineage link is required.
    pub const PRODUCTION: Stage = Stage(30);

    /// The known stages, by rank, with their names: the one table of them.
    pub const NAMED: [(Stage, &'static str); 3] = [
        (Self::DEVELOPMENT, "development"),
        (Self::STAGING, "staging"),
        (Self::PRODUCTION, "production"),
    ];

    /// The stage with wire code `code` (0 is reserved).
    pub const fn from_code(code: u8) -> Option<Self> {
        if code == 0 { None } else { Some(Stage(code)) }
    }
    /// The wire code.
    pub const fn code(self) -> u8 {
        self.0
    }
    /// Maturity rank of a known stage (its place in [`Stage::NAMED`]);
    /// `None` for any other code.
    pub const fn rank(self) -> Option<u8> {
        // A match, not a walk of NAMED: it folds into the caller on the
        // ECU. The test below holds the two in the same order.
        match self {
            Self::DEVELOPMENT => Some(0),
            Self::STAGING => Some(1),
            Self::PRODUCTION => Some(2),
            _ => None,
        }
    }
    /// Whether this stage meets the minimum `min`: both known, and this one
    /// at least as mature. An unknown code never meets a minimum, and an
    /// unknown minimum is met by nothing.
    pub const fn at_least(self, min: Stage) -> bool {
        match (self.rank(), min.rank()) {
            (Some(a), Some(b)) => a >= b,
            _ => false,
        }
    }
    /// Whether a component at this stage must carry all eight lineage
    /// links: Production, and (conservatively) every unknown code.
    pub const fn requires_lineage(self) -> bool {
        match (self.rank(), Self::PRODUCTION.rank()) {
            (Some(r), Some(p)) => r >= p,
            _ => true,
        }
    }
    /// The name of a known stage.
    pub fn name(self) -> Option<&'static str> {
        Self::NAMED
            .iter()
            .find(|(s, _)| *s == self)
            .map(|(_, n)| *n)
    }
    /// The known stage named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::NAMED
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(s, _)| *s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_round_trip_and_are_unique() {
        fn check<T: Copy + PartialEq + core::fmt::Debug>(
            all: &[T],
            code: fn(T) -> u8,
            from_code: fn(u8) -> Option<T>,
            name: fn(T) -> &'static str,
            from_name: fn(&str) -> Option<T>,
        ) {
            for (i, v) in all.iter().enumerate() {
                assert_ne!(code(*v), 0, "{v:?}: code 0 is reserved");
                assert_eq!(from_code(code(*v)), Some(*v));
                assert_eq!(from_name(name(*v)), Some(*v));
                for w in &all[i + 1..] {
                    assert!(code(*v) < code(*w), "{v:?} {w:?}: codes ascend");
                    assert_ne!(name(*v), name(*w));
                }
            }
            assert_eq!(from_code(0), None);
            assert_eq!(from_name("no-such-name"), None);
        }
        check(
            BundleKind::ALL,
            BundleKind::code,
            BundleKind::from_code,
            BundleKind::name,
            BundleKind::from_name,
        );
        check(
            DocType::ALL,
            DocType::code,
            DocType::from_code,
            DocType::name,
            DocType::from_name,
        );
        check(
            RoleId::ALL,
            RoleId::code,
            RoleId::from_code,
            RoleId::name,
            RoleId::from_name,
        );
        check(
            ArtifactKind::ALL,
            ArtifactKind::code,
            ArtifactKind::from_code,
            ArtifactKind::name,
            ArtifactKind::from_name,
        );
        check(
            EventAction::ALL,
            EventAction::code,
            EventAction::from_code,
            EventAction::name,
            EventAction::from_name,
        );
        check(
            SuiteKind::ALL,
            SuiteKind::code,
            SuiteKind::from_code,
            SuiteKind::name,
            SuiteKind::from_name,
        );
        check(
            Verdict::ALL,
            Verdict::code,
            Verdict::from_code,
            Verdict::name,
            Verdict::from_name,
        );
        assert_eq!(BundleKind::from_code(4), None);
        assert_eq!(ArtifactKind::from_code(200), Some(ArtifactKind::Other));
    }

    #[test]
    fn kind_role_and_document_type_are_one_relation() {
        for k in BundleKind::ALL {
            assert_eq!(k.doc_type().bundle_kind(), Some(*k));
            assert_eq!(k.role(), k.doc_type().role());
        }
        for d in DocType::ALL {
            if let Some(k) = d.bundle_kind() {
                assert_eq!(k.doc_type(), *d);
            }
        }
        // Each role signs exactly one document type.
        for r in RoleId::ALL {
            assert_eq!(DocType::ALL.iter().filter(|d| d.role() == *r).count(), 1);
        }
    }

    #[test]
    fn stages_rank_by_the_table_and_unknown_codes_never_pass() {
        assert!(Stage::PRODUCTION.at_least(Stage::STAGING));
        assert!(!Stage::STAGING.at_least(Stage::PRODUCTION));
        let unknown = Stage::from_code(200).unwrap();
        assert!(!unknown.at_least(Stage::DEVELOPMENT));
        assert!(!Stage::PRODUCTION.at_least(unknown));
        assert!(unknown.requires_lineage());
        assert!(Stage::PRODUCTION.requires_lineage());
        assert!(!Stage::STAGING.requires_lineage());
        for (i, (s, n)) in Stage::NAMED.into_iter().enumerate() {
            assert_eq!(s.rank(), Some(i as u8));
            assert_eq!(Stage::from_name(n), Some(s));
            assert_eq!(s.name(), Some(n));
        }
    }
}
