//! # modelseal C API
//!
//! The C boundary over `modelseal-core`, for ECU firmware (a static
//! library) and host tools and HiL rigs (a shared library). The header
//! `include/modelseal.h` is generated from this crate by cbindgen;
//! `docs/C-API.md` states the conventions.
//!
//! This crate must never allocate, keep global or static mutable state,
//! panic, or let anything unwind into C: every function checks its pointers,
//! answers with a `modelseal_status`, and writes its outputs only on
//! success. All `unsafe` of the project lives here.
//!
//! ## `no_std`, and how that is proven
//! The crate is `no_std`. In the ECU build (`--profile ecu`, `panic =
//! "abort"`) it defines its own panic handler, unconditionally: if any
//! dependency pulled in `std`, the build would fail with a duplicate
//! `panic_impl`, so a successful ECU build proves no `std` is linked. Host
//! builds (tests, clippy, the cdylib for PCs) unwind, use `std`'s panic
//! runtime and link `std`: inside the workspace, features of the host crates
//! (`serde/std`) unify into the core anyway. Build the ECU library alone:
//! `cargo build -p modelseal-ffi --profile ecu`.

#![no_std]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented,
    )
)]
// The C names are the API (`modelseal_<object>_<verb>`, lower-case types).
#![allow(non_camel_case_types)]

// Host builds unwind: they take std's panic runtime (see the crate docs).
// The fuzz build (`--cfg fuzzing`) compiles this crate into a std program.
#[cfg(any(test, fuzzing, not(panic = "abort")))]
extern crate std;

mod api;
mod consts;
mod context;
#[cfg(any(test, fuzzing))]
#[allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic
)]
pub mod drive;
mod engine;
mod ptr;
mod status;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_report;
#[cfg(test)]
mod tests_verity;
mod types;

pub use api::*;
pub use consts::*;
pub use status::modelseal_status;
pub use types::*;

/// The ECU build's panic handler. The core and this crate are written so
/// that nothing panics (clippy denies every panicking construct); if a panic
/// happened anyway, it stops here instead of returning into C with broken
/// state, and the firmware's watchdog takes over.
///
/// Built with `--cfg modelseal_panic_proof`, the handler instead calls a
/// function that is defined nowhere: a firmware image that links proves that
/// no panic path survived optimisation anywhere in the library
/// (`ffi/tests/run.sh` links every API function this way).
#[cfg(all(not(test), not(fuzzing), panic = "abort"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    #[cfg(modelseal_panic_proof)]
    {
        unsafe extern "C" {
            fn modelseal_panic_path_survived_optimization() -> !;
        }
        // SAFETY: never defined, so never called: if any path to this
        // handler is left after optimisation, the link fails.
        unsafe { modelseal_panic_path_survived_optimization() }
    }
    #[cfg(not(modelseal_panic_proof))]
    loop {
        core::hint::spin_loop();
    }
}
