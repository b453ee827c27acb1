//! Manifest validation and read-only views.
//!
//! `scan` walks a manifest document once, front to back, over a copy of
//! its bytes (`snap`): it checks every field against the format's
//! rules and limits, records where each section starts, gathers what the
//! device policy needs, and returns SHA-256 of exactly the bytes it checked.
//! The verifier, and every accessor that reads a verified manifest again,
//! runs it; host tools run it too, so there is one validator.
//!
//! Views ([`ManifestView`]) decode items on demand from a validated
//! document in memory the reader owns (host tools): nothing is copied. A
//! view over a document that did not validate cannot be made outside this
//! crate.
//!
//! The scan visits every byte exactly once (trailing bytes are an error)
//! and every loop is bounded by a limit from [`crate::limits`].

use crate::dec;
use crate::doc::{
    Artifact, BundleKind, ComponentHead, EcuHead, Extension, ManifestHead, MetadataEntry,
    Middleware, ModelRef, ParameterSet, Stage, SystemConfigHead,
};
use crate::error::{Error, Result};
use crate::limits::{
    MAX_ARTIFACTS, MAX_COMPONENTS, MAX_ECU_MODELS, MAX_ECUS, MAX_EXTENSIONS, MAX_HARDWARE_IDS,
    MAX_METADATA, MAX_MIDDLEWARE, MAX_PARAMETER_SETS, MAX_SERIALS, MAX_TICKETS,
};
use crate::limits::{MAX_ID_LEN, MAX_NAME_LEN};
use crate::policy::{IdString, id_string};
use crate::rules::Record;
use crate::snap::Snap;
use crate::wire::{Walker, check_id, check_opt_id, walker_at};

/// Where the sections of a validated manifest start. Holds no borrow, so a
/// session can keep it across calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ManifestIndex {
    pub(crate) kind: BundleKind,
    pub(crate) security_counter: u64,
    pub(crate) expires_at: Option<u64>,
    target_off: u32,
    components_off: u32,
    system_config_off: u32,
    artifacts_off: u32,
    extensions_off: u32,
    pub(crate) n_artifacts: u16,
}

/// Who is asking: what [`scan`] compares against while it walks, so the
/// device policy is decided without walking the document again.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Device<'p> {
    pub(crate) hardware_id: &'p str,
    pub(crate) serial: Option<&'p str>,
    pub(crate) ecu_name: Option<&'p str>,
    pub(crate) platform: Option<&'p str>,
    pub(crate) market: Option<&'p str>,
    pub(crate) min_stage: Stage,
    /// Length of the bundle head the payloads follow, in bytes.
    pub(crate) head_len: u64,
    /// The rule of fs-verity parameters, when the verifier checks fs-verity
    /// digests; if not, an artifact that declares one is refused here,
    /// before any of its bytes are read.
    pub(crate) verity: Option<fn(&crate::doc::Artifact<'_>) -> Result<()>>,
}

impl Device<'_> {
    /// No device (host tools reading a manifest): nothing matches.
    pub(crate) const NONE: Device<'static> = Device {
        hardware_id: "",
        serial: None,
        ecu_name: None,
        platform: None,
        market: None,
        min_stage: Stage::DEVELOPMENT,
        head_len: 0,
        verity: Some(crate::verity::check_artifact),
    };

    /// The walk over a copy of a manifest that verified (step 6 applied
    /// every rule to the same bytes, and the walk fails unless the copy
    /// hashes to the signed digest). An fs-verity record counts as
    /// checked there; the payload hasher applies the parameter rule again
    /// before it uses one. Links no fs-verity code.
    pub(crate) const VERIFIED: Device<'static> = Device {
        verity: Some(|_| Ok(())),
        ..Device::NONE
    };
}

/// What the device policy needs from a manifest, gathered in the one
/// validating pass and held by value. The policy is decided afterwards, in
/// its documented order (`verify::check_policy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Facts {
    pub(crate) hardware_listed: bool,
    pub(crate) serials_restricted: bool,
    pub(crate) serial_listed: bool,
    /// The target binding's and the system configuration's platform
    /// restrictions admit the device.
    pub(crate) platform_ok: bool,
    /// Likewise for the market.
    pub(crate) market_ok: bool,
    /// Every component's stage is known and at least the policy's minimum.
    pub(crate) stages_ok: bool,
    /// ECU entries matching the device, and the index of the last.
    pub(crate) ecu_matches: u8,
    pub(crate) ecu_entry: u8,
    pub(crate) config_id: IdString,
    pub(crate) config_version: IdString,
    /// End of the last payload after the device's head; `None` when the
    /// sizes overflow 64 bits.
    pub(crate) bundle_len: Option<u64>,
    /// Offset of the first artifact record in the document.
    pub(crate) records_off: u32,
}

