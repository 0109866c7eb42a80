# gradient: numpy.gradient, bit-identical, built and installed like a C library.
#
#   make                          release build (cargo), with an ELF SONAME
#   make install PREFIX=/usr/local [DESTDIR=/staging] [LIBDIR=...]
#   make uninstall PREFIX=...     removes what install put there
#   make test                     ./scripts/test.sh, the project's test suite
#   make test-packaging           ./scripts/test-packaging.sh (install, link, run)
#   make demo                     ./scripts/demo.sh
#   make bench                    ./scripts/bench.sh
#   make clean                    cargo clean
#
# install lays out:
#   $(INCLUDEDIR)/gradient.h            the C header (C and C++)
#   $(INCLUDEDIR)/gradient.f90          the Fortran 2008 module `gradient` (source)
#   $(LIBDIR)/libgradient.so.X.Y.Z      the shared library, SONAME libgradient.so.$(SOVERSION)
#   $(LIBDIR)/libgradient.so.$(SOVERSION) -> libgradient.so.X.Y.Z
#   $(LIBDIR)/libgradient.so            -> libgradient.so.X.Y.Z   (for -lgradient)
#   $(LIBDIR)/libgradient.a             the static library
#   $(PKGCONFIGDIR)/gradient.pc         pkg-config (Libs.private for static links)
#   $(DATADIR)/gradient/python/gradient_ctypes.py   Python module (ctypes)
#   $(DATADIR)/gradient/julia/Gradient.jl           Julia wrapper (ccall)
#   $(CMAKEDIR)/gradientConfig.cmake, gradientConfigVersion.cmake
#                                       the CMake package (find_package(gradient CONFIG))
#   $(DOCDIR)/                          README, CHANGELOG, licences, docs/ (reference manual)
#
# The SONAME follows cargo-c: libgradient.so.0.M for versions 0.M.x,
# libgradient.so.0.0.P for 0.0.P, libgradient.so.M from 1.0. build.rs sets
# it when GRADIENT_SONAME=1, which only this Makefile passes: a plain
# `cargo build`/`cargo test` links no SONAME (see build.rs). Switching between
# the two rebuilds the gradient crate once (not its dependencies).

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

