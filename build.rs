//! Generates the C header from src/ffi with cbindgen.
//!
//! The header is written to OUT_DIR/gradient.h on every build. The committed
//! include/gradient.h is only rewritten when GRADIENT_UPDATE_HEADER=1 is set;
//! otherwise a stale committed header gives a build warning here and a test
//! failure in tests/header.rs.

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=GRADIENT_UPDATE_HEADER");
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("gradient.h");
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(&root)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate include/gradient.h");
    bindings.write_to_file(&out);
    let committed = root.join("include/gradient.h");
    let fresh = fs::read(&out).unwrap();
    if env::var_os("GRADIENT_UPDATE_HEADER").is_some_and(|v| v == "1") {
        fs::write(&committed, &fresh).expect("write include/gradient.h");
    } else if fs::read(&committed).ok().as_deref() != Some(fresh.as_slice()) {
        println!(
            "cargo:warning=include/gradient.h is stale: regenerate it with \
             `GRADIENT_UPDATE_HEADER=1 cargo build` and commit it"
        );
    }
}