impl ManifestIndex {
    /// The index of no manifest (a session state not yet filled in).
    pub(crate) const EMPTY: Self = Self {
        kind: BundleKind::Component,
        security_counter: 0,
        expires_at: None,
        target_off: 0,
        components_off: 0,
        system_config_off: 0,
        artifacts_off: 0,
        extensions_off: 0,
        n_artifacts: 0,
    };
}

/// One item of a sequence inside a document.
pub trait Item<'a>: Sized {
    /// Upper bound on the number of such items in one sequence.
    const MAX: usize;
    /// Decodes one item, advancing the walker past it.
    #[doc(hidden)]
    fn take(w: &mut WalkerHandle<'a>) -> Result<Self>;
}

/// Opaque handle to the crate's document cursor (keeps the walker private).
#[derive(Debug, Clone, Copy)]
pub struct WalkerHandle<'a>(pub(crate) Walker<'a>);

macro_rules! leaf_item {
    ($t:ty, $max:expr) => {
        impl<'a> Item<'a> for $t {
            const MAX: usize = $max;
            fn take(w: &mut WalkerHandle<'a>) -> Result<Self> {
                w.0.take()
            }
        }
    };
}
leaf_item!(MetadataEntry<'a>, MAX_METADATA);
leaf_item!(ModelRef<'a>, MAX_ECU_MODELS);
leaf_item!(Middleware<'a>, MAX_MIDDLEWARE);
leaf_item!(ParameterSet<'a>, MAX_PARAMETER_SETS);
leaf_item!(Artifact<'a>, MAX_ARTIFACTS);
leaf_item!(Extension<'a>, MAX_EXTENSIONS);

/// A string item (hardware ids, serials, tickets): bounded by the largest
/// of their limits; the sequence itself is checked against its own.
impl<'a> Item<'a> for &'a str {
    const MAX: usize = MAX_SERIALS;
    fn take(w: &mut WalkerHandle<'a>) -> Result<Self> {
        w.0.take()
    }
}

/// The items of one sequence, decoded one at a time.
///
/// As an [`Iterator`] it yields the items of a validated document; a decode
/// error (impossible after validation) ends the iteration. [`Items::try_next`]
/// reports errors instead.
#[derive(Debug)]
pub struct Items<'a, T> {
    w: WalkerHandle<'a>,
    left: usize,
    _item: core::marker::PhantomData<fn() -> T>,
}

impl<T> Clone for Items<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Items<'_, T> {}

impl<'a, T: Item<'a>> Items<'a, T> {
    /// Reads a sequence header of at most `max` items at the walker and
    /// skips the items, leaving the walker after the sequence.
    fn take_seq(w: &mut Walker<'a>, max: usize) -> Result<Self> {
        let n = w.seq_len(max.min(T::MAX))?;
        let items = Self {
            w: WalkerHandle(*w),
            left: n,
            _item: core::marker::PhantomData,
        };
        let mut skip = items;
        while skip.try_next()?.is_some() {}
        *w = skip.w.0;
        Ok(items)
    }

    /// Reads a sequence header at the walker without skipping the items:
    /// the caller reads them all, then continues from [`Items::end`].
    pub(crate) fn open(w: &Walker<'a>, max: usize) -> Result<Self> {
        let mut w = *w;
        let n = w.seq_len(max.min(T::MAX))?;
        Ok(Self {
            w: WalkerHandle(w),
            left: n,
            _item: core::marker::PhantomData,
        })
    }

    /// The walker after the last item; every item must have been read.
    pub(crate) fn end(self) -> Result<Walker<'a>> {
        if self.left == 0 {
            Ok(self.w.0)
        } else {
            Err(Error::InvalidState)
        }
    }

    /// The next item, or an error if it does not decode.
    pub fn try_next(&mut self) -> Result<Option<T>> {
        if self.left == 0 {
            return Ok(None);
        }
        let item = T::take(&mut self.w)?;
        self.left = self.left.saturating_sub(1);
        Ok(Some(item))
    }

    /// Items not yet read.
    pub fn remaining(&self) -> usize {
        self.left
    }
}

impl<'a, T: Item<'a>> Iterator for Items<'a, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        match self.try_next() {
            Ok(item) => item,
            Err(_) => {
                self.left = 0;
                None
            }
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.left))
    }
}

