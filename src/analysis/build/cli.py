"""Command line: ``python -m analysis <command>`` (the Makefile calls only this)."""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from analysis.common.errors import DataContractError, UserError

DEFAULT_DATA = Path("data/demo")
DEFAULT_CONFIG = Path("config/report.yaml")


def _validate(args: argparse.Namespace) -> int:
    from analysis.contract.config import check_against_dataset, load_config
    from analysis.contract.dataset import load_dataset

    cfg = load_config(args.config)
    ds = load_dataset(args.data, cfg.subsets)
    check_against_dataset(cfg, ds, args.config.name, args.config)
    print(f"Daten in Ordnung{' (synthetische Demodaten)' if ds.is_demo else ''}:")
    print(ds.summary())
    return 0


def _demo(args: argparse.Namespace) -> int:
    from analysis.build.demo import write_demo

    info = write_demo(args.output, args.seed)
    print(f"Demodaten geschrieben: {info['sozialraeume']} Sozialräume, "
          f"{info['zaehlwerte']} Zählwerte (Kalibrierung: {info['kalibrierrunden']} Runden)")
    return 0


def _need(args: argparse.Namespace) -> int:
    from analysis.contract.config import check_against_dataset, load_config
    from analysis.contract.dataset import load_dataset
    from analysis.method.core import need_table, run
    from analysis.views.text import headline_lines

    cfg = load_config(args.config)
    ds = load_dataset(args.data, cfg.subsets)
    check_against_dataset(cfg, ds, args.config.name, args.config)
    from analysis.rendering.tables import PLAIN_CSV, csv_bytes, label_demo

    res = run(ds, cfg)
    table = need_table(ds, res, cfg)
    if ds.is_demo:
        table = label_demo(table)
    _write_output(args.output, csv_bytes(table, PLAIN_CSV))
    print("\n".join(headline_lines(res, cfg, len(ds.areas))))
    return 0


def _write_output(path: Path, data: bytes) -> None:
    """Write a command's output file atomically, with a German message if that fails."""
    from analysis.common.trust import write_atomic

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data, public=True)
    except OSError as err:
        raise UserError(f"Ausgabedatei {path}: kann nicht geschrieben werden "
                        f"({err.strerror or type(err).__name__}) – Pfad und Schreibrechte "
                        "prüfen (--output, bei make OUT=…).") from None


def _index(args: argparse.Namespace) -> int:
    from analysis.build.index_cli import run_index_cli

    print(run_index_cli(args.scheme, args.input, args.output))
    return 0


def _report(args: argparse.Namespace) -> int:
    from analysis.build.build import build_reports

    return build_reports(args.data, args.config, args.output, jobs=args.jobs, force=args.force,
                         pdf=args.pdf)


def _clean(args: argparse.Namespace) -> int:
    from analysis.build.outdir import clean

    if not str(args.output).strip():
        raise UserError("Ausgabeordner fehlt (--output, bei make OUT=…); nichts gelöscht.")
    removed, kept = clean(args.output)
    print(f"Gelöscht in {args.output}: {len(removed)} vom Build angelegte Einträge.")
    if kept:
        print("Nicht gelöscht (nicht vom Build angelegt):\n"
              + "\n".join("  - " + k for k in kept))
    return 0


def _texts(args: argparse.Namespace) -> int:
    from analysis.build.texts_update import report
    from analysis.contract.config import load_config

    message, code = report(load_config(args.config), args.config, args.ergaenzen)
    print(message, file=sys.stderr if code else sys.stdout)
    return code


def _benchmark(args: argparse.Namespace) -> int:
    from analysis.build.benchmark import run_benchmark

    return run_benchmark(args.output, quick=args.quick)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m analysis",
                                description="Sozialplanung: Daten prüfen, analysieren, "
                                            "Berichte bauen.")
    p.add_argument("--verbose", action="store_true", help="bei Fehlern den Traceback zeigen")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="Datenordner gegen den Datenvertrag prüfen")
    v.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    v.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    v.set_defaults(func=_validate)

    d = sub.add_parser("demo", help="synthetische Demodaten erzeugen")
    d.add_argument("--output", type=Path, default=DEFAULT_DATA)
    d.add_argument("--seed", type=int, default=20211231)
    d.set_defaults(func=_demo)

    n = sub.add_parser("need", help="Handlungsbedarf je Sozialraum und Handlungsfeld")
    n.add_argument("--data", type=Path, default=DEFAULT_DATA)
    n.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    n.add_argument("--output", type=Path, required=True)
    n.set_defaults(func=_need)

    i = sub.add_parser("index", help="ein Indexschema (YAML) auf eine Wertetabelle anwenden")
    i.add_argument("--scheme", type=Path, required=True)
    i.add_argument("--input", type=Path, required=True)
    i.add_argument("--output", type=Path, required=True)
    i.set_defaults(func=_index)

    r = sub.add_parser("report", help="Sozialbericht und Handlungskonzept-Anhang bauen")
    r.add_argument("--data", type=Path, default=DEFAULT_DATA)
    r.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    r.add_argument("--output", type=Path, default=Path("reports"))
    # checked by build_reports, so that a bad value gets a German message
    r.add_argument("--jobs", default="0", help="parallele Kapitelläufe (0 = Kerne + 1; höchstens 4 je Kern)")
    r.add_argument("--force", action="store_true", help="alle Kapitel neu rechnen")
    r.add_argument("--pdf", action="store_true",
                   help="auch die PDF-Ausgabe beider Berichte erstellen (dauert länger)")
    r.set_defaults(func=_report)

    c = sub.add_parser("clean", help="im Ausgabeordner löschen, was der Build angelegt hat")
    c.add_argument("--output", type=Path, default=Path("reports"))
    c.set_defaults(func=_clean)

    t = sub.add_parser("texte", help="Satzbausteine des eigenen Textordners mit der Programmvorlage "
                                     "abgleichen")
    t.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    t.add_argument("--ergaenzen", action="store_true",
                   help="fehlende Abschnitte aus der Programmvorlage anhängen (zum Prüfen markiert)")
    t.set_defaults(func=_texts)

    b = sub.add_parser("benchmark", help="Laufzeiten messen (schreibt benchmark/results.md)")
    b.add_argument("--output", type=Path, default=Path("benchmark/results.md"))
    b.add_argument("--quick", action="store_true", help="nur der Analysekern")
    b.set_defaults(func=_benchmark)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except DataContractError as err:
        print(err.format(), file=sys.stderr)
        return 2
    except UserError as err:
        print(f"Fehler: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Abgebrochen.", file=sys.stderr)
        return 130
    except Exception as err:  # unexpected: say so plainly, traceback only on request
        if args.verbose:
            traceback.print_exc()
        print(f"Interner Fehler ({type(err).__name__}: {err}). Mit --verbose erneut "
              "aufrufen und den Traceback melden.", file=sys.stderr)
        return 1
