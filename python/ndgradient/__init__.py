"""ndgradient: numpy.gradient, bit for bit, from the gradient Rust library.

    >>> import numpy as np, ndgradient
    >>> ndgradient.gradient(np.array([1.0, 2.0, 4.0, 7.0, 11.0, 16.0]))
    array([1. , 1.5, 2.5, 3.5, 4.5, 5. ])

``ndgradient.gradient`` is a drop-in for ``numpy.gradient`` (same
signature, same results, same types) with extras: ``accuracy``,
``boundaries``, ``periods``, ``threads`` and ``out``.  Calls the library
cannot compute to numpy's bits (float16, datetime64, masked arrays, a numpy
float64 step with float32 data, ...) are computed by numpy itself; its
docstring lists them.  ``ndgradient.dask.gradient`` does the same for dask
arrays, block by block, bit-identical to numpy on the whole array (install
``ndgradient[dask]``).

The shared library is the one bundled in this package; the environment
variable GRADIENT_LIB (a path) overrides it, for development.
"""

from ._core import GradientError, gradient, resolve_threads
from ._lib import features, library_path, version
from ._plan import Plan, plan

try:
    from ._version import __version__
except ImportError:  # a source checkout: the version is the crate's
    import os as _os
    import re as _re

    def _crate_version() -> str:
        cargo = _os.path.join(_os.path.dirname(__file__), "..", "..", "Cargo.toml")
        try:
            with open(cargo) as f:
                m = _re.search(r'(?m)^version\s*=\s*"([^"]+)"', f.read())
            return m.group(1) if m else "0+unknown"
        except OSError:
            return "0+unknown"

    __version__ = _crate_version()

__all__ = ["gradient", "plan", "Plan", "GradientError", "resolve_threads", "library_path", "version",
           "features", "__version__", "dask"]


def __getattr__(name):  # `ndgradient.dask` without importing dask at startup
    if name == "dask":
        import importlib
        return importlib.import_module(".dask", __name__)
    raise AttributeError("module 'ndgradient' has no attribute %r" % name)
