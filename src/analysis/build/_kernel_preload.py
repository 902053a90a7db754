"""Imported once by the kernel forkserver (see :mod:`analysis.build.kernels`).

Everything a chapter kernel imports anyway; forked kernels start with it loaded.
Import only: no figures, no data, no threads started here.
"""

import ipykernel.ipkernel  # noqa: F401
import ipykernel.kernelapp  # noqa: F401
import ipykernel.zmqshell  # noqa: F401
import matplotlib.pyplot  # noqa: F401

import analysis.method.context  # noqa: F401
import analysis.rendering.figures  # noqa: F401
import analysis.rendering.maps  # noqa: F401
import analysis.views.concept_report  # noqa: F401
import analysis.views.report  # noqa: F401
