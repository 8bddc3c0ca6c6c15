"""Reading: everything the toolkit takes in, within bounds and with one-line errors.

The ground truth (:mod:`.dataset`: the Dataset and its manifest; :mod:`.loaders`: AFLFP
and 300-W folders; :mod:`.pts`, :mod:`.images`, :mod:`.urls`; :mod:`.fingerprint`: what
identifies it), prediction files (:mod:`.predictions` and one module per format in
:mod:`.formats`; :mod:`.rows`: the rows the toolkit writes), images without ground truth
(:mod:`.sources`), subjects and pixel-size files, the user's configuration and folders,
and the file handling under all of it (:mod:`.files`, :mod:`.jsonfile`, :mod:`.schema`,
:mod:`.atomic`, :mod:`.text`, :mod:`.outputs`: no output over an input).

Layer: on :mod:`aflfp_bench.protocol` only.
"""