CARGO ?= cargo
INSTALL ?= install
PREFIX ?= /usr/local
EXEC_PREFIX ?= $(PREFIX)
LIBDIR ?= $(EXEC_PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
CMAKEDIR ?= $(LIBDIR)/cmake/gradient
DOCDIR ?= $(DATADIR)/doc/gradient
DESTDIR ?=

# cargo's target directory, honoured like cargo does (relative to the source)
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
ifeq ($(filter /%,$(TARGET_DIR)),)
TARGET_DIR := $(ROOT)/$(TARGET_DIR)
endif
export CARGO_TARGET_DIR := $(TARGET_DIR)
RELEASE_DIR := $(TARGET_DIR)/release
BUILD_LOG := $(RELEASE_DIR)/gradient-build.log
NATIVE_LIBS := $(RELEASE_DIR)/gradient-native-static-libs.txt

# version from Cargo.toml's [package] table
VERSION := $(shell awk -F'"' '/^\[/ { p = ($$0 == "[package]") } p && /^version *=/ { print $$2; exit }' $(ROOT)/Cargo.toml)
VERSION_NUMBERS := $(subst ., ,$(firstword $(subst -, ,$(subst +, ,$(VERSION)))))
MAJOR := $(word 1,$(VERSION_NUMBERS))
MINOR := $(word 2,$(VERSION_NUMBERS))
PATCH := $(word 3,$(VERSION_NUMBERS))
ifeq ($(MAJOR),0)
ifeq ($(MINOR),0)
SOVERSION := 0.0.$(PATCH)
else
SOVERSION := 0.$(MINOR)
endif
else
SOVERSION := $(MAJOR)
endif
ifeq ($(PATCH),)
$(error could not read the [package] version from $(ROOT)/Cargo.toml (got "$(VERSION)"))
endif
SHLIB := libgradient.so.$(MAJOR).$(MINOR).$(PATCH)
SONAME := libgradient.so.$(SOVERSION)

.PHONY: all build install uninstall test check test-packaging demo bench clean print-version

all: build

# One cargo invocation builds the cdylib, staticlib and rlib. `cargo rustc`
# passes --print native-static-libs to rustc, whose note (replayed by cargo
# when nothing needs rebuilding) gives the static library's system libraries
# for gradient.pc's Libs.private.
build:
	@mkdir -p $(RELEASE_DIR)
	GRADIENT_SONAME=1 CARGO_TERM_COLOR=never $(CARGO) rustc --manifest-path $(ROOT)/Cargo.toml \
	    --release --lib -- --print native-static-libs 2>&1 | tee $(BUILD_LOG)
	@sed -n 's/^note: native-static-libs: //p' $(BUILD_LOG) | tail -n 1 > $(NATIVE_LIBS)
	@test -s $(NATIVE_LIBS) || { echo "make: rustc printed no native-static-libs (see $(BUILD_LOG))" >&2; exit 1; }
	@test -f $(RELEASE_DIR)/libgradient.so && test -f $(RELEASE_DIR)/libgradient.a
	@# a binary linked against $(RELEASE_DIR)/libgradient.so records the SONAME
	@ln -sfn libgradient.so $(RELEASE_DIR)/$(SONAME)
	@echo "built $(RELEASE_DIR)/libgradient.so (SONAME $(SONAME)) and libgradient.a, version $(VERSION)"

# ${prefix}-relative paths in gradient.pc when they are under PREFIX
pc_path = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))
# PREFIX-relative paths in gradientConfig.cmake (relocatable) when they are under it
rel_path = $(patsubst $(PREFIX)/%,%,$(1))
# from CMAKEDIR up to PREFIX: one ".." per directory below PREFIX
CMAKE_TO_PREFIX = $(if $(filter $(PREFIX)/%,$(CMAKEDIR)),$(subst $(eval) ,/,$(patsubst %,..,$(subst /, ,$(call rel_path,$(CMAKEDIR))))),$(PREFIX))
# installed as they are in the tree (DOCDIR/README.md, DOCDIR/docs/...), so relative links work
TOP_DOCS := README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE
DOCS_DOCS := $(patsubst $(ROOT)/%,%,$(wildcard $(ROOT)/docs/*.md)) docs/bench.png docs/periodic.png

install: build
	$(INSTALL) -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
	    $(DESTDIR)$(DATADIR)/gradient/python $(DESTDIR)$(DATADIR)/gradient/julia \
	    $(DESTDIR)$(CMAKEDIR) $(DESTDIR)$(DOCDIR)/docs
	$(INSTALL) -m 644 $(ROOT)/include/gradient.h $(DESTDIR)$(INCLUDEDIR)/gradient.h
	$(INSTALL) -m 644 $(ROOT)/fortran/gradient.f90 $(DESTDIR)$(INCLUDEDIR)/gradient.f90
	$(INSTALL) -m 644 $(RELEASE_DIR)/libgradient.a $(DESTDIR)$(LIBDIR)/libgradient.a
	$(INSTALL) -m 755 $(RELEASE_DIR)/libgradient.so $(DESTDIR)$(LIBDIR)/$(SHLIB)
	@if [ "$(SONAME)" != "$(SHLIB)" ]; then \
	    echo "ln -sfn $(SHLIB) $(DESTDIR)$(LIBDIR)/$(SONAME)"; \
	    ln -sfn $(SHLIB) $(DESTDIR)$(LIBDIR)/$(SONAME); fi
	ln -sfn $(SHLIB) $(DESTDIR)$(LIBDIR)/libgradient.so
	sed -e 's|@PREFIX@|$(PREFIX)|g' \
	    -e 's|@LIBDIR@|$(call pc_path,$(LIBDIR))|g' \
	    -e 's|@INCLUDEDIR@|$(call pc_path,$(INCLUDEDIR))|g' \
	    -e 's|@VERSION@|$(VERSION)|g' \
	    -e "s|@LIBS_PRIVATE@|$$(cat $(NATIVE_LIBS))|g" \
	    $(ROOT)/gradient.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/gradient.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/gradient.pc
	sed -e 's|^_INSTALLED_LIBDIR = "@LIBDIR@"|_INSTALLED_LIBDIR = "$(LIBDIR)"|' \
	    $(ROOT)/python/gradient_ctypes.py > $(DESTDIR)$(DATADIR)/gradient/python/gradient_ctypes.py
	sed -e 's|^const INSTALLED_LIBDIR = "@LIBDIR@"|const INSTALLED_LIBDIR = "$(LIBDIR)"|' \
	    $(ROOT)/julia/Gradient.jl > $(DESTDIR)$(DATADIR)/gradient/julia/Gradient.jl
	chmod 644 $(DESTDIR)$(DATADIR)/gradient/python/gradient_ctypes.py \
	    $(DESTDIR)$(DATADIR)/gradient/julia/Gradient.jl
	sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@SOVERSION@|$(SOVERSION)|g' \
	    -e 's|@SHLIB@|$(SHLIB)|g' -e 's|@SONAME@|$(SONAME)|g' \
	    -e 's|@CMAKE_TO_PREFIX@|$(CMAKE_TO_PREFIX)|g' \
	    -e 's|@LIBDIR_REL@|$(call rel_path,$(LIBDIR))|g' \
	    -e 's|@INCLUDEDIR_REL@|$(call rel_path,$(INCLUDEDIR))|g' \
	    -e "s|@LIBS_PRIVATE_CMAKE@|$$(sed -e 's/^ *//' -e 's/ *$$//' -e 's/-l//g' -e 's/  */;/g' $(NATIVE_LIBS))|g" \
	    $(ROOT)/cmake/gradientConfig.cmake.in > $(DESTDIR)$(CMAKEDIR)/gradientConfig.cmake
	sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@MAJOR@|$(MAJOR)|g' -e 's|@MINOR@|$(MINOR)|g' \
	    -e "s|@SIZEOF_VOID_P@|$$(( $$(getconf LONG_BIT) / 8 ))|g" \
	    $(ROOT)/cmake/gradientConfigVersion.cmake.in > $(DESTDIR)$(CMAKEDIR)/gradientConfigVersion.cmake
	chmod 644 $(DESTDIR)$(CMAKEDIR)/gradientConfig.cmake $(DESTDIR)$(CMAKEDIR)/gradientConfigVersion.cmake
	cd $(ROOT) && $(INSTALL) -m 644 $(TOP_DOCS) $(DESTDIR)$(DOCDIR)/ && \
	    $(INSTALL) -m 644 $(DOCS_DOCS) $(DESTDIR)$(DOCDIR)/docs/
	@echo "installed gradient $(VERSION) into $(DESTDIR)$(PREFIX)"

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/gradient.h $(DESTDIR)$(INCLUDEDIR)/gradient.f90 \
	    $(DESTDIR)$(LIBDIR)/libgradient.a $(DESTDIR)$(LIBDIR)/$(SHLIB) \
	    $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libgradient.so \
	    $(DESTDIR)$(PKGCONFIGDIR)/gradient.pc \
	    $(DESTDIR)$(DATADIR)/gradient/python/gradient_ctypes.py \
	    $(DESTDIR)$(DATADIR)/gradient/julia/Gradient.jl \
	    $(DESTDIR)$(CMAKEDIR)/gradientConfig.cmake $(DESTDIR)$(CMAKEDIR)/gradientConfigVersion.cmake \
	    $(addprefix $(DESTDIR)$(DOCDIR)/,$(TOP_DOCS) $(DOCS_DOCS))
	-rmdir $(DESTDIR)$(DATADIR)/gradient/python $(DESTDIR)$(DATADIR)/gradient/julia \
	    $(DESTDIR)$(DATADIR)/gradient $(DESTDIR)$(CMAKEDIR) $(DESTDIR)$(LIBDIR)/cmake \
	    $(DESTDIR)$(DOCDIR)/docs $(DESTDIR)$(DOCDIR) 2>/dev/null

test:
	$(ROOT)/scripts/test.sh

check: test

test-packaging:
	$(ROOT)/scripts/test-packaging.sh

demo:
	$(ROOT)/scripts/demo.sh

bench:
	$(ROOT)/scripts/bench.sh

clean:
	$(CARGO) clean --manifest-path $(ROOT)/Cargo.toml

print-version:
	@echo "VERSION=$(VERSION) SOVERSION=$(SOVERSION) SONAME=$(SONAME) SHLIB=$(SHLIB)"
