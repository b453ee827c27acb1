//! C API over the modelseal verifier core (being written).
