"""A checker for German a committee reader would stumble over (used by unit and e2e tests)."""

from __future__ import annotations

import re

# mistakes a reader stumbles over: a number that disagrees with its noun or verb,
# a digit where style wants a word, "0 …" instead of "kein …"
STUMBLES = [
    (re.compile(r"(?<![\d.,])1 (Sozialräume|Kommunen|Felder|Kernindikatoren)\b"), "1 mit Plural"),
    (re.compile(r"(?<![\d.,])(?:[2-9]|1[0-2]) (Sozialraum|Kommune|Feld|Kernindikator)\b"), "Plural mit Singular"),
    (re.compile(r"(?<![\d.,])0 (Sozialr|Kommune|Feld|dieser|davon)"), "0 statt kein"),
    (re.compile(r"\b(haben|zeigen|gelten) (ein|eine|einer|1) (Sozialraum|Kommune)\b"), "Verb im Plural"),
    (re.compile(r"\b(hat|zeigt|gilt) (zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|\d+) "
                r"(Sozialräume|Kommunen) (Handlungsbedarf|als)\b"), "Verb im Singular"),
    (re.compile(r"(?<![\d.,])1 (?:davon )?(haben|sind|zeigen|liegen|gelten)\b"), "1 mit Verb im Plural"),
    (re.compile(r"\b(?:kein|keine|keinen|keinem|keiner) [A-ZÄÖÜ]\w* (?:kein|keine|keinen|nicht)\b"),
     "doppelte Verneinung"),
    (re.compile(r"\([^()]*\([^()]*\)\s*\)"), "Klammer in Klammer"),
    (re.compile(r"\) \((?:\d|[a-zäöü])"), "Klammern hintereinander"),
    (re.compile(r"\s[,.;]"), "Leerzeichen vor Satzzeichen"),
    (re.compile(r"\.\."), "doppelter Punkt"),
]


def stumbles(text: str) -> list[str]:
    """Names of the mistakes found in ``text``."""
    return [name for pattern, name in STUMBLES if pattern.search(text)]
