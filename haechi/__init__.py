"""Haechi (해치): the Django project package."""

import os

# Routing multiplies small matrices per text: BLAS threads only fight the web workers for the
# cores. Set before NumPy loads (the settings import this package first); the environment wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