/// A model component: registry record, tickets, metadata.
#[derive(Debug, Clone, Copy)]
pub struct ComponentView<'a> {
    /// Family, version, stage, author, times, environment, lineage.
    pub head: ComponentHead<'a>,
    /// Tickets.
    pub tickets: Items<'a, &'a str>,
    /// Free metadata, keys ascending.
    pub metadata: Items<'a, MetadataEntry<'a>>,
}

impl<'a> ComponentView<'a> {
    /// The lifecycle stage.
    pub fn stage(&self) -> Option<Stage> {
        Stage::from_code(self.head.stage)
    }
}

impl<'a> Item<'a> for ComponentView<'a> {
    const MAX: usize = MAX_COMPONENTS;
    fn take(w: &mut WalkerHandle<'a>) -> Result<Self> {
        let head = w.0.take()?;
        let tickets = Items::take_seq(&mut w.0, MAX_TICKETS)?;
        let metadata = Items::take_seq(&mut w.0, MAX_METADATA)?;
        Ok(Self {
            head,
            tickets,
            metadata,
        })
    }
}

/// One ECU of a system configuration.
#[derive(Debug, Clone, Copy)]
pub struct EcuView<'a> {
    /// Name, hardware id, software version.
    pub head: EcuHead<'a>,
    /// The models it runs.
    pub models: Items<'a, ModelRef<'a>>,
}

impl<'a> Item<'a> for EcuView<'a> {
    const MAX: usize = MAX_ECUS;
    fn take(w: &mut WalkerHandle<'a>) -> Result<Self> {
        let head = w.0.take()?;
        let models = Items::take_seq(&mut w.0, MAX_ECU_MODELS)?;
        Ok(Self { head, models })
    }
}

/// A system configuration.
#[derive(Debug, Clone, Copy)]
pub struct SystemConfigView<'a> {
    /// Id, version, platform, sensor set, market.
    pub head: SystemConfigHead<'a>,
    /// ECU entries, names ascending.
    pub ecus: Items<'a, EcuView<'a>>,
    /// Middleware versions, names ascending.
    pub middleware: Items<'a, Middleware<'a>>,
    /// Parameter sets, names ascending.
    pub parameter_sets: Items<'a, ParameterSet<'a>>,
}

impl<'a> SystemConfigView<'a> {
    fn take(w: &mut Walker<'a>) -> Result<Self> {
        let head = w.take()?;
        let ecus = Items::take_seq(w, MAX_ECUS)?;
        let middleware = Items::take_seq(w, MAX_MIDDLEWARE)?;
        let parameter_sets = Items::take_seq(w, MAX_PARAMETER_SETS)?;
        Ok(Self {
            head,
            ecus,
            middleware,
            parameter_sets,
        })
    }
}

/// The target binding of a manifest.
#[derive(Debug, Clone, Copy)]
pub struct TargetView<'a> {
    /// Accepted hardware ids.
    pub hardware_ids: Items<'a, &'a str>,
    /// Accepted ECU serials (empty: any).
    pub serials: Items<'a, &'a str>,
    /// Vehicle platform restriction.
    pub platform: Option<&'a str>,
    /// Market restriction.
    pub market: Option<&'a str>,
}

impl<'a> TargetView<'a> {
    fn take(w: &mut Walker<'a>) -> Result<Self> {
        let hardware_ids = Items::take_seq(w, MAX_HARDWARE_IDS)?;
        let serials = Items::take_seq(w, MAX_SERIALS)?;
        let platform = w.take()?;
        let market = w.take()?;
        Ok(Self {
            hardware_ids,
            serials,
            platform,
            market,
        })
    }
}

/// Read-only view of a validated manifest document.
#[derive(Debug, Clone, Copy)]
pub struct ManifestView<'a> {
    doc: &'a [u8],
    ix: ManifestIndex,
    head: ManifestHead<'a>,
}

impl<'a> ManifestView<'a> {
    pub(crate) fn new(doc: &'a [u8], ix: ManifestIndex) -> Result<Self> {
        let head = Walker::new(doc).take()?;
        Ok(Self { doc, ix, head })
    }

