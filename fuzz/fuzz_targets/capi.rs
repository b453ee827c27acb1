#![no_main]
const ROOT: &[u8] = include_bytes!("../../tests/data/valid-component/root.msr");
libfuzzer_sys::fuzz_target!(|data: &[u8]| modelseal::drive::fuzz_bundle(ROOT, data));
