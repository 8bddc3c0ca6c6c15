"""What names a synthetic set: the generator's version and the rendering's parameters.

A synthetic set is named by what it is, ``AFLFP-synthetic-g3-n88-px128-seed0`` (generator
version, subjects, image side in pixels, seed), so two renderings never pass for one
another; the name is written into the set's marker file and every manifest and scores
document made from it. The demo, ``aflfp-bench synth`` and the cache agree on one default
rendering, defined here. This module imports nothing, so the command line reads its
defaults without loading the renderer.
"""

from __future__ import annotations

BASE_NAME = "AFLFP-synthetic"
#: Bump when the written files change (images, annotations, marker, subjects file): the
#: names and the demo's cache folders carry it.
GENERATOR_VERSION = 3
DEFAULT_SUBJECTS = 88
#: 128 px: half the rendering time of 256 px, and the bundled cascade reads these faces
#: almost as well (docs/results.md).
DEFAULT_SIZE = 128
DEFAULT_SEED = 0


def variant(*, subjects: int = DEFAULT_SUBJECTS, size: int = DEFAULT_SIZE,
            seed: int = DEFAULT_SEED) -> str:
    """``g3-n88-px128-seed0``: the generator version and the rendering's parameters."""
    return f"g{GENERATOR_VERSION}-n{subjects}-px{size}-seed{seed}"


def synthetic_name(**rendering) -> str:
    """The dataset name of a rendering (keywords as :func:`variant`)."""
    return f"{BASE_NAME}-{variant(**rendering)}"


def cache_folder(**rendering) -> str:
    """The folder name of a rendering in the cache (keywords as :func:`variant`)."""
    return f"synthetic-{variant(**rendering)}"
