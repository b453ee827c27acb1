//! Release keys in HSMs and tokens, over PKCS#11.
//!
//! A key is named by an RFC 7512 URI, `pkcs11:token=release;object=c1`
//! (path attributes `token`, `object`, `id`, `serial`, `manufacturer`,
//! `model`, `slot-id`; query attributes `module-path` and `pin-source`).
//! The module is the URI's `module-path`, else the one the program
//! registers ([`set_defaults`], the CLI's `--pkcs11-module`). The PIN comes
//! from the URI's `pin-source` (`file:/path` or `env:VAR`), else the
//! program's source (an environment variable, a file or a prompt); a
//! `pin-value` in a URI is refused: PINs never travel on a command line.
//!
//! Signing is `CKM_EDDSA` (pure Ed25519) with a key of type
//! `CKK_EC_EDWARDS` whose curve is Ed25519; the public key is read from
//! the public-key object beside it (`CKA_EC_POINT`, DER-wrapped
//! `04 20 || key` or the 32 raw bytes). Every signature the token returns
//! is checked with `verify_strict` before it is used.

use crate::error::{Error, KeyProblem, Result};
use crate::keys::Passphrases;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::RvError;
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use modelseal_core::limits::{PUBLIC_KEY_LEN, SIGNATURE_LEN, SIGNED_MESSAGE_LEN};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

/// DER of the Ed25519 curve OID (1.3.101.112), the `CKA_EC_PARAMS` of an
/// Ed25519 key.
const ED25519_OID_DER: [u8; 5] = [0x06, 0x03, 0x2b, 0x65, 0x70];
/// The printable-string form some tokens use instead.
const ED25519_NAME_DER: &[u8] = b"\x13\x0cedwards25519";

/// Where a URI's `pin-source` says the PIN is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinFrom {
    /// The environment variable of this name.
    Env(String),
    /// The first line of this file.
    File(PathBuf),
}

/// What the program sets once: the module and the PIN source to use when
/// a URI names neither.
pub struct Defaults {
    /// The PKCS#11 module (shared library).
    pub module: Option<PathBuf>,
    /// Where PINs come from (a prompt, for the CLI on a terminal).
    pub pins: Box<dyn Passphrases>,
}

impl std::fmt::Debug for Defaults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Defaults")
            .field("module", &self.module)
            .finish_non_exhaustive()
    }
}

static DEFAULTS: OnceLock<Defaults> = OnceLock::new();

/// Registers the defaults, once per process; `false` if already set.
pub fn set_defaults(d: Defaults) -> bool {
    DEFAULTS.set(d).is_ok()
}

/// A parsed `pkcs11:` URI.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenUri {
    /// `token`: the token label.
    pub token: Option<String>,
    /// `serial`: the token serial number.
    pub serial: Option<String>,
    /// `manufacturer`: the token manufacturer.
    pub manufacturer: Option<String>,
    /// `model`: the token model.
    pub model: Option<String>,
    /// `slot-id`.
    pub slot_id: Option<u64>,
    /// `object`: the key's label.
    pub object: Option<String>,
    /// `id`: the key's `CKA_ID`.
    pub id: Option<Vec<u8>>,
    /// `module-path`.
    pub module_path: Option<PathBuf>,
    /// `pin-source`.
    pub pin_source: Option<PinFrom>,
    text: String,
}

/// Whether `s` names a PKCS#11 key rather than a key file.
pub fn is_uri(s: &str) -> bool {
    s.starts_with("pkcs11:")
}

fn bad(reason: impl Into<String>) -> KeyProblem {
    KeyProblem::TokenUri {
        reason: reason.into(),
    }
}

/// Percent-decodes one URI attribute value.
fn unescape(v: &str) -> std::result::Result<Vec<u8>, KeyProblem> {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = v
                .get(i + 1..i + 3)
                .ok_or_else(|| bad(format!("`{v}`: `%` needs two hex digits")))?;
            out.push(
                u8::from_str_radix(hex, 16)
                    .map_err(|_| bad(format!("`{v}`: `%{hex}` is not a hex escape")))?,
            );
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(out)
}

fn text(v: &str) -> std::result::Result<String, KeyProblem> {
    String::from_utf8(unescape(v)?).map_err(|_| bad(format!("`{v}` is not UTF-8")))
}

