//! One module per subcommand.

pub(crate) mod attach;
pub(crate) mod build;
pub(crate) mod fleet;
pub(crate) mod identity;
pub(crate) mod inspect;
pub(crate) mod key;
pub(crate) mod message;
pub(crate) mod registry;
pub(crate) mod report;
pub(crate) mod review;
pub(crate) mod root;
pub(crate) mod sign;
pub(crate) mod sign_message;
pub(crate) mod trace;
pub(crate) mod verify;