    /// The manifest document bytes.
    pub fn doc(&self) -> &'a [u8] {
        self.doc
    }
    /// Bundle kind.
    pub fn kind(&self) -> BundleKind {
        self.ix.kind
    }
    /// Kind, counter, version, times, supersedes.
    pub fn head(&self) -> &ManifestHead<'a> {
        &self.head
    }
    /// Target binding.
    pub fn target(&self) -> Result<TargetView<'a>> {
        TargetView::take(&mut walker_at(self.doc, self.ix.target_off)?)
    }
    /// Components (none in a system configuration).
    pub fn components(&self) -> Result<Items<'a, ComponentView<'a>>> {
        Items::open(
            &walker_at(self.doc, self.ix.components_off)?,
            MAX_COMPONENTS,
        )
    }
    /// The system configuration (only in system-configuration bundles).
    pub fn system_config(&self) -> Result<Option<SystemConfigView<'a>>> {
        let mut w = walker_at(self.doc, self.ix.system_config_off)?;
        if w.option_tag()? {
            Ok(Some(SystemConfigView::take(&mut w)?))
        } else {
            Ok(None)
        }
    }
    /// Artifacts, in manifest (and payload) order.
    pub fn artifacts(&self) -> Result<Items<'a, Artifact<'a>>> {
        Items::open(&walker_at(self.doc, self.ix.artifacts_off)?, MAX_ARTIFACTS)
    }
    /// Number of artifacts.
    pub fn artifact_count(&self) -> usize {
        usize::from(self.ix.n_artifacts)
    }
    /// Artifact `index`.
    pub fn artifact(&self, index: usize) -> Result<Artifact<'a>> {
        let mut items = self.artifacts()?;
        if index >= items.remaining() {
            return Err(Error::NoSuchArtifact);
        }
        // Bounded by the artifact count (at most MAX_ARTIFACTS).
        for _ in 0..index {
            items.try_next()?;
        }
        items.try_next()?.ok_or(Error::NoSuchArtifact)
    }
    /// Extensions.
    pub fn extensions(&self) -> Result<Items<'a, Extension<'a>>> {
        Items::open(
            &walker_at(self.doc, self.ix.extensions_off)?,
            MAX_EXTENSIONS,
        )
    }
}

/// What a walk over a manifest hands out besides its verdict, item by
/// item, for the accessors that read a verified manifest again (identity,
/// configuration binding, components, parameter sets). Values borrow the
/// walk's copy window: keep what you need by value, and trust it only once
/// the walk has returned `Ok`. One walk serves every visitor (`dyn`), so
/// each accessor costs no extra code on the ECU.
pub trait ManifestVisitor {
    /// The manifest head.
    fn head(&mut self, _h: &ManifestHead<'_>) -> Result<()> {
        Ok(())
    }
    /// Component `index`'s registry record.
    fn component(&mut self, _index: usize, _c: &ComponentHead<'_>) -> Result<()> {
        Ok(())
    }
    /// The system configuration's head.
    fn system_config(&mut self, _h: &SystemConfigHead<'_>) -> Result<()> {
        Ok(())
    }
    /// A model that ECU entry `ecu` runs.
    fn ecu_model(&mut self, _ecu: usize, _m: &ModelRef<'_>) -> Result<()> {
        Ok(())
    }
    /// Parameter set `index`.
    fn parameter_set(&mut self, _index: usize, _p: &ParameterSet<'_>) -> Result<()> {
        Ok(())
    }
    /// Artifact record `index`, in payload order.
    fn artifact(&mut self, _index: usize, _a: &Artifact<'_>) -> Result<()> {
        Ok(())
    }
    /// The leaf hash of the artifact record just seen (see
    /// [`crate::records`]).
    #[doc(hidden)]
    fn artifact_leaf(&mut self, _leaf: &crate::hash::Digest) -> Result<()> {
        Ok(())
    }
}

/// A sink that keeps nothing.
pub(crate) struct NoSink;
impl ManifestVisitor for NoSink {}

/// Whether a manifest's restriction (platform, market) admits the device.
fn restriction_admits(restriction: Option<&str>, device: Option<&str>) -> bool {
    restriction.is_none_or(|r| device == Some(r))
}

