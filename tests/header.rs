//! The committed C header must be what cbindgen generates from src/ffi.

#[test]
fn committed_header_is_current() {
    let fresh = std::fs::read_to_string(concat!(env!("OUT_DIR"), "/gradient.h")).unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/include/gradient.h");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        fresh == committed,
        "include/gradient.h is stale (the C surface in src/ffi changed).\n\
         Regenerate it with `GRADIENT_UPDATE_HEADER=1 cargo build` and commit it; \
         never edit it by hand."
    );
}

#[test]
fn header_declares_the_frozen_abi() {
    let h = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/gradient.h"))
        .unwrap();
    for name in [
        "typedef int32_t grad_status;",
        "typedef struct grad_spacing {",
        "typedef struct grad_error {",
        "char message[256];",
        "typedef struct grad_options {",
        "typedef struct grad_complex64 {",
        "typedef struct grad_complex128 {",
        "grad_status grad_gradient_f64(const double *f,",
        "grad_status grad_gradient_f32(const float *f,",
        "grad_status grad_gradient_c64(const struct grad_complex64 *f,",
        "grad_status grad_gradient_c128(const struct grad_complex128 *f,",
        "grad_status grad_gradient(int32_t dtype,",
        "double *const *out,",
        "void *const *out,",
        "const char *grad_status_str(int32_t status);",
        "uint32_t grad_version(void);",
        "#define GRAD_STATUS_INTERNAL 99",
        "#define GRAD_DTYPE_U64 11",
        "#define GRAD_MAX_NDIM 64",
    ] {
        assert!(h.contains(name), "include/gradient.h lacks `{name}`");
    }
}
