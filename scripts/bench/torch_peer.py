# The PyTorch peer of bench:train (Debian python3-torch, /usr/bin/python3): the same
# models, the same standardized samples in the same per-epoch orders, batch and optimizer
# as the Kiln side, trained the way a researcher would write it in eager PyTorch (logits
# into CrossEntropyLoss, Adam). Reads DIR/meta.json and the files the bench wrote:
# DIR/{train,test}_x.f32 (NHWC images), DIR/{train,test}_y.i32 (labels) and
# DIR/order_<epoch>.i32 (each epoch's sample order). Prints one JSON line per model.
import json
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn

directory = sys.argv[1]
meta = json.load(open(f"{directory}/meta.json"))
torch.set_num_threads(meta["threads"])
torch.set_num_interop_threads(1)
torch.manual_seed(meta["seed"])


def load(name, dtype):
    return torch.from_numpy(np.fromfile(f"{directory}/{name}", dtype=dtype))


h, w = meta["image"]
train_x = load("train_x.f32", np.float32).reshape(-1, 1, h, w)
train_y = load("train_y.i32", np.int32).long()
test_x = load("test_x.f32", np.float32).reshape(-1, 1, h, w)
test_y = load("test_y.i32", np.int32).long()


# Glorot-uniform weights and zero biases, as tfjs-layers initializes the Kiln side.
def init(module):
    if isinstance(module, (nn.Linear, nn.Conv2d)):
        nn.init.xavier_uniform_(module.weight)
        nn.init.zeros_(module.bias)


def mlp(dropout):
    layers = [nn.Flatten()]
    width = h * w
    for units in (256, 128):
        layers += [nn.Linear(width, units), nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = units
    return nn.Sequential(*layers, nn.Linear(width, 10))


def cnn(dropout):
    layers = []
    channels = 1
    for filters in (32, 64):
        layers += [nn.Conv2d(channels, filters, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
        channels = filters
    layers += [nn.Flatten(), nn.Linear(channels * (h // 4) * (w // 4), 128), nn.ReLU()]
    if dropout > 0:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers, nn.Linear(128, 10))


for spec in meta["models"]:
    model = (mlp if spec["model"] == "mlp" else cnn)(spec["dropout"])
    model.apply(init)
    # tfjs' Adam epsilon is 1e-7 (PyTorch's default 1e-8).
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    samples, batch = spec["samples"], meta["batch"]
    x_all, y_all = train_x[:samples], train_y[:samples]
    precision = spec.get("precision", "fp32")

    def step(xb, yb):
        optimizer.zero_grad(set_to_none=True)
        if precision == "bf16":
            with torch.autocast("cpu", dtype=torch.bfloat16):
                loss = loss_fn(model(xb), yb)
        else:
            loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()

    model.train()
    step(x_all[:batch], y_all[:batch])  # warm-up: allocation and kernel selection
    times = []
    for epoch in range(spec["epochs"]):
        start = time.perf_counter()
        order = load(f"order_{epoch}.i32", np.int32).long()
        x, y = x_all[order], y_all[order]
        for i in range(0, samples, batch):
            step(x[i : i + batch], y[i : i + batch])
        times.append(time.perf_counter() - start)
    model.eval()
    with torch.no_grad():
        correct = sum(
            int((model(test_x[i : i + 1000]).argmax(1) == test_y[i : i + 1000]).sum())
            for i in range(0, len(test_y), 1000)
        )
    epoch_s = statistics.median(times)
    print(
        json.dumps(
            {
                "model": spec["model"],
                "precision": precision,
                "epoch_s": epoch_s,
                "samples_per_s": samples / epoch_s,
                "test_acc": correct / len(test_y),
                "torch": torch.__version__,
            }
        ),
        flush=True,
    )
