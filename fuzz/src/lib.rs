//! The fuzz harnesses, one function per target (fuzz_targets/*.rs are
//! one-line wrappers): compiled once, so the shared test code and the
//! library's generic kernels are instantiated once for all targets.

#[path = "../../tests/common/mod.rs"]
pub mod common;

pub mod ffi_call;
pub mod ffi_mutations;
pub mod plan_sequences;
pub mod safe_reference;
