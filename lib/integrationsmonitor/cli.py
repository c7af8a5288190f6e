"""The command line: ``integrationsmonitor demo | template | import-status | import-decisions |
import-extract | import-reference | indicators | report``. Messages, help and argparse texts
are German; errors exit with status 1 and say what to fix. Every command works on the data
basis named by the params files (:func:`integrationsmonitor.params.data_basis`) and prints it."""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from integrationsmonitor.errors import InputError

PERIOD_HELP = "Berichtszeitraum, z. B. 2019-H2 (Halbjahre im Konzept: siehe report --all)"
DATABASE_HELP = ("Datenbasis (DuckDB) statt der aus der Parameterdatei (Standard: database: in "
                 "params/<ZEITRAUM>.yaml, sonst in der jüngsten Parameterdatei)")
CONCEPT_HELP = ("Konzeptordner statt des aus der Parameterdatei (Standard: concept: in "
                "derselben Parameterdatei)")

# argparse's own texts, German (Python 3.11–3.13 message IDs).
_GERMAN = {
    "usage: ": "Aufruf: ",
    "positional arguments": "Argumente",
    "options": "Optionen",
    "show this help message and exit": "diese Hilfe anzeigen und beenden",
    "%(prog)s: error: %(message)s\n": "%(prog)s: Fehler: %(message)s\n",
    "the following arguments are required: %s": "folgende Angaben fehlen: %s",
    "unrecognized arguments: %s": "unbekannte Angaben: %s",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "ungültige Auswahl: %(value)r (möglich: %(choices)s)",
    "argument %(argument_name)s: %(message)s": "Angabe %(argument_name)s: %(message)s",
    "one of the arguments %s is required": "eine dieser Angaben ist nötig: %s",
    "not allowed with argument %s": "nicht zusammen mit %s möglich",
    "expected one argument": "erwartet einen Wert",
    "invalid %(type)s value: %(value)r": "ungültiger Wert (%(type)s): %(value)r",
    "ambiguous option: %(option)s could match %(matches)s":
        "mehrdeutige Option: %(option)s passt zu %(matches)s",
}