impl TokenUri {
    /// Parses an RFC 7512 URI naming a private key.
    pub fn parse(s: &str) -> std::result::Result<Self, KeyProblem> {
        let rest = s
            .strip_prefix("pkcs11:")
            .ok_or_else(|| bad("does not start with `pkcs11:`"))?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut u = TokenUri {
            text: s.to_owned(),
            ..Default::default()
        };
        for attr in path.split(';').filter(|a| !a.is_empty()) {
            let (k, v) = attr
                .split_once('=')
                .ok_or_else(|| bad(format!("`{attr}` is not name=value")))?;
            match k {
                "token" => u.token = Some(text(v)?),
                "serial" => u.serial = Some(text(v)?),
                "manufacturer" => u.manufacturer = Some(text(v)?),
                "model" => u.model = Some(text(v)?),
                "object" => u.object = Some(text(v)?),
                "id" => u.id = Some(unescape(v)?),
                "slot-id" => {
                    u.slot_id = Some(
                        text(v)?
                            .parse()
                            .map_err(|_| bad(format!("slot-id `{v}` is not a number")))?,
                    )
                }
                "type" if matches!(v, "private" | "public") => {}
                "type" => return Err(bad(format!("type `{v}`: a signing key is `private`"))),
                k if k.starts_with("x-") || k.starts_with("library-") || k.starts_with("slot-") => {
                }
                other => return Err(bad(format!("unknown attribute `{other}`"))),
            }
        }
        for attr in query.split('&').filter(|a| !a.is_empty()) {
            let (k, v) = attr
                .split_once('=')
                .ok_or_else(|| bad(format!("`{attr}` is not name=value")))?;
            match k {
                "module-path" => u.module_path = Some(PathBuf::from(text(v)?)),
                "pin-source" => {
                    let src = text(v)?;
                    u.pin_source = Some(if let Some(f) = src.strip_prefix("file:") {
                        PinFrom::File(PathBuf::from(f.trim_start_matches("//")))
                    } else if let Some(var) = src.strip_prefix("env:") {
                        PinFrom::Env(var.to_owned())
                    } else {
                        PinFrom::File(PathBuf::from(src))
                    });
                }
                "pin-value" => {
                    return Err(bad(
                        "`pin-value`: a PIN is never given on the command line; use pin-source=file:... or env:..., --pin-env, --pin-file, or the prompt",
                    ));
                }
                "module-name" | "x-" => {}
                k if k.starts_with("x-") => {}
                other => return Err(bad(format!("unknown query attribute `{other}`"))),
            }
        }
        if u.object.is_none() && u.id.is_none() {
            return Err(bad("name the key with `object=LABEL` or `id=%XX...`"));
        }
        Ok(u)
    }

