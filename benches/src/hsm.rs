//! Signatures per second through a PKCS#11 token (`CKM_EDDSA`, each one
//! checked with `verify_strict` as `build` and `sign` do), beside the same
//! signatures made with the key in memory. Run by `benches/hsm.sh`, which
//! sets up a SoftHSM2 token; prints figures, asserts nothing.
//!
//!   modelseal-bench-hsm MODULE URI PIN_VAR [N]

use modelseal::keys::{PassphraseFrom, Passphrases};
use modelseal::sign::{KeySigner, Signer};
use std::time::Instant;
use zeroize::Zeroizing;

struct Pin(String);
impl Passphrases for Pin {
    fn passphrase(&self, _: &str, _: bool) -> Result<Zeroizing<String>, modelseal::KeyProblem> {
        PassphraseFrom::Env(self.0.clone()).passphrase("", false)
    }
}

fn rate(n: usize, signer: &dyn Signer) -> f64 {
    let mut msg = [0u8; 64];
    let t = Instant::now();
    for i in 0..n {
        msg[..8].copy_from_slice(&(i as u64).to_le_bytes());
        if let Err(e) = signer.sign(&msg) {
            eprintln!("modelseal-bench-hsm: {e}");
            std::process::exit(1);
        }
    }
    n as f64 / t.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [module, uri, pin_var, rest @ ..] = args.as_slice() else {
        eprintln!("usage: modelseal-bench-hsm MODULE URI PIN_VAR [N]");
        std::process::exit(2);
    };
    let n: usize = rest.first().and_then(|s| s.parse().ok()).unwrap_or(2000);
    modelseal::pkcs11::set_defaults(modelseal::pkcs11::Defaults {
        module: Some(module.into()),
        pins: Box::new(Pin(pin_var.clone())),
    });
    let token = match modelseal::pkcs11::TokenSigner::open(uri) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("modelseal-bench-hsm: {e}");
            std::process::exit(1);
        }
    };
    let Ok(key) = modelseal::keys::generate() else {
        std::process::exit(1);
    };
    let memory = KeySigner::new(key, "in memory");
    // Alternate, so both see the same machine load.
    let (mut t, mut m) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        t.push(rate(n, &token));
        m.push(rate(n, &memory));
    }
    t.sort_by(f64::total_cmp);
    m.sort_by(f64::total_cmp);
    println!(
        "signatures/s, PKCS#11 token (SoftHSM2, CKM_EDDSA + verify_strict): {:.0}",
        t[1]
    );
    println!(
        "signatures/s, key in memory (ed25519-dalek + verify_strict):     {:.0}",
        m[1]
    );
    println!("ratio token / memory: {:.3}", t[1] / m[1]);
}
