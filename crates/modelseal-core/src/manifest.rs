//! Manifest validation and read-only views.
//!
//! [`validate`] walks a manifest document once, checking every field
//! against the format's rules and limits, and records where each section
//! starts. Views then decode items on demand from those offsets: nothing is
//! copied, and memory does not grow with the document. A view over a
//! document that did not validate cannot be made outside this crate.
//!
//! The validation must visit every byte exactly once (trailing bytes are an
//! error) and every loop is bounded by a limit from [`crate::limits`].

use crate::doc::{
    Artifact, BundleKind, ComponentHead, EcuHead, Extension, ManifestHead, MetadataEntry,
    Middleware, ModelRef, ParameterSet, Stage, SystemConfigHead,
};
use crate::error::{Error, Result};
use crate::limits::{
    MAX_ARTIFACTS, MAX_COMPONENTS, MAX_ECU_MODELS, MAX_ECUS, MAX_EXTENSION_LEN, MAX_EXTENSIONS,
    MAX_HARDWARE_IDS, MAX_METADATA, MAX_MIDDLEWARE, MAX_PARAMETER_SETS, MAX_SERIALS, MAX_TICKETS,
};
use crate::wire::{Walker, check_id, check_name, check_opt_id, check_text, walker_at};

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

/// Who is asking: what [`validate`] compares against while it walks, so the
/// device policy is decided without walking the document again.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Device<'p> {
    pub(crate) hardware_id: &'p str,
    pub(crate) serial: Option<&'p str>,
    pub(crate) ecu_name: Option<&'p str>,
    /// Length of the bundle head the payloads follow, in bytes.
    pub(crate) head_len: u64,
}

impl Device<'_> {
    /// No device (host tools reading a manifest): nothing matches.
    pub(crate) const NONE: Device<'static> = Device {
        hardware_id: "",
        serial: None,
        ecu_name: None,
        head_len: 0,
    };
}

/// What the device policy needs from a manifest, gathered in the one
/// validating pass. The policy is decided afterwards, in its documented
/// order (`verify::check_policy`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts<'a> {
    pub(crate) hardware_listed: bool,
    pub(crate) serials_restricted: bool,
    pub(crate) serial_listed: bool,
    pub(crate) platform: Option<&'a str>,
    pub(crate) market: Option<&'a str>,
    /// The lowest component stage (none for a system configuration).
    pub(crate) lowest_stage: Option<Stage>,
    /// ECU entries matching the device, and the index of the last.
    pub(crate) ecu_matches: u8,
    pub(crate) ecu_entry: u8,
    pub(crate) config_id: &'a str,
    pub(crate) config_version: &'a str,
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