    /// The URI as given (a PIN never appears in it).
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// One loaded and initialized module per path: C_Initialize runs once.
fn module(path: &std::path::Path) -> std::result::Result<Pkcs11, KeyProblem> {
    static LOADED: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    let mut map = LOADED
        .get_or_init(Default::default)
        .lock()
        .map_err(|_| bad("the module table was poisoned by a panic"))?;
    if let Some(m) = map.get(path) {
        return Ok(m.clone());
    }
    let m = Pkcs11::new(path).map_err(|e| KeyProblem::TokenModule {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    match m.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(cryptoki::error::Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => {
            return Err(KeyProblem::TokenModule {
                path: path.to_path_buf(),
                reason: e.to_string(),
            });
        }
    }
    map.insert(path.to_path_buf(), m.clone());
    Ok(m)
}

fn pkcs11_err(what: &'static str) -> impl Fn(cryptoki::error::Error) -> KeyProblem {
    move |e| KeyProblem::Token {
        reason: format!("{what}: {e}"),
    }
}

/// The slot of the token the URI names (exactly one).
fn find_slot(ctx: &Pkcs11, u: &TokenUri) -> std::result::Result<Slot, KeyProblem> {
    let mut found = Vec::new();
    for slot in ctx
        .get_slots_with_token()
        .map_err(pkcs11_err("listing slots"))?
    {
        if u.slot_id.is_some_and(|id| id != slot.id()) {
            continue;
        }
        let info = ctx
            .get_token_info(slot)
            .map_err(pkcs11_err("reading token information"))?;
        let fits = |want: &Option<String>, have: &str| {
            want.as_deref().is_none_or(|w| w == have.trim_end())
        };
        if fits(&u.token, info.label())
            && fits(&u.serial, info.serial_number())
            && fits(&u.manufacturer, info.manufacturer_id())
            && fits(&u.model, info.model())
        {
            found.push(slot);
        }
    }
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(KeyProblem::TokenNotFound),
        many => Err(bad(format!(
            "{} tokens match; add token=, serial= or slot-id=",
            many.len()
        ))),
    }
}

/// Template attributes naming the key's label and id.
fn naming(u: &TokenUri, class: ObjectClass) -> Vec<Attribute> {
    let mut t = vec![Attribute::Class(class)];
    if let Some(o) = &u.object {
        t.push(Attribute::Label(o.clone().into_bytes()));
    }
    if let Some(id) = &u.id {
        t.push(Attribute::Id(id.clone()));
    }
    t
}

/// The 32-byte Ed25519 key of a `CKA_EC_POINT`: DER `04 20 || key`, or raw.
pub fn ec_point_key(point: &[u8]) -> Option<[u8; PUBLIC_KEY_LEN]> {
    match point {
        [0x04, 0x20, rest @ ..] if rest.len() == PUBLIC_KEY_LEN => rest.try_into().ok(),
        raw if raw.len() == PUBLIC_KEY_LEN => raw.try_into().ok(),
        _ => None,
    }
}

/// A logged-in session on the token the URI names.
fn open(u: &TokenUri, rw: bool) -> std::result::Result<Session, KeyProblem> {
    let defaults = DEFAULTS.get();
    let path = u
        .module_path
        .clone()
        .or_else(|| defaults.and_then(|d| d.module.clone()))
        .ok_or(KeyProblem::TokenNoModule)?;
    let ctx = module(&path)?;
    let slot = find_slot(&ctx, u)?;
    let session = if rw {
        ctx.open_rw_session(slot)
    } else {
        ctx.open_ro_session(slot)
    }
    .map_err(pkcs11_err("opening a session"))?;
    let label = u.token.as_deref().unwrap_or("the token");
    let pin = match &u.pin_source {
        Some(PinFrom::Env(v)) => {
            crate::keys::PassphraseFrom::Env(v.clone()).passphrase(label, false)
        }
        Some(PinFrom::File(f)) => {
            crate::keys::PassphraseFrom::File(f.clone()).passphrase(label, false)
        }
        None => match defaults {
            Some(d) => d.pins.passphrase(&format!("token {label} (PIN)"), false),
            None => Err(KeyProblem::TokenNoPin),
        },
    }?;
    match session.login(
        UserType::User,
        Some(&AuthPin::from(pin.as_str().to_owned())),
    ) {
        Ok(()) | Err(cryptoki::error::Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
        Err(cryptoki::error::Error::Pkcs11(
            RvError::PinIncorrect | RvError::PinInvalid | RvError::PinLenRange,
            _,
        )) => {
            return Err(KeyProblem::TokenWrongPin);
        }
        Err(e) => return Err(pkcs11_err("logging in")(e)),
    }
    Ok(session)
}

/// An Ed25519 private key in a token: signs through `CKM_EDDSA`.
pub struct TokenSigner {
    session: Session,
    key: ObjectHandle,
    public_key: [u8; PUBLIC_KEY_LEN],
    uri: String,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSigner")
            .field("uri", &self.uri)
            .finish_non_exhaustive()
    }
}

/// Exactly one object matching `template`.
fn one(
    session: &Session,
    template: &[Attribute],
    what: &'static str,
) -> std::result::Result<ObjectHandle, KeyProblem> {
    let found = session
        .find_objects(template)
        .map_err(pkcs11_err("finding objects"))?;
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(KeyProblem::TokenObjectNotFound { what }),
        many => Err(bad(format!(
            "{} {what}s match; name it with both object= and id=",
            many.len()
        ))),
    }
}

impl TokenSigner {
    /// Opens the key `uri` names: its token, a logged-in session, the
    /// private key (which must be Ed25519) and its public key.
    pub fn open(uri: &str) -> Result<Self> {
        let err = |problem| Error::Key {
            path: Some(PathBuf::from(uri)),
            problem,
        };
        let u = TokenUri::parse(uri).map_err(err)?;
        let session = open(&u, false).map_err(err)?;
        let key = one(
            &session,
            &naming(&u, ObjectClass::PRIVATE_KEY),
            "private key",
        )
        .map_err(err)?;
        let attrs = session
            .get_attributes(key, &[AttributeType::KeyType, AttributeType::EcParams])
            .map_err(|e| err(pkcs11_err("reading the key's type")(e)))?;
        let mut key_type = None;
        let mut params = None;
        for a in attrs {
            match a {
                Attribute::KeyType(t) => key_type = Some(t),
                Attribute::EcParams(p) => params = Some(p),
                _ => {}
            }
        }
        let is_ed25519 = key_type == Some(KeyType::EC_EDWARDS)
            && params
                .as_deref()
                .is_none_or(|p| p == ED25519_OID_DER || p == ED25519_NAME_DER);
        if !is_ed25519 {
            return Err(err(KeyProblem::TokenNotEd25519 {
                found: key_type.map_or_else(|| "unknown".into(), |t| t.to_string()),
            }));
        }
        let public =
            one(&session, &naming(&u, ObjectClass::PUBLIC_KEY), "public key").map_err(err)?;
        let point = session
            .get_attributes(public, &[AttributeType::EcPoint])
            .map_err(|e| err(pkcs11_err("reading the public key")(e)))?
            .into_iter()
            .find_map(|a| match a {
                Attribute::EcPoint(p) => Some(p),
                _ => None,
            })
            .and_then(|p| ec_point_key(&p))
            .ok_or_else(|| err(bad("the public key object holds no 32-byte Ed25519 point")))?;
        Ok(Self {
            session,
            key,
            public_key: point,
            uri: uri.to_owned(),
        })
    }
}

impl crate::sign::Signer for TokenSigner {
    fn public_key(&self) -> Result<[u8; PUBLIC_KEY_LEN]> {
        Ok(self.public_key)
    }
    fn sign(&self, message: &[u8; SIGNED_MESSAGE_LEN]) -> Result<[u8; SIGNATURE_LEN]> {
        let err = |problem| Error::Key {
            path: Some(PathBuf::from(&self.uri)),
            problem,
        };
        let mech = Mechanism::Eddsa(EddsaParams::new(EddsaSignatureScheme::Pure));
        let sig = self
            .session
            .sign(&mech, self.key, message)
            .map_err(|e| err(pkcs11_err("signing")(e)))?;
        let sig: [u8; SIGNATURE_LEN] = sig.as_slice().try_into().map_err(|_| {
            err(bad(format!(
                "the token returned {} bytes, not a signature",
                sig.len()
            )))
        })?;
        // A token that signs with another key, or returns garbage, is
        // caught here rather than by every device later.
        let vk = ed25519_dalek::VerifyingKey::from_bytes(&self.public_key)
            .map_err(|_| err(KeyProblem::PublicKeyDoesNotDecode))?;
        vk.verify_strict(message, &ed25519_dalek::Signature::from_bytes(&sig))
            .map_err(|_| {
                err(bad(
                    "the token's signature does not verify under its public key",
                ))
            })?;
        Ok(sig)
    }
    fn describe(&self) -> String {
        format!("token key {}", self.uri)
    }
}

/// Generates an Ed25519 key pair in the token `uri` names: the private key
/// sensitive and not extractable, both as token objects with the URI's
/// label and id. Returns the public key.
pub fn generate(uri: &str) -> Result<[u8; PUBLIC_KEY_LEN]> {
    let err = |problem| Error::Key {
        path: Some(PathBuf::from(uri)),
        problem,
    };
    let u = TokenUri::parse(uri).map_err(err)?;
    let session = open(&u, true).map_err(err)?;
    if !session
        .find_objects(&naming(&u, ObjectClass::PRIVATE_KEY))
        .map_err(|e| err(pkcs11_err("finding objects")(e)))?
        .is_empty()
    {
        return Err(err(bad(
            "a private key with this label/id exists; keys are never replaced",
        )));
    }
    let mut common = vec![Attribute::Token(true)];
    if let Some(o) = &u.object {
        common.push(Attribute::Label(o.clone().into_bytes()));
    }
    if let Some(id) = &u.id {
        common.push(Attribute::Id(id.clone()));
    }
    let mut public = common.clone();
    public.extend([
        Attribute::EcParams(ED25519_OID_DER.to_vec()),
        Attribute::Verify(true),
    ]);
    let mut private = common;
    private.extend([
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Sign(true),
    ]);
    let (pub_h, _) = session
        .generate_key_pair(&Mechanism::EccEdwardsKeyPairGen, &public, &private)
        .map_err(|e| err(pkcs11_err("generating an Ed25519 key pair")(e)))?;
    session
        .get_attributes(pub_h, &[AttributeType::EcPoint])
        .map_err(|e| err(pkcs11_err("reading the new public key")(e)))?
        .into_iter()
        .find_map(|a| match a {
            Attribute::EcPoint(p) => ec_point_key(&p),
            _ => None,
        })
        .ok_or_else(|| err(bad("the new public key holds no 32-byte Ed25519 point")))
}

/// One Ed25519 key a token holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenKey {
    /// Its URI (token and object or id).
    pub uri: String,
    /// Key id (hex).
    pub key_id: String,
    /// Public key (hex).
    pub public_key: String,
}

