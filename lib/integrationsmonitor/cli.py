"""The command line: ``integrationsmonitor demo | template | import-status | import-decisions |
report``. Messages are German; errors exit with status 1 and say what to fix."""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from integrationsmonitor.errors import InputError

DEFAULT_DATABASE = "data/integrationsmonitor.duckdb"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="integrationsmonitor",
        description="Integrationsmonitor: Statusbögen, Datenbasis und Sachstandsberichte zum "
                    "Integrationskonzept.")
    sub = p.add_subparsers(dest="command", required=True, metavar="BEFEHL")

    d = sub.add_parser("demo", help="synthetische Demo-Daten erzeugen und importieren")
    d.add_argument("--out", type=Path, help="Zielordner (Standard: data/demo)")
    d.add_argument("--seed", type=int, help="Startwert des Zufallsgenerators")
    d.add_argument("--scale", type=float, default=1.0,
                   help="Vielfaches der Personenzahl (110: Landesgröße, über 1 Mio. Zeilen)")

    t = sub.add_parser("template", help="Statusbögen (xlsx) für ein Halbjahr erzeugen")
    t.add_argument("period", metavar="ZEITRAUM", help="z. B. 2019-H1")
    t.add_argument("--out", type=Path, help="Zielordner (Standard: data/vorlagen/ZEITRAUM)")
    t.add_argument("--database", default=DEFAULT_DATABASE,
                   help=f"Datenbasis für die Vorbelegung (Standard: {DEFAULT_DATABASE})")
    t.add_argument("--concept", help="Konzeptkatalog (YAML)")
    t.add_argument("--decisions", action="store_true",
                   help="zusätzlich ein leeres Register der Steuerungsentscheidungen anlegen")

    i = sub.add_parser("import-status", help="ausgefüllte Statusbögen importieren")
    i.add_argument("period", metavar="ZEITRAUM")
    i.add_argument("files", metavar="DATEI", nargs="+", type=Path)
    i.add_argument("--database", default=DEFAULT_DATABASE)
    i.add_argument("--concept")

    e = sub.add_parser("import-decisions", help="Register der Steuerungsentscheidungen importieren")
    e.add_argument("file", metavar="DATEI", type=Path)
    e.add_argument("--database", default=DEFAULT_DATABASE)
    e.add_argument("--concept")

    x = sub.add_parser("import-extract",
                       help="Personen-Extrakt von Sozialamt oder Jobcenter importieren")
    x.add_argument("source", metavar="QUELLE", choices=["sozialamt", "jobcenter"],
                   help="sozialamt (AsylbLG) oder jobcenter (SGB II)")
    x.add_argument("stichtag", metavar="STICHTAG", help="TT.MM.JJJJ")
    x.add_argument("file", metavar="DATEI", type=Path)
    x.add_argument("--mapping", type=Path, help="Spaltenzuordnung des Amtes (YAML)")
    x.add_argument("--database", default=DEFAULT_DATABASE)
    x.add_argument("--demo-key", action="store_true",
                   help="mit dem Demo-Schlüssel pseudonymisieren (nur synthetische Daten)")

    n = sub.add_parser("indicators", help="Indikatoren berechnen und in der Datenbasis ablegen")
    ng = n.add_mutually_exclusive_group(required=True)
    ng.add_argument("period", metavar="ZEITRAUM", nargs="?")
    ng.add_argument("--all", action="store_true", help="alle Halbjahre aus params/")
    n.add_argument("--database", help="andere Datenbasis als in der Parameterdatei")

    g2 = sub.add_parser("import-reference",
                        help="Referenzwert aus einem GENESIS-/Regionaldatenbank-Export importieren")
    g2.add_argument("file", metavar="DATEI", type=Path)
    g2.add_argument("--figure", required=True, help="Name des Referenzwerts, z. B. kita_quote_3_6")
    g2.add_argument("--variable", required=True, help="Spalte (Merkmal) im Export")
    g2.add_argument("--region", default="07335", help="Regionalschlüssel (Standard: 07335)")
    g2.add_argument("--scale", type=float, default=1.0,
                    help="Faktor, z. B. 0.01 für Prozentangaben → Anteil")
    g2.add_argument("--database", default=DEFAULT_DATABASE)

    r = sub.add_parser("report", help="Notebooks ausführen, Bericht als HTML und PDF erzeugen")
    g = r.add_mutually_exclusive_group(required=True)
    g.add_argument("period", metavar="ZEITRAUM", nargs="?")
    g.add_argument("--all", action="store_true", help="alle Halbjahre aus params/")
    r.add_argument("--out", type=Path, help="Ausgabeordner (Standard: outputs)")
    r.add_argument("--database", help="andere Datenbasis als in der Parameterdatei")
    r.add_argument("--jobs", type=int, help="parallele Prozesse (Standard: Anzahl der Kerne)")
    r.add_argument("--notebooks", type=Path, help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"demo": _demo, "template": _template, "import-status": _import_status,
                "import-decisions": _import_decisions, "import-extract": _import_extract,
                "indicators": _indicators, "import-reference": _import_reference,
                "report": _report}[args.command](args)
    except InputError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # e.g. a period outside the term
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a file that cannot be read or written (rights, full disk)
        print(f"Fehler: {os_error_message(exc)}", file=sys.stderr)
        return 1