/// Offset of the walker as a u32 (documents are far below 4 GiB).
fn off(w: &Walker<'_>, doc: &[u8]) -> Result<u32> {
    u32::try_from(w.offset_in(doc)).map_err(|_| Error::LimitExceeded)
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

    /// The walker at the first item (just after the sequence header).
    pub(crate) fn end_of_header(&self) -> Walker<'a> {
        self.w.0
    }

    /// Bytes of the document from the next item to the end.
    pub(crate) fn rest_len(&self) -> usize {
        self.w.0.rest().len()
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

/// Checks a manifest document of kind `expected` against every rule of the
/// format and returns where its sections start, with the facts the policy
/// of `device` needs.
pub(crate) fn validate<'a>(
    doc: &'a [u8],
    expected: BundleKind,
    device: &Device<'_>,
) -> Result<(ManifestIndex, Facts<'a>)> {
    let mut w = Walker::new(doc);
    let head: ManifestHead<'_> = w.take()?;
    let kind = BundleKind::from_code(head.kind).ok_or(Error::Invalid)?;
    if kind != expected {
        return Err(Error::Invalid);
    }
    check_id(head.version, true)?;

    // Target binding.
    let target_off = off(&w, doc)?;
    let hardware_ids = Items::open(&w, MAX_HARDWARE_IDS)?;
    let (next, hardware_listed) = check_strings(hardware_ids, true, Some(device.hardware_id))?;
    let serials = Items::<&str>::open(&next, MAX_SERIALS)?;
    let serials_restricted = serials.remaining() > 0;
    let (next, serial_listed) = check_strings(serials, false, device.serial)?;
    w = next;
    let platform: Option<&str> = w.take()?;
    let market: Option<&str> = w.take()?;
    check_opt_id(platform)?;
    check_opt_id(market)?;

    // Components: at least one in a component bundle, none in a system configuration.
    let components_off = off(&w, doc)?;
    let mut components = Items::<ComponentView<'_>>::open(&w, MAX_COMPONENTS)?;
    let n_components = components.remaining();
    match kind {
        BundleKind::Component if n_components == 0 => return Err(Error::Invalid),
        BundleKind::SystemConfig if n_components != 0 => return Err(Error::Invalid),
        _ => {}
    }
    let mut prev_family: Option<&str> = None;
    let mut lowest_stage: Option<Stage> = None;
    while let Some(c) = components.try_next()? {
        let stage = check_component(&c)?;
        if prev_family.is_some_and(|p| p >= c.head.family) {
            return Err(Error::Invalid);
        }
        prev_family = Some(c.head.family);
        lowest_stage = Some(lowest_stage.map_or(stage, |l| l.min(stage)));
    }
    w = components.end()?;

    // System configuration: present exactly in system-configuration bundles.
    let system_config_off = off(&w, doc)?;
    let has_config = w.option_tag()?;
    let ecus = match (kind, has_config) {
        (BundleKind::Component, false) => EcuMatch::default(),
        (BundleKind::SystemConfig, true) => {
            check_system_config(&SystemConfigView::take(&mut w)?, device)?
        }
        _ => return Err(Error::Invalid),
    };

    // Artifacts: names strictly ascending (unique, canonical order).
    let artifacts_off = off(&w, doc)?;
    let mut artifacts = Items::<Artifact<'_>>::open(&w, MAX_ARTIFACTS)?;
    let n_artifacts = artifacts.remaining();
    if kind == BundleKind::Component && n_artifacts == 0 {
        return Err(Error::Invalid);
    }
    let records_off = off(&artifacts.end_of_header(), doc)?;
    let mut layout = Some(crate::bundle::Layout::new(device.head_len));
    let mut prev_name: Option<&str> = None;
    while let Some(a) = artifacts.try_next()? {
        layout = layout.and_then(|mut l| l.place(a.size).ok().map(|_| l));
        check_name(a.name)?;
        if prev_name.is_some_and(|p| p >= a.name) {
            return Err(Error::Invalid);
        }
        prev_name = Some(a.name);
        if a.kind == 0 {
            return Err(Error::Invalid);
        }
        if let Some(p) = &a.plaintext {
            check_id(p.encryption.algorithm, true)?;
            check_id(p.encryption.key_id, true)?;
        }
        check_text(a.licence, true)?;
    }
    w = artifacts.end()?;

    // Extensions: ids strictly ascending; this version knows none, so any
    // critical one is refused and the others are skipped.
    let extensions_off = off(&w, doc)?;
    let mut extensions = Items::<Extension<'_>>::open(&w, MAX_EXTENSIONS)?;
    let mut prev_id: Option<u32> = None;
    while let Some(e) = extensions.try_next()? {
        if e.data.len() > MAX_EXTENSION_LEN {
            return Err(Error::LimitExceeded);
        }
        if prev_id.is_some_and(|p| p >= e.id) {
            return Err(Error::Invalid);
        }
        prev_id = Some(e.id);
        if e.critical {
            return Err(Error::UnsupportedExtension);
        }
    }
    extensions.end()?.finish()?;

    let facts = Facts {
        hardware_listed,
        serials_restricted,
        serial_listed,
        platform,
        market,
        lowest_stage,
        ecu_matches: ecus.matches,
        ecu_entry: ecus.entry,
        config_id: ecus.config_id,
        config_version: ecus.config_version,
        bundle_len: layout.map(|l| l.end()),
        records_off,
    };
    let ix = ManifestIndex {
        kind,
        security_counter: head.security_counter,
        expires_at: head.expires_at,
        target_off,
        components_off,
        system_config_off,
        artifacts_off,
        extensions_off,
        n_artifacts: u16::try_from(n_artifacts).map_err(|_| Error::LimitExceeded)?,
    };
    Ok((ix, facts))
}

