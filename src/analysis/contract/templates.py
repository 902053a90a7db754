"""The placeholder syntax of the text files, with count forms (Zählformen).

A text a planner edits is Markdown with placeholders. Besides the plain ``{name}`` a
placeholder can say how a value is written – the forms follow ICU MessageFormat, with the
German house style of the reports built in::

    {name}                      the value as it is
    {name, zahl}                a number in digits, German notation: 1.234
    {name, wort}                a number in words up to twelve, then digits: drei, 15
    {name, Wort}                the same, capitalised (at the start of a sentence): Drei
    {name, liste}               a list: „A, B und C“ (ties are all listed)
    {name, liste, sowie}        a list with „sowie“: „A, B sowie C“ (items contain „und“)
    {name, liste, semikolon}    items that contain commas: „A: 1; B: 2“
    {name, plural, =0 {kein Sozialraum} one {ein Sozialraum} other {# Sozialräume}}
    {name, select, ja {…} other {…}}

``plural`` chooses a form by the count (for a list: its length): an exact ``=N`` form
first, else the German plural category from the Unicode CLDR rules (Babel: ``one`` for
exactly 1, ``other`` for everything else); ``other`` is required. Inside a form ``#``
stands for the count, written as running text requires (``wort``). Gender and case are
written out in the forms (``=0 {keinem Fall} one {einem Fall} other {# Fällen}``).
``select`` chooses a form by a value (``ja``/``nein``, a kind …); ``other`` is required.
Forms may contain placeholders again (nested). ``{{`` and ``}}`` write literal braces in
running text; inside a form, braces are structure.

Malformed templates raise :class:`TemplateError` with the position; the loaders turn it
into a located German :class:`~analysis.common.errors.ConfigError` (file, line, the
placeholder, the fix).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from babel.plural import PluralRule

from analysis.common import fmt

#: what a placeholder can say after its name
FORMATS = ("zahl", "wort", "Wort", "liste", "plural", "select")
#: kinds of value a text may be given (:func:`check` with declared slots)
COUNT, LIST, TEXT = "zahl", "liste", "text"
_JOINERS = ("und", "sowie", "semikolon")
_EXAMPLE = "{anzahl, plural, =0 {kein Sozialraum} one {ein Sozialraum} other {# Sozialräume}}"


@lru_cache(maxsize=1)
def plural_rule() -> PluralRule:
    """The CLDR plural rule of German (``one``: exactly 1 without decimals; else ``other``)."""
    from babel import Locale

    return Locale.parse(fmt.LOCALE).plural_form


def plural_categories() -> tuple[str, ...]:
    """The plural categories German has (``one``, ``other``)."""
    return (*sorted(plural_rule().tags), "other")


class TemplateError(ValueError):
    """A malformed template: ``pos`` is the offset in the text, ``snippet`` the placeholder."""

    def __init__(self, message: str, pos: int, snippet: str = "", fix: str = "") -> None:
        super().__init__(message)
        self.message, self.pos, self.snippet, self.fix = message, pos, snippet, fix


@dataclass(frozen=True)
class Placeholder:
    """``{name}``, ``{name, format}``, ``{name, plural|select, key {…} …}``."""

    name: str
    pos: int
    end: int
    format: str = ""
    arg: str = ""
    forms: tuple[tuple[str, tuple], ...] = field(default=())


@dataclass(frozen=True)
class Hash:
    """``#`` inside a plural form: the count."""

    pos: int


def _line_snippet(text: str, pos: int, end: int | None = None) -> str:
    end = end if end is not None else min(len(text), pos + 40)
    s = " ".join(text[pos:end].split())
    return s if len(s) <= 70 else s[:67] + "…"


