"""A detector plugin as a user's own package would write it (docs/detectors.md): one
class on the toolkit's base, registered under the entry-point group
``aflfp_bench.adapters``."""

import numpy as np

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
