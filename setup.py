"""Build of the `ndgradient` wheel (see pyproject.toml).

setuptools-rust compiles the crate's cdylib in release mode (binding
NoBinding: the library is plain C, the Python side is ctypes) and copies it
into the package as ndgradient/libgradient.so (.dylib, .dll). Because no
CPython ABI is used, the wheel is tagged py3-none-<platform>: one wheel per
platform serves every Python 3 version.
"""

import os
import re
import sys

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools_rust import Binding, RustExtension
from setuptools_rust.build import build_rust

try:
    from setuptools.command.bdist_wheel import bdist_wheel  # setuptools >= 70.1
except ImportError:  # pragma: no cover
    from wheel.bdist_wheel import bdist_wheel

ROOT = os.path.dirname(os.path.abspath(__file__))


def crate_version():
    with open(os.path.join(ROOT, "Cargo.toml")) as f:
        for line in f:
            m = re.match(r'^version\s*=\s*"([^"]+)"', line)
            if m:
                return m.group(1)
    raise RuntimeError("no version in Cargo.toml")


def library_name():
    if sys.platform == "darwin":
        return "libgradient.dylib"
    if sys.platform == "win32":
        return "gradient.dll"
    return "libgradient.so"


class build_rust_plain_name(build_rust):
    """Installs the cdylib as ndgradient/libgradient.so rather than under a
    CPython extension-module name: it is a C library, not a module."""

    def get_dylib_ext_path(self, ext, target_fname):
        path = super().get_dylib_ext_path(ext, target_fname)
        return os.path.join(os.path.dirname(path), library_name())


class build_py_version(build_py):
    """Writes ndgradient/_version.py (the crate's version) into the build."""

    def run(self):
        super().run()
        target = os.path.join(self.build_lib, "ndgradient", "_version.py")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as f:
            f.write('__version__ = "%s"\n' % crate_version())


class bdist_wheel_py3_none(bdist_wheel):
    """py3-none-<platform>: the package holds a C library and pure Python."""

    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        _, _, plat = super().get_tag()
        return "py3", "none", plat


setup(
    version=crate_version(),
    packages=["ndgradient"],
    package_dir={"": "python"},
    package_data={"ndgradient": ["py.typed"]},
    rust_extensions=[
        RustExtension(
            "ndgradient.libgradient",
            path="Cargo.toml",
            binding=Binding.NoBinding,
            debug=False,
        )
    ],
    cmdclass={
        "build_rust": build_rust_plain_name,
        "build_py": build_py_version,
        "bdist_wheel": bdist_wheel_py3_none,
    },
    zip_safe=False,
)