class GermanArgumentParser(argparse.ArgumentParser):
    """argparse with German texts ("Aufruf:", "Fehler:", section titles, messages)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "Argumente"
        self._optionals.title = "Optionen"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help="diese Hilfe anzeigen und beenden")

    def _german(self, fn, *args, **kwargs):
        original = argparse._
        argparse._ = lambda text: _GERMAN.get(text, text)
        try:
            return fn(*args, **kwargs)
        finally:
            argparse._ = original

    def parse_known_args(self, args=None, namespace=None):
        return self._german(super().parse_known_args, args, namespace)

    def format_help(self):
        return self._german(super().format_help)

    def format_usage(self):
        return self._german(super().format_usage)

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: Fehler: {message}\n")


def _parser() -> argparse.ArgumentParser:
    from integrationsmonitor import __version__
    from integrationsmonitor.paths import PARAMS_ENV

    p = GermanArgumentParser(
        prog="integrationsmonitor",
        description="Integrationsmonitor: Statusbögen, Datenbasis und Sachstandsberichte zum "
                    "Integrationskonzept.\n\nJeder Befehl arbeitet auf der Datenbasis, die die "
                    "Parameterdatei des Halbjahres nennt (params/<ZEITRAUM>.yaml, Schlüssel "
                    "database:), und nennt sie in seiner Ausgabe.")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                   help="Version anzeigen und beenden")
    sub = p.add_subparsers(dest="command", required=True, metavar="BEFEHL",
                           title="Befehle", parser_class=GermanArgumentParser)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        c = sub.add_parser(name, help=help, description=help[0].upper() + help[1:] + ".")
        c.add_argument("--params", metavar="ORDNER",
                       help=f"Ordner der Parameterdateien (Standard: ${PARAMS_ENV}, sonst "
                            "params/ im Projektordner)")
        return c

    d = command("demo", "synthetische Demo-Daten erzeugen und importieren")
    d.add_argument("--out", type=Path, metavar="ORDNER", help="Zielordner (Standard: data/demo)")
    d.add_argument("--seed", type=int, metavar="ZAHL",
                   help="Startwert des Zufallsgenerators (Standard: fester Demo-Startwert)")
    d.add_argument("--scale", type=float, default=1.0, metavar="FAKTOR",
                   help="Vielfaches der Personenzahl, 110: Landesgröße mit über 1 Mio. Zeilen "
                        "(Standard: 1)")

    t = command("template", "Statusbögen (xlsx) für ein Halbjahr erzeugen, vorbelegt mit den "
                            "Angaben des Vorhalbjahres")
    t.add_argument("period", metavar="ZEITRAUM", help=PERIOD_HELP)
    t.add_argument("--out", type=Path, metavar="ORDNER",
                   help="Zielordner (Standard: data/vorlagen/ZEITRAUM)")
    t.add_argument("--database", metavar="DATEI", help=DATABASE_HELP)
    t.add_argument("--concept", metavar="ORDNER", help=CONCEPT_HELP)
    t.add_argument("--decisions", action="store_true",
                   help="zusätzlich ein leeres Register der Steuerungsentscheidungen anlegen "
                        "(Standard: nein)")

    i = command("import-status", "ausgefüllte Statusbögen importieren")
    i.add_argument("period", metavar="ZEITRAUM", help=PERIOD_HELP)
    i.add_argument("files", metavar="DATEI", nargs="+", type=Path,
                   help="ein oder mehrere Statusbögen (xlsx)")
    i.add_argument("--database", metavar="DATEI", help=DATABASE_HELP)
    i.add_argument("--concept", metavar="ORDNER", help=CONCEPT_HELP)

    e = command("import-decisions", "Register der Steuerungsentscheidungen importieren (ersetzt "
                                    "den ganzen Bestand)")
    e.add_argument("file", metavar="DATEI", type=Path, help="das Register (xlsx)")
    e.add_argument("--ersetzen", action="store_true",
                   help="auch importieren, wenn das Register weniger Entscheidungen enthält als "
                        "die Datenbasis (Standard: dann abbrechen und zeigen, was entfiele)")
    e.add_argument("--database", metavar="DATEI",
                   help=DATABASE_HELP.replace("params/<ZEITRAUM>.yaml, sonst in der", "der"))
    e.add_argument("--concept", metavar="ORDNER", help=CONCEPT_HELP)

    x = command("import-extract", "Personen-Extrakt von Sozialamt oder Jobcenter importieren")
    x.add_argument("source", metavar="QUELLE", choices=["sozialamt", "jobcenter"],
                   help="sozialamt (AsylbLG) oder jobcenter (SGB II)")
    x.add_argument("stichtag", metavar="STICHTAG", help="Stichtag des Extrakts, TT.MM.JJJJ")
    x.add_argument("file", metavar="DATEI", type=Path, help="der Extrakt (csv oder xlsx)")
    x.add_argument("--mapping", type=Path, metavar="DATEI",
                   help="Spaltenzuordnung des Amtes (YAML; Standard: die Spaltennamen des "
                        "Lieferformats)")
    x.add_argument("--database", metavar="DATEI",
                   help=DATABASE_HELP.replace("<ZEITRAUM>", "<Halbjahr des Stichtags>"))
    x.add_argument("--concept", metavar="ORDNER", help=CONCEPT_HELP)
    x.add_argument("--demo-key", action="store_true",
                   help="mit dem Demo-Schlüssel pseudonymisieren, nur für synthetische Daten "
                        "(Standard: Schlüssel aus $INTEGRATIONSMONITOR_KEY_FILE)")

    n = command("indicators", "Indikatoren berechnen und in der Datenbasis ablegen")
    ng = n.add_mutually_exclusive_group(required=True)
    ng.add_argument("period", metavar="ZEITRAUM", nargs="?", help=PERIOD_HELP)
    ng.add_argument("--all", action="store_true", help="alle Halbjahre der Parameterdateien")
    n.add_argument("--database", metavar="DATEI", help=DATABASE_HELP)

    g2 = command("import-reference",
                 "Referenzwert aus einem GENESIS-/Regionaldatenbank-Export importieren")
    g2.add_argument("file", metavar="DATEI", type=Path, help="der Export (CSV)")
    g2.add_argument("--figure", required=True, metavar="NAME",
                    help="Name des Referenzwerts, z. B. kita_quote_3_6 (Pflicht)")
    g2.add_argument("--variable", required=True, metavar="MERKMAL",
                    help="Spalte (Merkmal) im Export (Pflicht)")
    g2.add_argument("--region", metavar="SCHLÜSSEL",
                    help="Regionalschlüssel (Standard: der Kreisschlüssel aus gebiet.yaml des "
                         "Konzepts)")
    g2.add_argument("--scale", type=float, default=1.0, metavar="FAKTOR",
                    help="Faktor, z. B. 0.01 für Prozentangaben → Anteil (Standard: 1)")
    g2.add_argument("--database", metavar="DATEI",
                    help=DATABASE_HELP.replace("params/<ZEITRAUM>.yaml, sonst in der", "der"))
    g2.add_argument("--concept", metavar="ORDNER", help=CONCEPT_HELP)

    r = command("report", "Notebooks ausführen, Bericht als HTML und PDF erzeugen")
    g = r.add_mutually_exclusive_group(required=True)
    g.add_argument("period", metavar="ZEITRAUM", nargs="?", help=PERIOD_HELP)
    g.add_argument("--all", action="store_true", help="alle Halbjahre der Parameterdateien")
    r.add_argument("--out", type=Path, metavar="ORDNER",
                   help="Ausgabeordner, darin ein Ordner je Halbjahr (Standard: outputs)")
    r.add_argument("--database", metavar="DATEI", help=DATABASE_HELP)
    r.add_argument("--jobs", type=int, metavar="ANZAHL",
                   help="parallele Prozesse (Standard: Anzahl der Kerne)")
    r.add_argument("--verbose", "-v", action="store_true",
                   help="Sekunden je Schritt ausgeben (Standard: aus)")
    r.add_argument("--notebooks", type=Path, help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    from integrationsmonitor.paths import PARAMS_ENV, resolve

    args = _parser().parse_args(argv)
    before = os.environ.get(PARAMS_ENV)
    if getattr(args, "params", None):
        # An environment variable, so that render workers and notebook kernels see it too;
        # restored afterwards for callers that run several commands in one process.
        os.environ[PARAMS_ENV] = str(resolve(args.params))
    try:
        return _run(args)
    finally:
        if before is None:
            os.environ.pop(PARAMS_ENV, None)
        else:
            os.environ[PARAMS_ENV] = before


def _run(args) -> int:
    try:
        if args.command in ("report", "indicators"):
            _check_periods(args)
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


def _kind_of(report: str) -> str | None:
    from integrationsmonitor.periods import ReportId

    try:
        return ReportId.parse(report).kind
    except ValueError:
        return None


def _check_periods(args) -> None:
    """``report``/``indicators``: the period must have a params file; say which data basis each
    period uses before anything is computed."""
    from integrationsmonitor.params import all_params_files, data_basis, params_file
    from integrationsmonitor.paths import params_dir, shown
    from integrationsmonitor.periods import ReportId

    order = {"halbjahr": 0, "jahr": 1, "abschluss": 2}
    available = sorted((p.stem for p in all_params_files()),
                       key=lambda r: (order.get(_kind_of(r), 3), r))
    if not args.all:
        try:
            ReportId.parse(args.period)
        except ValueError as exc:
            raise ValueError(f"{exc}. Vorhandene Berichte: "
                             f"{', '.join(available) or 'keine'}") from exc
        if not params_file(args.period).exists():
            raise ValueError(f"Für {args.period} gibt es keinen Bericht: keine Parameterdatei "
                             f"{args.period}.yaml im Ordner {shown(params_dir())}. Vorhandene "
                             f"Berichte: {', '.join(available) or 'keine'}")
    periods = available if args.all else [args.period]
    described = {}
    for period in periods:
        basis = data_basis(period, args.database)
        described.setdefault(basis.describe(), []).append(period)
    for line, ps in described.items():
        print(line if len(described) == 1 else f"{line} – {', '.join(ps)}")


def _basis(args, period: str | None = None):
    """The data basis of a command, announced on stdout."""
    from integrationsmonitor.params import data_basis

    basis = data_basis(period, getattr(args, "database", None), getattr(args, "concept", None))
    print(basis.describe())
    return basis


def _demo(args) -> int:
    from integrationsmonitor.catalogue import load_catalogue
    from integrationsmonitor.demo import DEFAULT_SEED, generate_demo
    from integrationsmonitor.params import data_basis
    from integrationsmonitor.paths import DEFAULT_CONCEPT, shown

    try:
        concept = data_basis().concept
    except ValueError:  # no params files: the packaged concept
        concept = DEFAULT_CONCEPT
    db = generate_demo(args.out, seed=args.seed if args.seed is not None else DEFAULT_SEED,
                       catalogue=load_catalogue(concept), scale=args.scale)
    print(f"Demo-Daten erzeugt und importiert: {shown(db)}")
    print(f"Datenbasis: {shown(db)} (Demo)")
    try:
        configured = data_basis()
    except (InputError, ValueError):
        return 0
    if configured.database != Path(db).resolve():
        print(f"Hinweis: Die Parameterdateien nennen eine andere Datenbasis "
              f"({shown(configured.database)}, {configured.source}); Befehle und Berichte "
              f"nutzen die Demo-Daten erst, wenn dort database: \"{shown(db)}\" steht.")
    return 0


def _template(args) -> int:
    from integrationsmonitor.catalogue import load_catalogue
    from integrationsmonitor.database import connect
    from integrationsmonitor.decisions import REGISTER_NAME, write_register
    from integrationsmonitor.measure_status import status_rows, write_templates
    from integrationsmonitor.paths import project_root, shown
    from integrationsmonitor.periods import Period, ReportingCalendar

    period = Period.parse(args.period)
    basis = _basis(args, period.id)
    catalogue = load_catalogue(basis.concept)
    out = args.out or project_root() / "data" / "vorlagen" / period.id
    paths = write_templates(basis.database, catalogue, period, out)
    previous = ReportingCalendar.of(catalogue).previous(period)
    if previous is not None:
        found = 0
        if basis.database.exists():
            con = connect(basis.database, read_only=True)
            try:
                found = len(status_rows(con, previous))
            finally:
                con.close()
        if found:
            print(f"vorbelegt mit {found} Statusmeldungen aus {previous.id}")
        else:
            print(f"Hinweis: In der Datenbasis {shown(basis.database)} liegen für "
                  f"{previous.id} keine Statusmeldungen vor; die Bögen sind nicht vorbelegt "
                  "(der Satz „Die Angaben des letzten Halbjahres sind bereits eingetragen“ im "
                  "Bogen trifft dann nicht zu).")
    if args.decisions:
        paths.append(write_register(out / REGISTER_NAME, catalogue))
    for path in paths:
        print(f"geschrieben: {path}")
    return 0


def _import_status(args) -> int:
    from integrationsmonitor.catalogue import load_catalogue
    from integrationsmonitor.measure_status import import_status
    from integrationsmonitor.periods import Period

    period = Period.parse(args.period)
    basis = _basis(args, period.id)
    sheets = import_status(basis.database, load_catalogue(basis.concept), period, args.files)
    for s in sheets:
        print(f"importiert: {s.file} – AK {s.ak_id}, Maßnahmen: {len(s.status)}, "
              f"Kennzahlen: {len(s.kpis)}")
    for note in sheets.notes:
        print(f"  Hinweis: {note}")
    return 0


def _import_decisions(args) -> int:
    from integrationsmonitor.catalogue import load_catalogue
    from integrationsmonitor.decisions import import_register

    basis = _basis(args)
    decisions = import_register(basis.database, load_catalogue(basis.concept), args.file,
                                replace=args.ersetzen)
    print(f"importiert: Steuerungsentscheidungen aus {args.file.name}: {len(decisions)}")
    return 0


def _import_extract(args) -> int:
    from integrationsmonitor import formatting as fmt
    from integrationsmonitor.case_data import ColumnMapping, import_extract
    from integrationsmonitor.catalogue import load_catalogue
    from integrationsmonitor.periods import Period
    from integrationsmonitor.pseudonym import load_key

    stichtag = fmt.parse_date(args.stichtag)
    basis = _basis(args, Period.containing(stichtag).id)
    catalogue = load_catalogue(basis.concept)
    mapping = ColumnMapping.from_file(args.mapping) if args.mapping else None
    result = import_extract(basis.database, args.file, args.source, stichtag,
                            load_key(demo=args.demo_key), mapping, catalogue.territory)
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
    from integrationsmonitor.periods import HALF_YEAR, ReportId

    # The history of the indicators is kept per half-year (annual and final reports reuse it).
    periods = [p.stem for p in all_params_files()
               if ReportId.parse(p.stem).kind == HALF_YEAR] if args.all else [args.period]
    for period in periods:
        if ReportId.parse(period).kind != HALF_YEAR:
            raise ValueError(f"Indikatoren werden je Halbjahr abgelegt; {period} ist kein "
                             "Halbjahr (z. B. 2019-H2)")
        n = store_indicators(period, args.database)
        print(f"{period}: {n} Indikatoren berechnet und abgelegt")
    return 0


def store_indicators(period: str, database: str | None = None) -> int:
    """Compute the period's indicators and keep them in the data basis (their history); returns
    their number. An explicit step of its own: ``report`` never writes into the data basis."""
    from integrationsmonitor.compute import compute
    from integrationsmonitor.database import connect
    from integrationsmonitor.indicators import store
    from integrationsmonitor.params import params_file, parse_parameters, read_params_file

    params = read_params_file(params_file(period))
    if database:
        params = parse_parameters(params.as_dict() | {"database": str(database)},
                                  f"{period}.yaml")
    res = compute(params)
    con = connect(params.database_path)
    try:
        store(con, res.period, res.assessments)
    finally:
        con.close()
    return len(res.assessments)


def _import_reference(args) -> int:
    from integrationsmonitor.catalogue import load_catalogue
    from integrationsmonitor.genesis import read_genesis
    from integrationsmonitor.indicators import import_reference

    basis = _basis(args)
    region = args.region or load_catalogue(basis.concept).kreisschluessel
    table = read_genesis(args.file)
    table.check_years(region, args.variable)
    n = import_reference(basis.database, table, args.figure, args.variable,
                         region, args.scale, args.file.name)
    stand = f", Stand {table.stand:%d.%m.%Y}" if table.stand else ""
    print(f"importiert: {n} Werte für {args.figure} aus {args.file.name} "
          f"(Tabelle {table.code}{stand})")
    return 0


def _report(args) -> int:
    from tqdm import tqdm

    from integrationsmonitor.params import all_params_files
    from integrationsmonitor.render import STEPS

    periods = [p.stem for p in all_params_files()] if args.all else [args.period]
    overrides = {"database": str(args.database)} if args.database else {}
    jobs = max(1, min(args.jobs or os.cpu_count() or 1, len(periods)))
    failed = []
    with tqdm(total=len(periods) * len(STEPS), desc="Berichte", unit="Schritt",
              file=sys.stderr, disable=None, bar_format="{desc}: {n}/{total} Schritte "
              "|{bar}| {elapsed}") as bar:
        def shown(period: str, step: str) -> None:
            bar.set_description(f"{period}: {step}")
            bar.update(1)

        def done(period: str, message: str, seconds: dict[str, float]) -> None:
            if message.startswith("Fehler"):
                failed.append(period)
                tqdm.write(f"Fehler: Bericht {period} nicht erstellt; die bisherige Ausgabe "
                           f"bleibt erhalten.\n{message}", file=sys.stderr)
                return
            tqdm.write(message)
            if args.verbose:
                tqdm.write(f"  {period}: " + "; ".join(
                    f"{k} {v:.1f} s".replace(".", ",") for k, v in seconds.items()))

        if jobs == 1:
            _render_batch(periods, args.out, args.notebooks, overrides, shown, done)
        else:
            _render_parallel(periods, args, overrides, jobs, shown, done)
    if failed:
        print(f"Fehlgeschlagen: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _render_parallel(periods: list[str], args, overrides: dict, jobs: int, shown, done) -> None:
    """One process per core ("spawn" keeps the workers free of the parent's threads and
    sockets); each takes the next report from a shared queue and keeps its kernels and PDF
    process for all the reports it renders. Steps and results come back through a queue."""
    import queue as queue_module

    ctx = get_context("spawn")
    with ctx.Manager() as manager, ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        todo, messages = manager.Queue(), manager.Queue()
        for period in sorted(periods, key=_expected_cost):
            todo.put(period)
        workers = [pool.submit(_render_worker, todo, messages, args.out, args.notebooks,
                               overrides) for _ in range(jobs)]

        def relay(message: tuple) -> None:
            (shown if message[0] == "step" else done)(*message[1:])

        while not all(w.done() for w in workers):
            try:
                relay(messages.get(timeout=0.2))
            except queue_module.Empty:
                pass
        while not messages.empty():
            relay(messages.get())
        for worker in workers:
            worker.result()  # a worker that crashed outside a render


def _expected_cost(period: str) -> int:
    """Largest first, so that no long report starts last while the other workers idle: the
    final report (longest annex), then the half-years, the annual reports last (shortest)."""
    from integrationsmonitor.periods import ANNUAL, FINAL

    return {FINAL: 0, ANNUAL: 2}.get(_kind_of(period), 1)


def _render_worker(todo, messages, out, notebooks, overrides) -> None:
    """A render process: reports from ``todo`` until it is empty, in one render session."""
    import queue as queue_module

    def periods():
        while True:
            try:
                yield todo.get_nowait()
            except queue_module.Empty:
                return

    _render_batch(periods(), out, notebooks, overrides,
                  shown=lambda period, step: messages.put(("step", period, step)),
                  done=lambda *result: messages.put(("done", *result)))


def _render_batch(periods, out, notebooks, overrides: dict, shown, done) -> None:
    """Render ``periods`` one after another in one render session (kernels and PDF process
    started once); ``shown(period, step)`` at each step, ``done(period, message, seconds)``
    after each report."""
    from integrationsmonitor.render import RenderError, RenderSession, render_period

    with RenderSession() as session:
        for period in periods:
            try:
                result = render_period(period, out_root=out, notebooks=notebooks,
                                       overrides=overrides, session=session,
                                       on_step=lambda step, p=period: shown(p, step))
            except RenderError as exc:
                done(period, f"Fehler: {exc}", {})
                continue
            done(period, f"{period}: {result.folder}: report.html/.pdf und anhang.html/.pdf "
                         "geschrieben", result.seconds)


if __name__ == "__main__":
    sys.exit(main())