def os_error_message(exc: OSError) -> str:
    """An operating-system error in German, naming the file but not its folders."""
    import errno

    reasons = {errno.EACCES: "keine Berechtigung (Datei oder Ordner gesperrt oder in einer "
                             "anderen Anwendung geöffnet?)",
               errno.EPERM: "keine Berechtigung", errno.ENOSPC: "kein Speicherplatz mehr",
               errno.ENOENT: "nicht gefunden", errno.EISDIR: "ist ein Ordner",
               errno.EROFS: "Laufwerk ist schreibgeschützt"}
    reason = reasons.get(exc.errno, exc.strerror or "Ein-/Ausgabefehler")
    where = f"Datei {Path(exc.filename).name}: " if exc.filename else ""
    return f"{where}{reason}. Nichts wurde übernommen."


def _catalogue(args):
    from integrationsmonitor.catalogue import DEFAULT_CONCEPT, load_catalogue

    return load_catalogue(getattr(args, "concept", None) or DEFAULT_CONCEPT)


def _demo(args) -> int:
    from integrationsmonitor.demo import DEFAULT_SEED, generate_demo

    db = generate_demo(args.out, seed=args.seed if args.seed is not None else DEFAULT_SEED,
                       scale=args.scale)
    print(f"Demo-Daten erzeugt und importiert: {db}")
    return 0


def _template(args) -> int:
    from integrationsmonitor.decisions import REGISTER_NAME, write_register
    from integrationsmonitor.measure_status import write_templates
    from integrationsmonitor.paths import project_root, resolve
    from integrationsmonitor.periods import Period

    catalogue = _catalogue(args)
    period = Period.parse(args.period)
    out = args.out or project_root() / "data" / "vorlagen" / period.id
    paths = write_templates(resolve(args.database), catalogue, period, out)
    if args.decisions:
        paths.append(write_register(out / REGISTER_NAME, catalogue))
    for path in paths:
        print(f"geschrieben: {path}")
    return 0


def _import_status(args) -> int:
    from integrationsmonitor.measure_status import import_status
    from integrationsmonitor.paths import resolve
    from integrationsmonitor.periods import Period

    sheets = import_status(resolve(args.database), _catalogue(args), Period.parse(args.period),
                           args.files)
    for s in sheets:
        print(f"importiert: {s.file} – AK {s.ak_id}, Maßnahmen: {len(s.status)}, "
              f"Kennzahlen: {len(s.kpis)}")
    for note in sheets.notes:
        print(f"  Hinweis: {note}")
    print(f"Datenbasis: {resolve(args.database)}")
    return 0


def _import_decisions(args) -> int:
    from integrationsmonitor.decisions import import_register
    from integrationsmonitor.paths import resolve

    decisions = import_register(resolve(args.database), _catalogue(args), args.file)
    print(f"importiert: Steuerungsentscheidungen aus {args.file.name}: {len(decisions)}")
    return 0


