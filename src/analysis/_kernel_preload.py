"""Imported once by the kernel forkserver (see :mod:`analysis.kernels`).

Everything a chapter kernel imports anyway; forked kernels start with it loaded.
Import only: no figures, no data, no threads started here.
"""

import ipykernel.ipkernel  # noqa: F401
import ipykernel.kernelapp  # noqa: F401
import ipykernel.zmqshell  # noqa: F401
import matplotlib.pyplot  # noqa: F401

import analysis.concept_report  # noqa: F401
import analysis.context  # noqa: F401
import analysis.figures  # noqa: F401
import analysis.maps  # noqa: F401
import analysis.report  # noqa: F401