/// The Ed25519 public keys of the token `uri` names (`pkcs11:token=...`;
/// no object needed).
pub fn list(uri: &str) -> Result<Vec<TokenKey>> {
    let err = |problem| Error::Key {
        path: Some(PathBuf::from(uri)),
        problem,
    };
    let mut probe = uri.to_owned();
    // A listing names no key: parse it as if it named one.
    if !probe.contains("object=") && !probe.contains("id=") {
        let (path, query) = probe.split_once('?').unwrap_or((&probe, ""));
        probe = format!(
            "{path}{}object=_?{query}",
            if path.ends_with(':') { "" } else { ";" }
        );
    }
    let mut u = TokenUri::parse(&probe).map_err(err)?;
    u.object = None;
    u.id = None;
    let session = open(&u, false).map_err(err)?;
    let handles = session
        .find_objects(&[
            Attribute::Class(ObjectClass::PUBLIC_KEY),
            Attribute::KeyType(KeyType::EC_EDWARDS),
        ])
        .map_err(|e| err(pkcs11_err("finding keys")(e)))?;
    let mut out = Vec::new();
    for h in handles {
        let attrs = session
            .get_attributes(
                h,
                &[
                    AttributeType::Label,
                    AttributeType::Id,
                    AttributeType::EcPoint,
                ],
            )
            .map_err(|e| err(pkcs11_err("reading a key")(e)))?;
        let (mut label, mut id, mut pk) = (None, None, None);
        for a in attrs {
            match a {
                Attribute::Label(l) => label = Some(String::from_utf8_lossy(&l).into_owned()),
                Attribute::Id(i) => id = Some(i),
                Attribute::EcPoint(p) => pk = ec_point_key(&p),
                _ => {}
            }
        }
        let Some(pk) = pk else { continue };
        let mut name = format!("pkcs11:token={}", u.token.as_deref().unwrap_or_default());
        if let Some(l) = label.filter(|l| !l.is_empty()) {
            name.push_str(&format!(";object={l}"));
        }
        if let Some(i) = id.filter(|i| !i.is_empty()) {
            name.push_str(";id=");
            for b in i {
                name.push_str(&format!("%{b:02x}"));
            }
        }
        out.push(TokenKey {
            uri: name,
            key_id: hex::encode(crate::sign::key_id_of(&pk)),
            public_key: hex::encode(pk),
        });
    }
    out.sort_by(|a, b| a.uri.cmp(&b.uri));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_parse_as_rfc_7512_says() {
        let u = TokenUri::parse(
            "pkcs11:token=release%20A;object=c1;id=%01%ff?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=env:PIN",
        )
        .expect("uri");
        assert_eq!(u.token.as_deref(), Some("release A"));
        assert_eq!(u.object.as_deref(), Some("c1"));
        assert_eq!(u.id.as_deref(), Some(&[1u8, 0xff][..]));
        assert_eq!(
            u.module_path.as_deref(),
            Some(std::path::Path::new("/usr/lib/softhsm/libsofthsm2.so"))
        );
        assert!(matches!(u.pin_source, Some(PinFrom::Env(ref v)) if v == "PIN"));
        for bad in [
            "pkcs11:token=t",                   // no key named
            "pkcs11:object=c1?pin-value=1234",  // a PIN in the URI
            "pkcs11:object=c1;colour=blue",     // unknown attribute
            "pkcs11:object=c%1",                // bad escape
            "pkcs11:object=c1;type=secret-key", // not a signing key
            "file:c1.pem",
        ] {
            assert!(TokenUri::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ec_points_are_read_wrapped_or_raw() {
        let k = [7u8; 32];
        let mut wrapped = vec![0x04, 0x20];
        wrapped.extend_from_slice(&k);
        assert_eq!(ec_point_key(&wrapped), Some(k));
        assert_eq!(ec_point_key(&k), Some(k));
        assert_eq!(ec_point_key(&wrapped[..33]), None);
        assert_eq!(ec_point_key(&[0x04, 0x41, 1, 2]), None);
    }
}
