//! Generates the C header from src/ffi with cbindgen.
//!
//! The header is written to OUT_DIR/gradient.h on every build. Its
//! GRAD_VERSION_MAJOR/MINOR/PATCH macros come from Cargo.toml's version
//! (CARGO_PKG_VERSION_*), so they cannot go stale, and the `//` comments
//! cbindgen writes after its C++ guards become `/* */` ones, so that a C89
//! compiler takes the header. The committed
//! include/gradient.h is only rewritten when GRADIENT_UPDATE_HEADER=1 is set;
//! otherwise a stale committed header gives a build warning here and a test
//! failure in tests/header.rs.
//!
//! With GRADIENT_SONAME=1 (the top-level Makefile sets it) the cdylib is
//! linked with an ELF SONAME following cargo-c's rule: `libgradient.so.0.0.P`
//! for 0.0.P, `libgradient.so.0.M` for 0.M.x, `libgradient.so.M` from 1.0 on.
//! A plain `cargo build` / `cargo test` sets none (cargo's default, see
//! cargo#5045): programs linked against target/*/libgradient.so with an
//! rpath (tests/c_harness.rs, scripts/demo.sh) then record NEEDED
//! libgradient.so and find it there, with no versioned file needed.

use std::env;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=GRADIENT_UPDATE_HEADER");
    println!("cargo:rerun-if-env-changed=GRADIENT_SONAME");
    set_soname();
    avx512_cfg();
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("gradient.h");
    let mut config =
        cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    config.after_includes = Some(version_macros());
    let bindings = cbindgen::Builder::new()
        .with_crate(&root)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate include/gradient.h");
    let mut text = Vec::new();
    bindings.write(&mut text);
    let fresh = c89_comments(&String::from_utf8(text).expect("cbindgen wrote UTF-8")).into_bytes();
    fs::write(&out, &fresh).expect("write OUT_DIR/gradient.h");
    let committed = root.join("include/gradient.h");
    if env::var_os("GRADIENT_UPDATE_HEADER").is_some_and(|v| v == "1") {
        fs::write(&committed, &fresh).expect("write include/gradient.h");
    } else if fs::read(&committed).ok().as_deref() != Some(fresh.as_slice()) {
        println!(
            "cargo:warning=include/gradient.h is stale: regenerate it with \
             `GRADIENT_UPDATE_HEADER=1 cargo build` and commit it"
        );
    }
}

/// `cfg(gradient_avx512)` where the compiler has the AVX-512 intrinsics
/// (stable from Rust 1.89): the crate builds with older compilers (its
/// rust-version), its AVX-512 loops only with these.
fn avx512_cfg() {
    println!("cargo:rustc-check-cfg=cfg(gradient_avx512)");
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let version = Command::new(rustc).arg("--version").output().ok();
    let text = version
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .unwrap_or_default();
    // "rustc 1.95.0 (...)"
    let mut parts = text.split([' ', '.']).skip(1);
    let (major, minor) = (
        parts.next(),
        parts.next().and_then(|m| m.parse::<u32>().ok()),
    );
    if major == Some("1") && minor.is_some_and(|m| m >= 89) {
        println!("cargo:rustc-cfg=gradient_avx512");
    }
}

/// The version macros, from Cargo.toml's version: what a C program can `#if` on.
fn version_macros() -> String {
    let part = |name: &str| env::var(name).unwrap_or_else(|_| panic!("{name} is not set"));
    format!(
        "\n/*\n * The version of this header, from the library's Cargo.toml: C code can\n \
         * `#if` on it. grad_version() returns the version of the library loaded at\n \
         * run time, (GRAD_VERSION_MAJOR << 16) | (GRAD_VERSION_MINOR << 8) |\n \
         * GRAD_VERSION_PATCH when the two match.\n \
         */\n\
         #define GRAD_VERSION_MAJOR {}\n\
         #define GRAD_VERSION_MINOR {}\n\
         #define GRAD_VERSION_PATCH {}",
        part("CARGO_PKG_VERSION_MAJOR"),
        part("CARGO_PKG_VERSION_MINOR"),
        part("CARGO_PKG_VERSION_PATCH"),
    )
}

/// Rewrites every `// comment` that ends a line (cbindgen's C++ guards:
/// `#endif // __cplusplus`, `}  // extern "C"`) as `/* comment */`, which
/// C89 accepts.
fn c89_comments(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    for line in header.lines() {
        match line.find("//") {
            Some(at) if !line.trim_start().starts_with('*') => {
                let (code, comment) = line.split_at(at);
                out.push_str(&format!("{code}/* {} */", comment[2..].trim()));
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// cargo-c's version suffix of the SONAME: 0.0.P, 0.M, or M.
fn soname_version(major: u64, minor: u64, patch: u64) -> String {
    match (major, minor) {
        (0, 0) => format!("0.0.{patch}"),
        (0, minor) => format!("0.{minor}"),
        (major, _) => format!("{major}"),
    }
}

/// Links the cdylib with `-soname libgradient.so.<soname_version>` when
/// GRADIENT_SONAME=1 and the target uses ELF shared objects.
fn set_soname() {
    if env::var("GRADIENT_SONAME").as_deref() != Ok("1") {
        return;
    }
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if matches!(os.as_str(), "macos" | "ios" | "windows" | "") {
        println!("cargo:warning=GRADIENT_SONAME=1 is ignored on target_os={os} (ELF only)");
        return;
    }
    let part = |name: &str| -> u64 {
        env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} is not a number"))
    };
    let version = soname_version(
        part("CARGO_PKG_VERSION_MAJOR"),
        part("CARGO_PKG_VERSION_MINOR"),
        part("CARGO_PKG_VERSION_PATCH"),
    );
    // [lib] name = "gradient" in Cargo.toml
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libgradient.so.{version}");
}
