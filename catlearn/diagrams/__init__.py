"""String diagrams and their compilation: building, the flat program, ready boxes, drawing.

A diagram is syntax; :func:`~catlearn.diagrams.compiler.compile` is the functor that turns it
into any semantics of :mod:`catlearn.core` (and, through ``from_program``, into kernels).
"""

from catlearn.core.program import Instruction as Instruction
from catlearn.core.program import Program as Program
from catlearn.diagrams import nn as nn
from catlearn.diagrams import pregroup as pregroup
from catlearn.diagrams import vision as vision
from catlearn.diagrams.compiler import compile as compile
from catlearn.diagrams.compiler import to_program as to_program
from catlearn.diagrams.diagram import Box as Box
from catlearn.diagrams.diagram import Diagram as Diagram
from catlearn.diagrams.diagram import Merge as Merge
from catlearn.diagrams.diagram import chain as chain
from catlearn.diagrams.diff import derivative_ar as derivative_ar
from catlearn.diagrams.diff import diff as diff
from catlearn.diagrams.draw import draw_diagram as draw_diagram
from catlearn.diagrams.draw import plot_history as plot_history
from catlearn.diagrams.nn import box_from_function as box_from_function

__all__ = [
    "Box",
    "Diagram",
    "Instruction",
    "Merge",
    "Program",
    "box_from_function",
    "chain",
    "compile",
    "derivative_ar",
    "diff",
    "draw_diagram",
    "nn",
    "plot_history",
    "pregroup",
    "to_program",
    "vision",
]