/// Every string of a sequence is an identifier; `non_empty` also demands at
/// least one.
/// Returns the walker after the sequence, and whether `wanted` is among
/// the strings.
fn check_strings<'a>(
    mut items: Items<'a, &'a str>,
    non_empty: bool,
    wanted: Option<&str>,
) -> Result<(Walker<'a>, bool)> {
    if non_empty && items.remaining() == 0 {
        return Err(Error::Invalid);
    }
    let mut found = false;
    while let Some(s) = items.try_next()? {
        check_id(s, true)?;
        found |= wanted == Some(s);
    }
    Ok((items.end()?, found))
}

/// Returns the component's stage.
fn check_component(c: &ComponentView<'_>) -> Result<Stage> {
    let h = &c.head;
    check_id(h.family, true)?;
    check_id(h.version, true)?;
    let stage = Stage::from_code(h.stage).ok_or(Error::Invalid)?;
    check_text(h.author, false)?;
    check_text(h.training_environment, false)?;
    let links = h.lineage.values();
    for link in links {
        check_id(link, false)?;
    }
    if stage >= Stage::PRODUCTION && links.iter().any(|l| l.is_empty()) {
        return Err(Error::LineageIncomplete);
    }
    check_strings(c.tickets, false, None)?;
    let mut metadata = c.metadata;
    let mut prev: Option<&str> = None;
    while let Some(m) = metadata.try_next()? {
        check_id(m.key, true)?;
        check_text(m.value, false)?;
        if prev.is_some_and(|p| p >= m.key) {
            return Err(Error::Invalid);
        }
        prev = Some(m.key);
    }
    Ok(stage)
}

/// The ECU entries of a system configuration that match the device.
#[derive(Debug, Clone, Copy, Default)]
struct EcuMatch<'a> {
    matches: u8,
    entry: u8,
    config_id: &'a str,
    config_version: &'a str,
}

fn check_system_config<'a>(s: &SystemConfigView<'a>, device: &Device<'_>) -> Result<EcuMatch<'a>> {
    let mut found = EcuMatch {
        config_id: s.head.config_id,
        config_version: s.head.config_version,
        ..EcuMatch::default()
    };
    check_id(s.head.config_id, true)?;
    check_id(s.head.config_version, true)?;
    check_id(s.head.vehicle_platform, false)?;
    check_id(s.head.sensor_set, false)?;
    check_id(s.head.market, false)?;

    let mut ecus = s.ecus;
    if ecus.remaining() == 0 {
        return Err(Error::Invalid);
    }
    let mut prev: Option<&str> = None;
    let mut index = 0u8;
    while let Some(e) = ecus.try_next()? {
        check_id(e.head.name, true)?;
        check_id(e.head.hardware_id, true)?;
        check_id(e.head.software_version, true)?;
        if prev.is_some_and(|p| p >= e.head.name) {
            return Err(Error::Invalid);
        }
        prev = Some(e.head.name);
        if e.head.hardware_id == device.hardware_id
            && device.ecu_name.is_none_or(|n| n == e.head.name)
        {
            found.matches = found.matches.saturating_add(1);
            found.entry = index;
        }
        index = index.saturating_add(1);
        let mut models = e.models;
        while let Some(m) = models.try_next()? {
            check_id(m.family, true)?;
            check_id(m.version, true)?;
        }
    }

    let mut middleware = s.middleware;
    let mut prev: Option<&str> = None;
    while let Some(m) = middleware.try_next()? {
        check_id(m.name, true)?;
        check_id(m.version, true)?;
        if prev.is_some_and(|p| p >= m.name) {
            return Err(Error::Invalid);
        }
        prev = Some(m.name);
    }

    let mut sets = s.parameter_sets;
    let mut prev: Option<&str> = None;
    while let Some(p) = sets.try_next()? {
        check_id(p.name, true)?;
        check_id(p.vehicle_variant, false)?;
        check_id(p.sensor_set, false)?;
        check_id(p.market, false)?;
        if prev.is_some_and(|q| q >= p.name) {
            return Err(Error::Invalid);
        }
        prev = Some(p.name);
    }
    Ok(found)
}
