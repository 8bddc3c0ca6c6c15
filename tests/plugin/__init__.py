"""Plugins as a user's own package would write them: a detector (docs/detectors.md), one
class on the toolkit's base registered under the entry-point group
``aflfp_bench.adapters``, and a prediction format (docs/formats.md), one declaration
registered under ``aflfp_bench.prediction_formats``."""

import numpy as np

from aflfp_bench.reading.formats import PredictionFormat, Records
from aflfp_bench.running.adapters import Adapter

#: A box-relative template: every point in the box's centre column, evenly down it.
TEMPLATE = np.column_stack([np.full(68, 0.5), np.linspace(0.1, 0.9, 68)])


class CentreLine(Adapter):
    name = "centre-line"
    needs_image = False          # it only uses the face box
    detector = None

    def predict(self, image, box):
        x, y, w, h = box
        return np.column_stack([x + TEMPLATE[:, 0] * w, y + TEMPLATE[:, 1] * h])


def read_hash_lines(request):
    """``#hashlines`` then one line per image: its id, then x y of every point."""
    lines = request.path.read_text().splitlines()[1:]
    ids = [line.split()[0] for line in lines]
    points = np.array([[float(v) for v in line.split()[1:]] for line in lines]).reshape(
        len(lines), -1, 2)
    return Records(ids, points, lambda i: f"{request.path}:{i + 2}",
                   lambda p, axis: f"point {p} {'xy'[axis]}", found=f"{points.shape[1]} points")


HASH_LINES = PredictionFormat("hashlines", "file", "a hashlines file (#hashlines)",
                              lambda head: head.startswith(b"#hashlines"), read_hash_lines)
#: Declared as a user might get it wrong: the name of a format the toolkit has.
TAKEN = PredictionFormat("wide", "file", "another wide", lambda head: False, read_hash_lines)
#: A reader that returns no records.
NOTHING = PredictionFormat("nothing", "file", "a #nothing file",
                           lambda head: head.startswith(b"#nothing"), lambda request: None)