/// A bounded copy of a string, to compare with the next one in a sorted
/// sequence after the copy window has moved on.
#[derive(Clone, Copy)]
struct Prev<const N: usize> {
    buf: [u8; N],
    len: usize,
    set: bool,
}

impl<const N: usize> Prev<N> {
    const NONE: Self = Self {
        buf: [0; N],
        len: 0,
        set: false,
    };
    fn get(&self) -> Option<&[u8]> {
        if self.set {
            self.buf.get(..self.len)
        } else {
            None
        }
    }
    /// Checks `s` sorts strictly after the previous one, then keeps it.
    fn ascending(&mut self, s: &str) -> Result<()> {
        if self.get().is_some_and(|p| p >= s.as_bytes()) {
            return Err(Error::Invalid);
        }
        let dst = self.buf.get_mut(..s.len()).ok_or(Error::LimitExceeded)?;
        crate::wire::copy_exact(dst, s.as_bytes())?;
        self.len = s.len();
        self.set = true;
        Ok(())
    }
}

/// Checks a manifest document of kind `expected` against every rule of the
/// format, in one forward pass over a copy of its bytes (see
/// [`crate::snap`]): returns where its sections start, the facts the policy
/// of `device` needs, SHA-256 of exactly the bytes it checked, and the tree
/// leaf hash of each artifact record (for the tree of [`crate::records`]).
/// `sink` sees the items as they pass.
///
/// The caller decides what the digest means: after the signature check,
/// only a digest equal to the authenticated one makes the facts true.
pub(crate) fn scan(
    doc: &[u8],
    expected: BundleKind,
    device: &Device<'_>,
    sink: &mut dyn ManifestVisitor,
) -> Result<Scanned> {
    let mut s = Snap::new(doc);

    let (kind, security_counter, expires_at) = {
        let head: ManifestHead<'_> = s.take(dec::decode)?;
        head.check_fields(&mut ())?;
        let kind = BundleKind::from_code(head.kind).ok_or(Error::Invalid)?;
        if kind != expected {
            return Err(Error::Invalid);
        }
        sink.head(&head)?;
        (kind, head.security_counter, head.expires_at)
    };

    let target_off = s.position()?;
    let target = scan_target(&mut s, device)?;
    let components_off = s.position()?;
    let stages_ok = scan_components(&mut s, kind, device, sink)?;

    // System configuration: present exactly in system-configuration bundles.
    let system_config_off = s.position()?;
    let has_config = s.option_tag()?;
    let mut config = ConfigFacts::NONE;
    match (kind, has_config) {
        (BundleKind::Component, false) => {}
        (BundleKind::SystemConfig, true) => config = scan_system_config(&mut s, device, sink)?,
        _ => return Err(Error::Invalid),
    }

    let artifacts_off = s.position()?;
    let (n_artifacts, records_off, bundle_len) = scan_artifacts(&mut s, kind, device, sink)?;
    let extensions_off = s.position()?;
    scan_extensions(&mut s)?;
    let digest = s.finish()?;

    Ok(Scanned {
        ix: ManifestIndex {
            kind,
            security_counter,
            expires_at,
            target_off,
            components_off,
            system_config_off,
            artifacts_off,
            extensions_off,
            n_artifacts,
        },
        facts: Facts {
            hardware_listed: target.hardware_listed,
            serials_restricted: target.serials_restricted,
            serial_listed: target.serial_listed,
            platform_ok: target.platform_ok && config.platform_ok,
            market_ok: target.market_ok && config.market_ok,
            stages_ok,
            ecu_matches: config.matches,
            ecu_entry: config.entry,
            config_id: config.config_id,
            config_version: config.config_version,
            bundle_len,
            records_off,
        },
        digest,
    })
}

/// What the target binding says about the device.
struct TargetFacts {
    hardware_listed: bool,
    serials_restricted: bool,
    serial_listed: bool,
    platform_ok: bool,
    market_ok: bool,
}

/// The target binding: at least one hardware id; serials, platform and
/// market restrict when present.
fn scan_target(s: &mut Snap<'_>, device: &Device<'_>) -> Result<TargetFacts> {
    // An empty list has no item to refuse first: judged after the walk.
    let (n, hardware_listed) = id_list(s, MAX_HARDWARE_IDS, Some(device.hardware_id))?;
    if n == 0 {
        return Err(Error::Invalid);
    }
    let (n, serial_listed) = id_list(s, MAX_SERIALS, device.serial)?;
    let serials_restricted = n > 0;
    let platform_ok = restriction(s, device.platform)?;
    let market_ok = restriction(s, device.market)?;
    Ok(TargetFacts {
        hardware_listed,
        serials_restricted,
        serial_listed,
        platform_ok,
        market_ok,
    })
}