class _Parser:
    def __init__(self, text: str) -> None:
        self.t = text
        self.n = len(text)

    def error(self, msg: str, pos: int, start: int | None = None, fix: str = "") -> TemplateError:
        start = pos if start is None else start
        close = self.t.find("}", pos)
        return TemplateError(msg, start, _line_snippet(self.t, start, close + 1 if close >= 0
                                                       else None), fix)

    def nodes(self, i: int, top: bool, in_plural: bool) -> tuple[list, int]:
        out: list = []
        buf: list[str] = []
        t = self.t
        while i < self.n:
            c = t[i]
            if c == "{":
                if top and t.startswith("{{", i):
                    buf.append("{")
                    i += 2
                    continue
                if buf:
                    out.append("".join(buf))
                    buf = []
                node, i = self.placeholder(i, in_plural)
                out.append(node)
                continue
            if c == "}":
                if not top:
                    break
                if t.startswith("}}", i):
                    buf.append("}")
                    i += 2
                    continue
                raise self.error("schließende Klammer „}“ ohne öffnende", i, fix=(
                    "für eine wörtliche Klammer „}}“ schreiben"))
            if c == "#" and in_plural and not top:
                if buf:
                    out.append("".join(buf))
                    buf = []
                out.append(Hash(i))
                i += 1
                continue
            buf.append(c)
            i += 1
        if buf:
            out.append("".join(buf))
        return out, i

    def _skip(self, i: int) -> int:
        while i < self.n and self.t[i] in " \t\r\n":
            i += 1
        return i

    def _word(self, i: int) -> tuple[str, int]:
        j = i
        while j < self.n and self.t[j] not in " \t\r\n,{}":
            j += 1
        return self.t[i:j], j

    def placeholder(self, start: int, in_plural: bool) -> tuple[Placeholder, int]:
        t = self.t
        i = self._skip(start + 1)
        name, i = self._word(i)
        if i >= self.n:
            raise self.error("geschweifte Klammern passen nicht zusammen: „{“ wird nicht "
                             "geschlossen", start, fix="die Klammer schließen oder für eine "
                             "wörtliche Klammer „{{“ schreiben")
        if not name.isidentifier():
            raise self.error(f"Platzhalter „{{{name}…“ ist nicht erlaubt – nur einfache Namen "
                             "wie {region}", start, fix="einen Namen aus der Liste verwenden")
        i = self._skip(i)
        if t[i] == "}":
            return Placeholder(name, start, i + 1), i + 1
        if t[i] != ",":
            raise self.error(f"Platzhalter „{{{name}{t[i]}…“ ist nicht erlaubt – nur einfache "
                             "Namen wie {region} oder Zählformen wie " + _EXAMPLE, start,
                             fix="nach dem Namen folgt „}“ oder „,“")
        i = self._skip(i + 1)
        form, i = self._word(i)
        if form not in FORMATS:
            raise self.error(f"unbekannte Form „{form}“ im Platzhalter {{{name}, …}}", start,
                             fix="erlaubt sind " + ", ".join(FORMATS))
        i = self._skip(i)
        if i < self.n and t[i] == "}":
            if form in ("plural", "select"):
                raise self.error(f"„{form}“ ohne Formen", start,
                                 fix="Formen angeben, z. B. " + _EXAMPLE)
            return Placeholder(name, start, i + 1, form), i + 1
        if i >= self.n or t[i] != ",":
            raise self.error("Platzhalter wird nicht geschlossen", start,
                             fix="mit „}“ schließen")
        i = self._skip(i + 1)
        if form in ("zahl", "wort", "Wort"):
            raise self.error(f"„{form}“ hat keine weiteren Angaben", start,
                             fix=f"{{{name}, {form}}} schreiben")
        if form == "liste":
            arg, i = self._word(i)
            i = self._skip(i)
            if arg not in _JOINERS or i >= self.n or t[i] != "}":
                raise self.error("„liste“ erlaubt nur „und“, „sowie“ oder „semikolon“", start,
                                 fix=f"{{{name}, liste}} oder {{{name}, liste, sowie}} schreiben")
            return Placeholder(name, start, i + 1, form, arg), i + 1
        forms: list[tuple[str, tuple]] = []
        nested = in_plural or form == "plural"
        while True:
            i = self._skip(i)
            if i >= self.n:
                raise self.error("geschweifte Klammern passen nicht zusammen: der Platzhalter "
                                 "wird nicht geschlossen", start, fix="mit „}“ schließen")
            if t[i] == "}":
                i += 1
                break
            key, i = self._word(i)
            if not key:
                raise self.error(f"eine Form von {{{name}, {form}, …}} hat keinen Namen", i,
                                 start, fix="vor jede Form „=0“, „one“, „other“ o. Ä. schreiben")
            self._check_key(name, form, key, start)
            if key in dict(forms):
                raise self.error(f"Form „{key}“ steht zweimal", start, fix="eine streichen")
            i = self._skip(i)
            if i >= self.n or t[i] != "{":
                raise self.error(f"nach der Form „{key}“ fehlt der Text in {{…}}", start,
                                 fix=f"{key} {{…}} schreiben")
            body, i = self.nodes(i + 1, top=False, in_plural=nested)
            if i >= self.n:
                raise self.error(f"der Text der Form „{key}“ wird nicht geschlossen", start,
                                 fix="mit „}“ schließen")
            forms.append((key, tuple(body)))
            i += 1
        if "other" not in dict(forms):
            raise self.error(f"die Form „other“ fehlt in {{{name}, {form}, …}}", start,
                             fix="other {…} für alle übrigen Fälle ergänzen")
        return Placeholder(name, start, i, form, forms=tuple(forms)), i

    def _check_key(self, name: str, form: str, key: str, start: int) -> None:
        if form == "select":
            if not key.replace("_", "").isalnum():
                raise self.error(f"Form „{key}“ ist kein Wert", start,
                                 fix="einen Wert wie ja, nein oder other schreiben")
            return
        if key.startswith("="):
            if not key[1:].isdigit():
                raise self.error(f"„{key}“ ist keine ganze Zahl", start, fix="z. B. =0 schreiben")
            return
        if key not in plural_categories():
            raise self.error(f"„{key}“ ist keine Zählform des Deutschen", start,
                             fix="=0, =1 … oder " + ", ".join(plural_categories()) + " verwenden"
                             " (oder fehlt davor eine schließende Klammer „}“?)")


