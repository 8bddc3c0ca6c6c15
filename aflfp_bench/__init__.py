"""aflfp-bench: the AFLFP facial-palsy landmark benchmark toolkit.

Importing the package is cheap: it never imports torch, dlib, cv2, scipy or matplotlib.
"""

__version__ = "0.1.0"
