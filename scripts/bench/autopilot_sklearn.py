# The scikit-learn peers of bench:autopilot: HistGradientBoostingClassifier and
# LogisticRegression (on standardized features) with their default settings, or for
# regression HistGradientBoostingRegressor and LinearRegression, trained on the very rows the
# autopilot trained and validated on and tested on its test rows (accuracy, or RMSE). Reads
# DIR/meta.json and the float32 files DIR/{train,test}_{x,y}.f32; prints one JSON line.
import json
import sys
import time

import numpy as np
from sklearn import __version__ as sklearn_version
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

directory = sys.argv[1]
meta = json.load(open(f"{directory}/meta.json"))
cols = meta["cols"]


def load(name):
    return np.fromfile(f"{directory}/{name}.f32", dtype=np.float32)


regression = meta.get("task") == "regression"
train_x = load("train_x").reshape(-1, cols)
test_x = load("test_x").reshape(-1, cols)
train_y = load("train_y") if regression else load("train_y").astype(np.int64)
test_y = load("test_y") if regression else load("test_y").astype(np.int64)
peers = (
    [("hgb", HistGradientBoostingRegressor(random_state=0)), ("linear", make_pipeline(StandardScaler(), LinearRegression()))]
    if regression
    else [
        ("hgb", HistGradientBoostingClassifier(random_state=0)),
        ("logreg", make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))),
    ]
)
out = {"sklearn": sklearn_version}
for name, model in peers:
    started = time.perf_counter()
    model.fit(train_x, train_y)
    fit_ms = (time.perf_counter() - started) * 1000
    predicted = model.predict(test_x)
    score = (
        {"rmse": float(np.sqrt(np.mean((predicted - test_y) ** 2)))}
        if regression
        else {"accuracy": float((predicted == test_y).mean())}
    )
    out[name] = {"trainMs": fit_ms, **score}
print(json.dumps(out), flush=True)
