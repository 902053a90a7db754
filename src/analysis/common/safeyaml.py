"""Loading YAML written by users (``config/report.yaml``, front matter of ``befunde``).

Only the safe standard tags are constructed (``yaml.SafeLoader``), and:

* anchors and aliases (``&name`` / ``*name``) are refused – alias expansion ("billion
  laughs") lets a few lines of YAML grow into gigabytes, and neither file needs them;
* whole numbers of more than :data:`MAX_DIGITS` digits are refused (Python would raise a
  bare ``ValueError`` for more than 4300 digits).

A refusal is a :class:`yaml.constructor.ConstructorError` (a ``yaml.YAMLError``) with the
position of the offending node, so callers report it like any other YAML error.
"""

from __future__ import annotations

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent

MAX_DIGITS = 30


class SafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` without anchors/aliases and with bounded integers."""

    def compose_node(self, parent, index):
        if self.check_event(AliasEvent):
            event = self.peek_event()
            raise ComposerError(None, None, f"YAML-Alias „*{event.anchor}“ ist nicht erlaubt",
                                event.start_mark)
        event = self.peek_event()
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise ComposerError(None, None, f"YAML-Anker „&{anchor}“ ist nicht erlaubt",
                                event.start_mark)
        return super().compose_node(parent, index)

    def construct_yaml_int(self, node):
        digits = sum(c.isdigit() for c in str(node.value))
        if digits > MAX_DIGITS:
            raise ConstructorError(None, None, f"Zahl mit {digits} Ziffern ist zu lang",
                                   node.start_mark)
        return super().construct_yaml_int(node)


SafeLoader.add_constructor("tag:yaml.org,2002:int", SafeLoader.construct_yaml_int)


def refused(exc: yaml.YAMLError) -> str | None:
    """The German reason if ``exc`` is one of this loader's refusals, else ``None``."""
    problem = getattr(exc, "problem", None)
    if isinstance(problem, str) and ("nicht erlaubt" in problem or "zu lang" in problem):
        return problem
    return None


def load(text: str):
    """``yaml.safe_load`` with the restrictions above."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - SafeLoader subclass