/// A sequence of at most `max` identifiers (hardware ids, serials,
/// tickets): returns their count and whether `want` is among them.
fn id_list(s: &mut Snap<'_>, max: usize, want: Option<&str>) -> Result<(usize, bool)> {
    let n = s.seq_len(max)?;
    let mut listed = false;
    for _ in 0..n {
        let id: &str = s.take(dec::str)?;
        check_id(id, true)?;
        listed |= Some(id) == want;
    }
    Ok((n, listed))
}

/// An optional identifier that restricts where a bundle installs
/// (platform, market): whether it admits the device's `value`.
fn restriction(s: &mut Snap<'_>, value: Option<&str>) -> Result<bool> {
    let r: Option<&str> = s.take(dec::opt_str)?;
    check_opt_id(r)?;
    Ok(restriction_admits(r, value))
}

/// Components: at least one in a component bundle, none in a system
/// configuration; families strictly ascending. Returns whether every
/// stage meets the device's minimum.
fn scan_components(
    s: &mut Snap<'_>,
    kind: BundleKind,
    device: &Device<'_>,
    sink: &mut dyn ManifestVisitor,
) -> Result<bool> {
    let n_components = s.seq_len(MAX_COMPONENTS)?;
    match kind {
        BundleKind::Component if n_components == 0 => return Err(Error::Invalid),
        BundleKind::SystemConfig if n_components != 0 => return Err(Error::Invalid),
        _ => {}
    }
    let mut families = Prev::<MAX_ID_LEN>::NONE;
    let mut stages_ok = true;
    for index in 0..n_components {
        {
            let head: ComponentHead<'_> = s.take(dec::decode)?;
            let stage = check_component_head(&head)?;
            families.ascending(head.family)?;
            stages_ok &= stage.at_least(device.min_stage);
            sink.component(index, &head)?;
        }
        id_list(s, MAX_TICKETS, None)?;
        let n = s.seq_len(MAX_METADATA)?;
        let mut keys = Prev::<MAX_ID_LEN>::NONE;
        for _ in 0..n {
            let m: MetadataEntry<'_> = s.take(dec::decode)?;
            m.check_fields(&mut ())?;
            keys.ascending(m.key)?;
        }
    }
    Ok(stages_ok)
}

/// Artifacts: names strictly ascending (unique, canonical order); each
/// record also goes into the tree that authenticates them one by one
/// later. Returns their count, where the records start, and the bundle
/// length their layout gives.
fn scan_artifacts(
    s: &mut Snap<'_>,
    kind: BundleKind,
    device: &Device<'_>,
    sink: &mut dyn ManifestVisitor,
) -> Result<(u16, u32, Option<u64>)> {
    let n_artifacts = s.seq_len(MAX_ARTIFACTS)?;
    if kind == BundleKind::Component && n_artifacts == 0 {
        return Err(Error::Invalid);
    }
    let records_off = s.position()?;
    let mut layout = Some(crate::bundle::Layout::new(device.head_len));
    let mut names = Prev::<MAX_NAME_LEN>::NONE;
    for index in 0..n_artifacts {
        s.open_tap(&crate::records::LEAF_PREFIX);
        {
            let a: Artifact<'_> = s.take(dec::decode)?;
            layout = layout.and_then(|mut l| l.place(a.size).ok().map(|_| l));
            a.check_fields(&mut ())?;
            if crate::verity::declared(&a) {
                (device.verity.ok_or(Error::VerityNotAccepted)?)(&a)?;
            }
            names.ascending(a.name)?;
            sink.artifact(index, &a)?;
        }
        sink.artifact_leaf(&s.close_tap()?)?;
    }
    let n = u16::try_from(n_artifacts).map_err(|_| Error::LimitExceeded)?;
    Ok((n, records_off, layout.map(|l| l.end())))
}

