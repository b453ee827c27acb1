//! Round trips and bounds of the format.
