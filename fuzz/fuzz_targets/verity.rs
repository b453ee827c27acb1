#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| modelseal_tests::fuzz::verity(data));
