"""Which BLAS this process's torch uses for matrix products.

Debian's python3-torch is built with BLAS_INFO=generic: it calls whatever libblas.so.3 Debian's
alternatives point at. With only libblas3 installed that is the reference BLAS (one thread, about
5 GFLOP/s on a 2-core AVX2 machine); with libopenblas0-pthread it is OpenBLAS (30x faster here).
"""
import torch


def loaded_blas() -> str:
    """'openblas', 'mkl', 'reference' or 'unknown' (no /proc/self/maps), after one matrix product."""
    torch.ones(8, 8) @ torch.ones(8, 8)
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            libraries = maps.read()
    except OSError:
        return "unknown"
    if "openblas" in libraries:
        return "openblas"
    if "mkl" in libraries:
        return "mkl"
    return "reference" if "libblas.so" in libraries else "unknown"


def warn_if_reference(what: str) -> None:
    if loaded_blas() == "reference":
        print(f"warning: torch is using the reference BLAS (libblas3); {what} is several times faster with"
              " OpenBLAS: apt-get install libopenblas0-pthread", flush=True)