/// Extensions: ids strictly ascending; this version knows none, so any
/// critical one is refused and the others are skipped.
fn scan_extensions(s: &mut Snap<'_>) -> Result<()> {
    let n = s.seq_len(MAX_EXTENSIONS)?;
    let mut prev_id: Option<u32> = None;
    for _ in 0..n {
        let e: Extension<'_> = s.take(dec::decode)?;
        e.check_fields(&mut ())?;
        if prev_id.is_some_and(|p| p >= e.id) {
            return Err(Error::Invalid);
        }
        prev_id = Some(e.id);
        if e.critical {
            return Err(Error::UnsupportedExtension);
        }
    }
    Ok(())
}

/// What a scan established.
#[derive(Debug, Clone)]
pub(crate) struct Scanned {
    pub(crate) ix: ManifestIndex,
    pub(crate) facts: Facts,
    /// SHA-256 of the bytes checked.
    pub(crate) digest: crate::hash::Digest,
}

/// Checks a manifest document held in memory nobody else writes (host
/// tools) and returns where its sections start.
pub(crate) fn validate(doc: &[u8], expected: BundleKind) -> Result<ManifestIndex> {
    Ok(scan(doc, expected, &Device::NONE, &mut NoSink)?.ix)
}

/// Returns the component's stage.
fn check_component_head(h: &ComponentHead<'_>) -> Result<Stage> {
    h.check_fields(&mut ())?;
    let stage = Stage::from_code(h.stage).ok_or(Error::Invalid)?;
    if stage.requires_lineage() && h.lineage.any_str_field(str::is_empty) {
        return Err(Error::LineageIncomplete);
    }
    Ok(stage)
}

/// What the policy needs from a system configuration.
struct ConfigFacts {
    matches: u8,
    entry: u8,
    config_id: IdString,
    config_version: IdString,
    platform_ok: bool,
    market_ok: bool,
}

impl ConfigFacts {
    const NONE: Self = Self {
        matches: 0,
        entry: 0,
        config_id: IdString::new(),
        config_version: IdString::new(),
        platform_ok: true,
        market_ok: true,
    };
}

/// An empty field of a system configuration is no restriction.
fn non_empty(s: &str) -> Option<&str> {
    if s.is_empty() { None } else { Some(s) }
}

fn scan_system_config(
    s: &mut Snap<'_>,
    device: &Device<'_>,
    sink: &mut dyn ManifestVisitor,
) -> Result<ConfigFacts> {
    let mut found = ConfigFacts::NONE;
    {
        let h: SystemConfigHead<'_> = s.take(dec::decode)?;
        h.check_fields(&mut ())?;
        found.config_id = id_string(h.config_id)?;
        found.config_version = id_string(h.config_version)?;
        found.platform_ok = restriction_admits(non_empty(h.vehicle_platform), device.platform);
        found.market_ok = restriction_admits(non_empty(h.market), device.market);
        sink.system_config(&h)?;
    }

    let n_ecus = s.seq_len(MAX_ECUS)?;
    if n_ecus == 0 {
        return Err(Error::Invalid);
    }
    let mut names = Prev::<MAX_ID_LEN>::NONE;
    for index in 0..n_ecus {
        {
            let e: EcuHead<'_> = s.take(dec::decode)?;
            e.check_fields(&mut ())?;
            names.ascending(e.name)?;
            if e.hardware_id == device.hardware_id && device.ecu_name.is_none_or(|n| n == e.name) {
                found.matches = found.matches.saturating_add(1);
                found.entry = u8::try_from(index).map_err(|_| Error::LimitExceeded)?;
            }
        }
        let n = s.seq_len(MAX_ECU_MODELS)?;
        for _ in 0..n {
            let m: ModelRef<'_> = s.take(dec::decode)?;
            m.check_fields(&mut ())?;
            sink.ecu_model(index, &m)?;
        }
    }

    let n = s.seq_len(MAX_MIDDLEWARE)?;
    let mut names = Prev::<MAX_ID_LEN>::NONE;
    for _ in 0..n {
        let m: Middleware<'_> = s.take(dec::decode)?;
        m.check_fields(&mut ())?;
        names.ascending(m.name)?;
    }

    let n = s.seq_len(MAX_PARAMETER_SETS)?;
    let mut names = Prev::<MAX_ID_LEN>::NONE;
    for index in 0..n {
        let p: ParameterSet<'_> = s.take(dec::decode)?;
        p.check_fields(&mut ())?;
        names.ascending(p.name)?;
        sink.parameter_set(index, &p)?;
    }
    Ok(found)
}
