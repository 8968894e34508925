"""Print the environment of a floating-point setup other than this machine's own.

Usage: env $(python tools/fpsetup.py) COMMAND

Floating-point results differ in their last bits between processors: OpenBLAS
picks a kernel per processor (each sums in its own order) and NumPy takes the
widest SIMD paths the processor has. This prints the variables that make
this machine compute like another one: the next OpenBLAS kernel
(OPENBLAS_CORETYPE) and NumPy without its widest SIMD targets
(NPY_DISABLE_CPU_FEATURES, e.g. AVX2 or AVX-512 off). `make test-fp` runs
the chapters and the atlas tests under it.
"""

import threadpoolctl
from numpy._core import _multiarray_umath as simd

# Another kernel than the processor's: Sandybridge (AVX) for the AVX2 and
# AVX-512 kernels, Haswell (AVX2) where Sandybridge already is the kernel.
OTHER_KERNEL = {"sandybridge": "Haswell"}


def other_setup() -> dict:
    env = {}
    kernels = [
        i["architecture"]
        for i in threadpoolctl.threadpool_info()
        if i.get("internal_api") == "openblas"
    ]
    if kernels:
        env["OPENBLAS_CORETYPE"] = OTHER_KERNEL.get(kernels[0].lower(), "Sandybridge")
    # NumPy's dispatch targets in use beyond its baseline, narrowest first, e.g.
    # X86_V3 (AVX2) and X86_V4 (AVX-512): all but the narrowest are turned off
    # (an AVX-512 processor computes like an AVX2 one), or that one where it is
    # the only one (an AVX2 processor computes like an older one).
    enabled = [
        name for name in simd.__cpu_dispatch__ if simd.__cpu_features__.get(name)
    ]
    if enabled:
        env["NPY_DISABLE_CPU_FEATURES"] = ",".join(enabled[1:] or enabled)
    return env


if __name__ == "__main__":
    print(" ".join(f"{key}={value}" for key, value in other_setup().items()))