def _import_extract(args) -> int:
    from integrationsmonitor import formatting as fmt
    from integrationsmonitor.case_data import ColumnMapping, import_extract
    from integrationsmonitor.paths import resolve
    from integrationsmonitor.pseudonym import load_key

    stichtag = fmt.parse_date(args.stichtag)
    mapping = ColumnMapping.from_file(args.mapping) if args.mapping else None
    result = import_extract(resolve(args.database), args.file, args.source, stichtag,
                            load_key(demo=args.demo_key), mapping)
    print(f"importiert: {result.file} – {result.source}, Stichtag {fmt.date(stichtag)}, "
          f"Personen: {fmt.number(result.rows)}")
    if result.derived_perspective:
        print(f"  Bleibeperspektive aus der Staatsangehörigkeit abgeleitet: "
              f"{fmt.number(result.derived_perspective)}")
    if result.dropped_columns:
        print(f"  verworfen (direkte Identifikatoren): {', '.join(result.dropped_columns)}")
    return 0


def _indicators(args) -> int:
    from integrationsmonitor.params import all_params_files

    periods = [p.stem for p in all_params_files()] if args.all else [args.period]
    for period in periods:
        n = store_indicators(period, args.database)
        print(f"{period}: {n} Indikatoren berechnet und abgelegt")
    return 0


def store_indicators(period: str, database: str | None = None) -> int:
    """Compute the period's indicators and keep them in the data basis; returns their number."""
    from integrationsmonitor import report
    from integrationsmonitor.database import connect
    from integrationsmonitor.indicators import store
    from integrationsmonitor.params import params_file, read_params_file

    params = read_params_file(params_file(period))
    values = params.as_dict() | ({"database": str(database)} if database else {})
    ctx = report.load(**values)
    assessments = ctx.assessments
    con = connect(ctx.params.database_path)
    try:
        store(con, ctx.period, assessments)
    finally:
        con.close()
    return len(assessments)


def _import_reference(args) -> int:
    from integrationsmonitor.genesis import read_genesis
    from integrationsmonitor.indicators import import_reference
    from integrationsmonitor.paths import resolve

    table = read_genesis(args.file)
    table.check_years(args.region, args.variable)
    n = import_reference(resolve(args.database), table, args.figure, args.variable,
                         args.region, args.scale, args.file.name)
    stand = f", Stand {table.stand:%d.%m.%Y}" if table.stand else ""
    print(f"importiert: {n} Werte für {args.figure} aus {args.file.name} "
          f"(Tabelle {table.code}{stand})")
    return 0


def _report(args) -> int:
    from tqdm import tqdm

    from integrationsmonitor.params import all_params_files

    periods = [p.stem for p in all_params_files()] if args.all else [args.period]
    overrides = {"database": str(args.database)} if args.database else {}
    for period in periods:  # the history of the indicators, kept before anything is rendered
        try:
            store_indicators(period, args.database)
        except (InputError, ValueError):
            pass  # the render names the problem
    jobs = max(1, min(args.jobs or os.cpu_count() or 1, len(periods)))
    tasks = [(p, args.out, args.notebooks, overrides) for p in periods]
    failed = []
    with tqdm(total=len(periods), desc="Berichte", unit="Bericht", file=sys.stderr,
              disable=None) as bar:
        if jobs == 1:
            results = map(_render_one, tasks)
        else:
            # One process per core, each importing once for all its periods; "spawn" keeps
            # the workers free of the parent's threads and sockets.
            pool = ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"))
            results = pool.map(_render_one, tasks)
        for period, message in results:
            bar.update(1)
            if message.startswith("Fehler"):
                failed.append(period)
                tqdm.write(f"Fehler: Bericht {period} nicht erstellt; die bisherige Ausgabe "
                           f"bleibt erhalten.\n{message}", file=sys.stderr)
            else:
                tqdm.write(message)
        if jobs > 1:
            pool.shutdown()
    if failed:
        print(f"Fehlgeschlagen: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _render_one(task: tuple) -> tuple[str, str]:
    """Render one period; returns (period, message). Runs in a worker process for --all."""
    from integrationsmonitor.render import RenderError, render_period

    period, out, notebooks, overrides = task
    try:
        result = render_period(period, out_root=out, notebooks=notebooks, overrides=overrides)
    except RenderError as exc:
        return period, f"Fehler: {exc}"
    return period, f"{period}: {result.html} und {result.pdf.name} geschrieben"


if __name__ == "__main__":
    sys.exit(main())
