# The scikit-learn peer of bench:gbdt: HistGradientBoostingClassifier with the parameters
# and on the very rows the Kiln side used. Reads DIR/meta.json and the float32 files
# DIR/{train,test}_{x,y}.f32 the bench wrote; prints one JSON line.
import json
import sys
import time

import numpy as np
from sklearn import __version__ as sklearn_version
from sklearn.ensemble import HistGradientBoostingClassifier

directory = sys.argv[1]
meta = json.load(open(f"{directory}/meta.json"))
cols = meta["cols"]


def load(name):
    return np.fromfile(f"{directory}/{name}.f32", dtype=np.float32)


train_x = load("train_x").reshape(-1, cols)
train_y = load("train_y").astype(np.int64)
test_x = load("test_x").reshape(-1, cols)
test_y = load("test_y").astype(np.int64)
p = meta["params"]
model = HistGradientBoostingClassifier(
    max_iter=p["trees"],
    learning_rate=p["learningRate"],
    max_leaf_nodes=p["maxLeaves"],
    max_depth=None,
    min_samples_leaf=p["minSamplesLeaf"],
    l2_regularization=p["l2"],
    max_bins=p["maxBins"],
    early_stopping=False,
    random_state=0,
)
started = time.perf_counter()
model.fit(train_x, train_y)
fit_ms = (time.perf_counter() - started) * 1000
accuracy = float((model.predict(test_x) == test_y).mean())
print(json.dumps({"trainMs": fit_ms, "accuracy": accuracy, "sklearn": sklearn_version}), flush=True)
