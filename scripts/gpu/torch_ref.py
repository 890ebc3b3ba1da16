#!/usr/bin/env python3
"""PyTorch fp32 GEMM reference for the kiln-cuda sgemm bench (scripts/bench/cuda-gemm.ts).

Prints one JSON line per measurement, e.g.
  {"op":"sgemm","impl":"torch","tf32":false,"m":4096,"n":4096,"k":4096,"ms":...,"gflops":...,"device":"NVIDIA H100 ..."}
torch.mm on cuda:0 with TF32 off (true fp32, the number to compare kiln-cuda against) and on
(tensor cores, an upper bound). Timed with CUDA events after warm-up, inputs resident on the
device. Without torch or a CUDA device it prints one {"op":"sgemm","impl":"torch","skipped":reason}
line and exits 0, so callers can always parse its output.

usage: torch_ref.py [--shape MxNxK ...] [--seconds S]
"""
import argparse
import json
import sys


def emit(obj):
    print(json.dumps(obj), flush=True)


def shape(text):
    parts = [int(p) for p in text.split("x")]
    if len(parts) != 3 or any(p < 1 for p in parts):
        raise argparse.ArgumentTypeError(f"expected MxNxK, got {text!r}")
    return parts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", type=shape, action="append", default=[])
    ap.add_argument("--seconds", type=float, default=1.0)
    args = ap.parse_args()
    shapes = args.shape or [[4096, 4096, 4096]]

    try:
        import torch
    except Exception as err:  # ImportError, or a broken install
        emit({"op": "sgemm", "impl": "torch", "skipped": f"torch not importable: {err}"})
        return 0
    if not torch.cuda.is_available():
        emit({"op": "sgemm", "impl": "torch", "skipped": f"torch {torch.__version__}: no CUDA device"})
        return 0

    dev = torch.device("cuda:0")
    name = torch.cuda.get_device_name(dev)
    saved = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    try:
        for m, n, k in shapes:
            gen = torch.Generator(device=dev).manual_seed(1)
            a = torch.rand((m, k), device=dev, generator=gen) * 2 - 1
            b = torch.rand((k, n), device=dev, generator=gen) * 2 - 1
            c = torch.empty((m, n), device=dev)
            for tf32 in (False, True):
                torch.backends.cuda.matmul.allow_tf32 = tf32
                torch.backends.cudnn.allow_tf32 = tf32
                for _ in range(3):  # warm-up: cuBLAS heuristics, clocks
                    torch.mm(a, b, out=c)
                torch.cuda.synchronize()
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                # probe to size the timed run to about --seconds of device time
                start.record()
                for _ in range(3):
                    torch.mm(a, b, out=c)
                end.record()
                end.synchronize()
                probe_ms = start.elapsed_time(end) / 3
                iters = max(3, min(100_000, round(args.seconds * 1000 / max(probe_ms, 1e-3))))
                start.record()
                for _ in range(iters):
                    torch.mm(a, b, out=c)
                end.record()
                end.synchronize()
                ms = start.elapsed_time(end) / iters
                gflops = 2 * m * n * k / (ms / 1000) / 1e9
                emit({"op": "sgemm", "impl": "torch", "tf32": tf32, "m": m, "n": n, "k": k,
                      "ms": round(ms, 4), "iters": iters, "gflops": round(gflops, 2), "device": name,
                      "torch": torch.__version__, "cuda": torch.version.cuda})
    except Exception as err:
        emit({"op": "sgemm", "impl": "torch", "error": f"{type(err).__name__}: {err}"})
        return 1
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved
    return 0


if __name__ == "__main__":
    sys.exit(main())
