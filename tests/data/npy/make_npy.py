"""Writes the .npy fixtures of tests/runtime/test_npy.cpp with real numpy (numpy.save and
numpy.lib.format.write_array), so that the reader is checked against files numpy itself wrote
and the writer against numpy's bytes. The values are simple formulas the test rebuilds.

usage: .venv-tfjs/bin/python tests/data/npy/make_npy.py [DIR]   (default: this folder)
"""
import os
import sys

import numpy as np

out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))


def save(name, array, version=None):
    path = os.path.join(out, name)
    if version is None:
        np.save(path, array, allow_pickle=False)
    else:
        with open(path, "wb") as f:
            np.lib.format.write_array(f, array, version=version, allow_pickle=False)


# x[i] = i / 4 - 1 over the flat index: exact in float32 and float64.
f4 = (np.arange(6, dtype=np.float32) / 4 - 1).reshape(2, 3)
save("f4_2x3.npy", f4)
save("f4_2x3_v2.npy", f4, version=(2, 0))
save("f4_2x3_v3.npy", f4, version=(3, 0))
save("f4_scalar.npy", np.array(3.5, dtype=np.float32))
save("f4_0x3.npy", np.zeros((0, 3), dtype=np.float32))
save("f4_1x2x1x3.npy", (np.arange(6, dtype=np.float32) / 4 - 1).reshape(1, 2, 1, 3))
save("f8_exact.npy", np.arange(4, dtype=np.float64) * 0.5)
save("f8_inexact.npy", np.array([0.5, 0.1], dtype=np.float64))
save("i4_3.npy", np.array([-2147483648, 0, 2147483647], dtype=np.int32))
save("i8_fits.npy", np.array([-5, 0, 7, 2147483647], dtype=np.int64))
save("i8_overflow.npy", np.array([1, 2**31], dtype=np.int64))
save("b1_2x2.npy", np.array([[True, False], [False, True]]))
save("u1_4.npy", np.array([0, 1, 128, 255], dtype=np.uint8))
# What the reader must refuse, each for its own reason.
save("fortran_2x3.npy", np.asfortranarray(f4))
save("big_endian_f4.npy", f4.astype(">f4"))
save("f2_2.npy", np.array([1, 2], dtype=np.float16))
save("c8_2.npy", np.array([1 + 2j, 3], dtype=np.complex64))
save("u3_2.npy", np.array(["ab", "cde"], dtype="<U3"))
save("structured_2.npy", np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]))
print("numpy", np.__version__, "wrote the fixtures in", out)
