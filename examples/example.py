#!/usr/bin/env python3
"""numpy.gradient from the gradient library, through python/gradient_ctypes.py.

    PYTHONPATH=<prefix>/share/gradient/python python3 example.py
"""
import numpy as np

from gradient_ctypes import GradientError, gradient, library_path, version

print("libgradient %s from %s" % (version(), library_path()))
f = np.array([[1.0, 2.0, 6.0], [3.0, 4.0, 5.0]])
d0, d1 = gradient(f, 2.0, [1.0, 1.5, 3.5])
print("d/daxis0:", d0.tolist())
print("d/daxis1:", d1.tolist())
print("equal to numpy bit for bit:",
      all(np.array_equal(a, b) for a, b in zip((d0, d1), np.gradient(f, 2.0, [1.0, 1.5, 3.5]))))
print("periodic:", gradient(np.array([0.0, 1.0, 0.0, -1.0]), boundaries="periodic").tolist())
try:
    gradient(f, edge_order=3)
except GradientError as e:
    print("edge_order=3:", e)
