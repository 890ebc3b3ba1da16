#!/usr/bin/env python3
"""PyTorch references for the kiln-cuda benches, measured in the same gpu-check run:
torch.mm for scripts/bench/cuda-gemm.ts and, with --cnn, an eager training step of the
Fashion-MNIST CNN for scripts/bench/cuda-train.ts.

Prints one JSON line per measurement, e.g.
  {"op":"sgemm","impl":"torch","tf32":false,"m":4096,"n":4096,"k":4096,"ms":...,"gflops":...,"device":"NVIDIA H100 ..."}
torch.mm on cuda:0 with TF32 off (true fp32, the number to compare kiln-cuda against) and on
(tensor cores, an upper bound). Timed with CUDA events after warm-up, inputs resident on the
device. Without torch or a CUDA device it prints one {"op":"sgemm","impl":"torch","skipped":reason}
line and exits 0, so callers can always parse its output.

--cnn B: one line per TF32 mode for the CNN Kiln's builtin model builds (conv3x3 32 same
+ relu, maxpool 2, conv3x3 64 same + relu, maxpool 2, dense 128 + relu, dropout 0.5,
dense 10; softmax cross-entropy on one-hot targets; Adam 1e-3) at batch B, eager mode:
  {"op":"train-step","impl":"torch","model":"cnn","batch":256,"tf32":false,"ms_per_step":...}
timed like the kiln bench: --cnn-steps steps after a warm-up, synchronized at the end.

usage: torch_ref.py [--shape MxNxK ...] [--seconds S] [--cnn B] [--cnn-steps N] [--no-gemm]
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
    ap.add_argument("--cnn", type=int, default=0, help="also time a CNN training step at this batch size")
    ap.add_argument("--cnn-steps", type=int, default=30)
    ap.add_argument("--no-gemm", action="store_true")
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
        for m, n, k in ([] if args.no_gemm else shapes):
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
        if args.cnn:
            for tf32 in (False, True):
                torch.backends.cuda.matmul.allow_tf32 = tf32
                torch.backends.cudnn.allow_tf32 = tf32
                emit(cnn_step(torch, dev, name, args.cnn, args.cnn_steps, tf32))
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved
    return 0


def cnn_step(torch, dev, name, batch, steps, tf32):
    """Milliseconds per eager training step of the builtin CNN (see the module doc)."""
    nn = torch.nn
    torch.manual_seed(42)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(7 * 7 * 64, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10),
    ).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator(device=dev).manual_seed(7)
    x = torch.rand((steps, batch, 1, 28, 28), device=dev, generator=gen)
    y = torch.nn.functional.one_hot(torch.randint(0, 10, (steps, batch), device=dev, generator=gen), 10).float()

    def step(i):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[i]), y[i])
        loss.backward()
        opt.step()
        return loss

    for i in range(3):  # warm-up: cuDNN algorithm choice, allocator, kernels loaded
        step(i % steps)
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for i in range(steps):
        loss = step(i)
    end.record()
    end.synchronize()
    ms = start.elapsed_time(end) / steps
    return {"op": "train-step", "impl": "torch", "model": "cnn", "batch": batch, "tf32": tf32, "steps": steps,
            "ms_per_step": round(ms, 3), "samples_per_s": round(batch / (ms / 1000)), "loss": round(loss.item(), 4),
            "device": name, "torch": torch.__version__}


if __name__ == "__main__":
    sys.exit(main())