@dataclass(frozen=True)
class Template:
    """A parsed template; ``source`` names it in errors, ``line`` is its first line."""

    text: str
    nodes: tuple
    source: str = "Text"
    line: int = 1

    def where(self, pos: int) -> str:
        """„<source>, Zeile 12“ for an offset in the text (just the source when ``line``
        is 0: a text whose source already names its line)."""
        if self.line < 1:
            return self.source
        return f"{self.source}, Zeile {self.line + self.text.count(chr(10), 0, pos)}"

    def placeholders(self) -> list[Placeholder]:
        """Every placeholder, nested ones too, in order of appearance."""
        out: list[Placeholder] = []

        def walk(nodes: Iterable) -> None:
            for n in nodes:
                if isinstance(n, Placeholder):
                    out.append(n)
                    for _, body in n.forms:
                        walk(body)
        walk(self.nodes)
        return out

    def names(self) -> list[str]:
        out: list[str] = []
        for p in self.placeholders():
            if p.name not in out:
                out.append(p.name)
        return out

    def problems(self, slots: Mapping[str, str | tuple[str, ...] | None]) -> list[str]:
        """Located problems of the placeholders against the declared ``slots`` (name → kind:
        :data:`COUNT`, :data:`LIST`, :data:`TEXT`, a tuple of the values a ``select`` can
        get, or ``None`` = any)."""
        out = []
        known = ", ".join("{" + n + "}" for n in sorted(slots))
        for p in self.placeholders():
            snippet = _line_snippet(self.text, p.pos, min(p.end, p.pos + 60))
            head = f"{self.where(p.pos)}: Platzhalter „{snippet}“"
            if p.name not in slots:
                out.append(f"{head}: unbekannter Platzhalter {{{p.name}}} – verfügbar sind "
                           f"{known}; für eine wörtliche Klammer „{{{{“ bzw. „}}}}“ schreiben")
                continue
            kind = slots[p.name]
            if kind is None:
                continue
            if p.format in ("zahl", "wort", "Wort", "plural") and kind not in (COUNT, LIST):
                out.append(f"{head}: {{{p.name}}} ist keine Anzahl – „{p.format}“ geht nur "
                           "mit einer Anzahl oder Liste; {" + p.name + "} ohne Form schreiben")
            elif p.format in ("zahl", "wort", "Wort") and kind == LIST:
                out.append(f"{head}: {{{p.name}}} ist eine Liste – {{{p.name}, liste}} oder "
                           f"{{{p.name}, plural, …}} schreiben")
            elif p.format == "liste" and kind != LIST:
                out.append(f"{head}: {{{p.name}}} ist keine Liste – ohne „liste“ schreiben")
            elif p.format == "select":
                if not isinstance(kind, tuple):
                    out.append(f"{head}: {{{p.name}}} hat keine festen Werte – „select“ geht "
                               "hier nicht")
                else:
                    wrong = [k for k, _ in p.forms if k != "other" and k not in kind]
                    if wrong:
                        out.append(f"{head}: {{{p.name}}} kann nicht „{wrong[0]}“ sein – "
                                   f"mögliche Werte: {', '.join(kind)}, other")
            elif p.format == "" and kind in (COUNT, LIST):
                out.append(f"{head}: {{{p.name}}} ist eine Anzahl oder Liste – die Form "
                           f"angeben, z. B. {{{p.name}, wort}}, {{{p.name}, zahl}}, "
                           f"{{{p.name}, liste}} oder {_EXAMPLE}")
        return out

    def render(self, values: Mapping[str, object]) -> str:
        """The text with ``values`` inserted (names checked beforehand, :meth:`problems`)."""
        return "".join(self._render(self.nodes, values, None))

    def _render(self, nodes: Sequence, values: Mapping[str, object], count: int | None
                ) -> list[str]:
        out: list[str] = []
        for n in nodes:
            if isinstance(n, str):
                out.append(n)
            elif isinstance(n, Hash):
                out.append(fmt.number_word(count if count is not None else 0))
            else:
                out += self._placeholder(n, values, count)
        return out

    def _placeholder(self, p: Placeholder, values: Mapping[str, object], count: int | None
                     ) -> list[str]:
        if p.name not in values:
            raise TemplateError(f"kein Wert für {{{p.name}}}", p.pos)
        v = values[p.name]
        if p.format == "":
            return [str(v)]
        if p.format == "liste":
            items = [str(x) for x in _items(v, p)]
            if p.arg == "semikolon":
                return ["; ".join(items)]
            return [fmt.join_de(items, last="sowie" if p.arg == "sowie" else "und")]
        if p.format == "select":
            key = str(v)
            forms = dict(p.forms)
            return self._render(forms.get(key, forms["other"]), values, count)
        k = _count(v, p)
        if p.format == "zahl":
            return [fmt.number(k)]
        if p.format in ("wort", "Wort"):
            w = fmt.number_word(k)
            return [w[:1].upper() + w[1:] if p.format == "Wort" else w]
        forms = dict(p.forms)
        body = forms.get(f"={k}")
        if body is None:
            body = forms.get(plural_rule()(k), forms["other"])
        return self._render(body, values, k)


def _items(v: object, p: Placeholder) -> list:
    if isinstance(v, (list, tuple)):
        return list(v)
    raise TemplateError(f"{{{p.name}}} ist keine Liste", p.pos)


def _count(v: object, p: Placeholder) -> int:
    if isinstance(v, (list, tuple)):
        return len(v)
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        return int(v)
    raise TemplateError(f"{{{p.name}}} ist keine Anzahl ({v!r})", p.pos)


def parse(text: str, source: str = "Text", line: int = 1) -> Template:
    """Parse ``text``; raises :class:`TemplateError` for malformed braces or forms."""
    nodes, _ = _Parser(text).nodes(0, top=True, in_plural=False)
    return Template(text, tuple(nodes), source, line)


def located(err: TemplateError, text: str, source: str, line: int = 1) -> str:
    """The German message of ``err``: source, line, the placeholder, the fix."""
    where = source if line < 1 else f"{source}, Zeile {line + text.count(chr(10), 0, err.pos)}"
    what = f": Platzhalter „{err.snippet}“" if err.snippet else ""
    fix = f" → {err.fix}" if err.fix else ""
    return f"{where}{what}: {err.message}{fix}"
