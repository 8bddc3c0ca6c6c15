"""Running detectors: adapters, predictions, the protocol's folds, scale-out, the
synthetic set and the demo.

:mod:`.adapters` (the base class and entry points), :mod:`.predictor` (what one worker
does), :mod:`.runner` (predict, train), :mod:`.runfile` (the resumable prediction file),
:mod:`.crossval` (the fold engine: ``cv`` and Table 3) with :mod:`.foldtask` and
:mod:`.experiment`, :mod:`.cluster` and :mod:`.scaleout` (Dask), face boxes and crops
(:mod:`.faces`, :mod:`.crops`, :mod:`.detections`, :mod:`.crop_sets`), the synthetic
renderer (:mod:`.synthetic`, :mod:`.synth`, :mod:`.synth_face`), :mod:`.quantize`,
:mod:`.demo` and :mod:`.progress`.

Layer: on every layer below it; only the command line and the API are above.
"""

#: Images per task on a Dask cluster (``predict --shard-size``).
SHARD = 256
#: Frames per task of a video on a Dask cluster: they travel decoded (a 1080p gray frame
#: is 2 MB), so a shard is smaller.
VIDEO_SHARD = 32
