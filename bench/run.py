"""Benchmark of the observatory on the synthetic national store; writes BENCHMARKS.md.

    .venv/bin/python bench/run.py                      # core, browser and sessions
    .venv/bin/python bench/run.py --section browser    # one section (repeatable)
    .venv/bin/python bench/run.py --section national   # regions' packages, national store (not by default)
    .venv/bin/python bench/run.py --section firstrun   # fresh clone, empty caches (not by default)
    .venv/bin/python bench/run.py --quick              # small scale, few runs: a smoke run
    options: --reuse (keep the store of a previous run), --no-server, --output PATH

Not a test. Each section rewrites its own block of BENCHMARKS.md, with the machine's load average
when it ran; every figure stands next to its floor, measured in the same run, and its target:

core: 1. building the store from the export files (``observatory synth``), rows/s; floor: reading
   the same files' cells; yardstick: the same files imported by the commit that met the import
   target (taken from the repository's history), in turns with this code; 2. ``observatory
   figures`` in process and as a command; floor: the same SQL on a bare DuckDB connection;
   3. every page rerun through AppTest for three scopes, warm and cold; floor: the SQL the cold
   rerun issued plus an empty page's rerun; 4. the size of every chart specification; 5. the
   peak memory of a server with 10 browser sessions open;
browser: every page's fresh load and sidebar switch in headless Chromium (Playwright, Debian's
   /usr/bin/chromium), until every displayed chart is drawn; floor: a trivial two-page app served
   the same way;
sessions: 10 Chromium contexts, then 10 and 30 websocket sessions (``observatory.ui.probe``)
   opening one page at once and changing a filter, p50/p95, the server's CPU and memory; floors:
   the trivial app opened the same way, one session alone;
national: the store's 18 regions each published as its own federation's package over every
   year, consolidated into a national store; its pages' reruns and ``observatory figures``;
firstrun: ``git clone`` to the app answering and to the tests finishing, with empty caches.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# AppTest outside a server logs warnings on every run and cache clear: keep the output readable.
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")
if str(ROOT) not in sys.path:  # run as a script: the package comes from this work tree
    sys.path.insert(0, str(ROOT))

APP = ROOT / "server.py"  # the app behind its sign-in routes, as `manage.py run` serves it
# AppTest runs app.py itself: under AppTest, server.py's st.App renders nothing (no page ran)
APPTEST_APP = ROOT / "app.py"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
EMPTY_PAGE = "import streamlit as st\n\nst.write('Observatoire')\n"
TERRITORY = "Auvergne-Rhône-Alpes"
DEPARTEMENT = "38"
REGION_FEDERATION = "femasaura"  # a regional federation: its map is the map of one region
SESSIONS = 10
TARGET = {"warm": 0.300, "cold": 1.5, "ratio": 2.0, "map_region": 300_000,
          "map_france": 1_500_000, "import_100k": 10.0, "server": 1024**3}
# The import's yardstick of this machine's speed, whose CPU share varies 1.5–2× from hour to
# hour: the commit whose import met the target (8.3 s per 100,000 rows of this series on
# 2026-11-29), importing the same files in the same run, interleaved with this code.
REFERENCE_COMMIT, REFERENCE_PER_100K, REFERENCE_DAY = "1de2677", 8.3, "2026-11-29"
REFERENCE_RUNS = 3


# -- helpers --------------------------------------------------------------------------------------
def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def ms(seconds: float) -> str:
    if seconds != seconds:
        return "—"
    return f"{seconds * 1000:,.0f} ms".replace(",", " ") if seconds < 10 else f"{seconds:.1f} s"


def size(n: float) -> str:
    return f"{n / 1_000_000:.2f} MB" if n >= 1_000_000 else f"{n / 1000:.0f} KB"


def mib(n: float) -> str:
    return f"{n / 1024**2:,.0f} MiB".replace(",", " ")


def num(n: float) -> str:
    return f"{n:,.0f}".replace(",", " ")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def log(text: str) -> None:
    print(text, flush=True)


def machine() -> str:
    import altair
    import duckdb
    import streamlit

    cpu, ram = platform.processor() or "?", "?"
    with contextlib.suppress(OSError):
        cpu = next((line.split(":", 1)[1].strip() for line in
                    Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), cpu)
        kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:"))
        ram = f"{kib / 1024**2:.0f} GiB"
    return (f"{os.cpu_count()} cores ({cpu}), {ram} RAM, {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, Streamlit "
            f"{streamlit.__version__}, Altair {altair.__version__}")


# -- the bare-DuckDB floor: the SQL a run issued, replayed on one read-only connection -------------
@contextlib.contextmanager
def capture_sql() -> Iterator[list[tuple[str, Any]]]:
    """Record every ``store.query`` (the project's one read helper) while the block runs."""
    from observatory import store

    original, seen = store.query, []

    def query(sql: str, params: Any = None, *, db: Any = None) -> Any:
        seen.append((sql, params))
        return original(sql, params, db=db)

    store.query = query
    try:
        yield seen
    finally:
        store.query = original


def bare_sql(db: Path, statements: list[tuple[str, Any]], runs: int = 3) -> float:
    """Median time of connecting read-only and fetching every statement's result."""
    import duckdb

    def once() -> None:
        with duckdb.connect(str(db), read_only=True) as con:
            for sql, params in statements:
                con.execute(sql, params if params is not None else []).fetchall()

    return median(timed(once, runs))


# -- 1. building the store ------------------------------------------------------------------------
@dataclass
class Build:
    scale: str
    files: int
    export_bytes: int
    generate_s: float
    import_s: float  # every file, through imports.import_files, wall clock
    rows: dict[str, int]  # rows imported per kind
    seconds: dict[str, float]  # per kind
    read_s: float  # floor: reading every file's cells
    cow_s: float  # one empty copy-on-write on the built store: what one import per file adds
    store_bytes: int
    counts: dict[str, int]
    # the same series imported by this code and by REFERENCE_COMMIT's, in turns, each in a fresh
    # process (seconds each); empty with the reason when the reference could not run
    ours_s: list[float] = field(default_factory=list)
    reference_s: list[float] = field(default_factory=list)
    reference_note: str = ""
    steal: float | None = None  # share of the CPU time the hypervisor took meanwhile


def build_store(scale: str, work: Path, reuse: bool) -> tuple[Path, Build]:
    from observatory import synth
    from observatory.imports.reading import read_table

    db, out, saved = work / "store.duckdb", work / "exports", work / "build.json"
    if reuse and db.exists() and saved.exists():
        build = Build(**json.loads(saved.read_text(encoding="utf-8")))
        if build.scale == scale:
            log(f"[build] réutilise {db}")
            return db, build
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    files = synth.generate(out, scale)
    generate_s = time.perf_counter() - started
    log(f"[build] {len(files)} fichiers générés en {generate_s:.1f} s ; import…")
    started = time.perf_counter()
    timings = synth.build(db, out)
    import_s = time.perf_counter() - started
    rows: dict[str, int] = {}
    seconds: dict[str, float] = {}
    for t in timings:
        rows[t.kind] = rows.get(t.kind, 0) + t.rows
        seconds[t.kind] = seconds.get(t.kind, 0.0) + t.seconds
    started = time.perf_counter()
    for entry in synth.manifest(out):
        path = out / entry["file"]
        read_table(path.read_bytes(), file_name=path.name)
    read_s = time.perf_counter() - started
    build = Build(scale, len(files), sum(p.stat().st_size for p in files), generate_s, import_s,
                  rows, seconds, read_s, cow_cost(db, work), db.stat().st_size, counts(db))
    before = cpu_ticks()
    build.ours_s, build.reference_s, build.reference_note = against_reference(out, work)
    build.steal = steal_share(before, cpu_ticks())
    saved.write_text(json.dumps(build.__dict__), encoding="utf-8")
    log(f"[build] {num(sum(rows.values()))} lignes en {import_s:.1f} s "
        f"(lecture seule des fichiers {read_s:.1f} s)")
    return db, build


_TIMED_BUILD = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from observatory import synth\n"
    "started = time.perf_counter()\n"
    "synth.build(Path(sys.argv[1]), Path(sys.argv[2]))\n"
    "print(time.perf_counter() - started)\n")


def timed_build(code: Path, out: Path, db: Path) -> float:
    """``synth.build`` of the files in ``out`` by the ``observatory`` package under ``code``,
    in a fresh process: its seconds."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run([sys.executable, "-c", _TIMED_BUILD, str(db), str(out)], cwd=code,
                          env=env, capture_output=True, text=True, timeout=900)
    for path in db.parent.glob(db.name + "*"):
        path.unlink()
    if done.returncode:
        raise RuntimeError((done.stderr.strip().splitlines() or ["?"])[-1])
    return float(done.stdout.split()[-1])


def cpu_ticks() -> list[int]:
    """The machine's CPU time by state (Linux /proc/stat; empty elsewhere)."""
    try:
        return [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except (OSError, ValueError):
        return []


def steal_share(before: list[int], after: list[int]) -> float | None:
    """Of the CPU time between two ``cpu_ticks``, the share a virtual machine's host took."""
    if len(before) < 8 or len(after) < 8:
        return None
    total = sum(after[:8]) - sum(before[:8])
    return (after[7] - before[7]) / total if total else None


def against_reference(out: Path, work: Path) -> tuple[list[float], list[float], str]:
    """The series imported in turns by this code and by REFERENCE_COMMIT's (its ``observatory``
    package taken from this repository's history), REFERENCE_RUNS times each."""
    tree = work / f"reference-{REFERENCE_COMMIT}"
    if not (tree / "observatory").is_dir():
        shutil.rmtree(tree, ignore_errors=True)
        tree.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", REFERENCE_COMMIT,
                                  "observatory"], capture_output=True)
        if archive.returncode:
            return [], [], (f"commit {REFERENCE_COMMIT} not in this clone's history: "
                            + archive.stderr.decode(errors="replace").strip())
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    ours, theirs = [], []
    try:
        for _ in range(REFERENCE_RUNS):
            log(f"[build] la même série importée par {REFERENCE_COMMIT}, puis par ce code…")
            theirs.append(timed_build(tree, out, work / "reference.duckdb"))
            ours.append(timed_build(ROOT, out, work / "ours.duckdb"))
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        return [], [], f"the reference's import failed: {exc}"
    return ours, theirs, ""


def cow_cost(db: Path, work: Path, runs: int = 5) -> float:
    """One empty write (copy, commit, checkpoint, fsync, rename) on a copy of the store."""
    from observatory import store

    copy = work / "cow.duckdb"
    shutil.copyfile(db, copy)

    def once() -> None:
        with store.writing(copy):
            pass

    try:
        return median(timed(once, runs))
    finally:
        for path in work.glob("cow.duckdb*"):
            path.unlink()


def counts(db: Path) -> dict[str, int]:
    from observatory import store

    tables = ("teams", "memberships", "facilitations", "survey_responses", "survey_answers",
              "fiches", "import_batches")
    sql = " UNION ALL ".join(f"SELECT '{t}' AS t, count(*) AS n FROM {t}" for t in tables)
    found = store.query(sql, db=db)
    found = dict(zip(found["t"], found["n"], strict=True))
    found["departements"] = int(store.query(
        "SELECT count(DISTINCT departement) AS n FROM memberships", db=db)["n"].iloc[0])
    found["surveys"] = int(store.query("SELECT count(*) AS n FROM surveys", db=db)["n"].iloc[0])
    return {k: int(v) for k, v in found.items()}


# -- 2. observatory figures -----------------------------------------------------------------------
def scopes(year: int) -> list[tuple[str, Any, dict[str, str]]]:
    """(label, Scope, URL parameters): the whole federation, a territory, a département."""
    from observatory.filters import Scope

    return [
        ("France entière", Scope(year=year), {}),
        (TERRITORY, Scope(year=year, territory=TERRITORY), {"territoire": TERRITORY}),
        (f"Isère ({DEPARTEMENT})", Scope(year=year, territory=TERRITORY, departement=DEPARTEMENT),
         {"territoire": TERRITORY, "dep": DEPARTEMENT}),
    ]


@dataclass
class Figures:
    scope: str
    run_s: float
    bare_s: float


def bench_figures(db: Path, year: int, runs: int) -> list[Figures]:
    from observatory import indicators, store
    from observatory.config import get_federation

    fed = get_federation(store.federation_id(db))
    out = []
    for label, scope, _ in scopes(year):
        with capture_sql() as statements:
            indicators.key_figures(scope, fed, db)
        run = median(timed(lambda s=scope: indicators.key_figures(s, fed, db), runs))
        out.append(Figures(label, run, bare_sql(db, statements, runs)))
        log(f"[figures] {label}: {ms(run)} (SQL nue {ms(out[-1].bare_s)})")
    return out


def bench_figures_cli(db: Path, year: int, runs: int, work: Path) -> Figures:
    """The command as a user runs it (a new process each time) against a bare ``python -c``."""
    from observatory import indicators, store
    from observatory.config import get_federation

    with capture_sql() as statements:
        indicators.key_figures(scopes(year)[0][1], get_federation(store.federation_id(db)), db)
    sql_file = work / "figures_sql.json"
    sql_file.write_text(json.dumps(statements), encoding="utf-8")
    cli = [sys.executable, "-m", "observatory", "figures", "--year", str(year), "--db", str(db),
           "--json"]
    bare = [sys.executable, "-c", "import duckdb, json, sys\n"
            "con = duckdb.connect(sys.argv[1], read_only=True)\n"
            "for sql, params in json.load(open(sys.argv[2])):\n"
            "    con.execute(sql, params or []).fetchall()\n", str(db), str(sql_file)]

    def call(cmd: list[str]) -> None:
        subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)

    call(cli)
    result = Figures("commande `observatory figures`", median(timed(lambda: call(cli), runs)),
                     median(timed(lambda: call(bare), runs)))
    log(f"[figures] CLI : {ms(result.run_s)} (python + duckdb nus {ms(result.bare_s)})")
    return result


# -- 3. pages through AppTest ---------------------------------------------------------------------
def apptest_reruns_app_py() -> None:
    """What tests/conftest.py does: AppTest reruns app.py (and its sidebar) as the server does."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init  # type: ignore[method-assign]


@dataclass
class PageRun:
    title: str
    scope: str
    warm: list[float] = field(default_factory=list)
    cold: list[float] = field(default_factory=list)
    bare_s: float = float("nan")
    queries: int = 0
    error: str = ""


def bench_empty_page(runs: int) -> list[float]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(EMPTY_PAGE, default_timeout=60)
    at.run()
    return timed(at.run, runs)


def bench_page(db: Path, path: str, title: str, label: str, params: dict[str, str],
               warm: int, cold: int) -> PageRun:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    result = PageRun(title, label)
    at = AppTest.from_file(str(APPTEST_APP), default_timeout=300)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(path)
    at.run()
    if at.exception:
        result.error = str(at.exception[0].message).splitlines()[0][:160]
        return result
    result.warm = timed(at.run, warm)
    for _ in range(cold):
        st.cache_data.clear()
        result.cold += timed(at.run, 1)
    st.cache_data.clear()
    with capture_sql() as statements:
        at.run()
    result.bare_s, result.queries = bare_sql(db, statements), len(statements)
    return result


def bench_pages(db: Path, year: int, warm: int, cold: int) -> list[PageRun]:
    import streamlit.logger

    from observatory.pages import PAGES

    os.environ["OBSERVATORY_DB"] = str(db)
    apptest_reruns_app_py()
    streamlit.logger.set_log_level("error")  # AppTest warns on every run outside a server
    results = []
    for page in PAGES:
        for label, _, params in scopes(year):
            r = bench_page(db, page.file, page.title, label, params, warm, cold)
            results.append(r)
            log(f"[pages] {page.title} · {label}: " + (f"ERREUR {r.error}" if r.error else
                f"chaud {ms(median(r.warm))}, froid {ms(median(r.cold))} (SQL nue "
                f"{ms(r.bare_s)}, {r.queries} requêtes)"))
    return results


# -- 4. chart specifications ----------------------------------------------------------------------
def spec_bytes(view: Any) -> dict[str, int]:
    """Each figure's Vega-Lite spec as JSON text, its rows inline (what a saved spec weighs)."""
    return {f.key: len(json.dumps(f.chart.to_dict(), separators=(",", ":")))
            for f in view.figures if f.chart is not None}


def sent_bytes(view: Any) -> dict[str, int]:
    """Each figure as the page sends it: the spec's JSON without its datasets, plus each dataset
    as Arrow (``render.chart_payload``, what the chart element carries to the browser)."""
    from observatory.ui import render

    out = {}
    for f in view.figures:
        if f.chart is None or not len(f.data):
            continue
        spec = render.chart_payload(f)
        datasets = spec.pop("datasets", {})
        out[f.key] = len(json.dumps(spec, separators=(",", ":"))) + sum(
            len(d) if isinstance(d, bytes) else len(json.dumps(d, default=str))
            for d in datasets.values())
    return out


@dataclass
class Specs:
    page: str
    scope: str
    json: dict[str, int]  # figure key → bytes of the spec as JSON, rows inline
    sent: dict[str, int]  # figure key → bytes sent to the browser (JSON + Arrow)


def bench_specs(db: Path, year: int) -> tuple[list[Specs], dict[str, int]]:
    """Every figure's spec size per page and scope; the map sizes."""
    from observatory import store
    from observatory.config import get_federation
    from observatory.exports.cli import PAGES, resolve_page
    from observatory.filters import Scope
    from observatory.views import carte

    fed = get_federation(store.federation_id(db))
    builds = {page.title: resolve_page(name) for name, page in PAGES.items()}
    rows = []
    for page, build in builds.items():
        for label, scope, _ in scopes(year):
            view = build(scope, fed, db)
            rows.append(Specs(page, label, spec_bytes(view), sent_bytes(view)))
    region = get_federation(REGION_FEDERATION)
    maps = {}
    for name, federation in ((f"one region ({region.region}, {len(region.departements)} "
                              "départements)", region),
                             (f"all of France ({len(fed.departements)} départements)", fed)):
        maps[name] = max(max(spec_bytes(carte.build(Scope(year=year), federation, db,
                                                     indicator=i)).values())
                         for i in carte.INDICATORS)
        log(f"[specs] carte {name}: {size(maps[name])}")
    return rows, maps


# -- 5. server memory with 10 sessions ------------------------------------------------------------
READY_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const main = document.querySelector('[data-testid="stMain"] h1, [data-testid="stMain"] p');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning' && !!main;
}"""


@dataclass
class Server:
    app: str
    idle: int = 0
    peak: int = 0
    sessions: int = 0
    seconds: float = float("nan")
    note: str = ""


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak resident memory) of a process, in bytes."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) * 1024
    return out


def bench_server(script: Path, db: Path, paths: list[str], work: Path, label: str) -> Server:
    """Start ``streamlit run``, open the pages in SESSIONS browser tabs, read its peak memory."""
    result = Server(label)
    if not CHROMIUM.exists():
        result.note = "not measured: /usr/bin/chromium is missing"
        return result
    from observatory.ui.probe import serve

    try:
        with serve(script, db, work / f"server-{script.stem}") as server, chromium() as browser:
            result.idle = memory(server.process.pid)["VmRSS"]
            started = time.perf_counter()
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            tabs = []
            for path in paths:
                tab = context.new_page()
                tab.goto(f"{server.url}/{path}", wait_until="domcontentloaded")
                tabs.append(tab)
            for tab in tabs:
                with contextlib.suppress(Exception):
                    tab.wait_for_function(READY_JS, timeout=300_000)
                    result.sessions += 1
            result.seconds = time.perf_counter() - started
            time.sleep(2)
            result.peak = memory(server.process.pid)["VmHWM"]
        if result.sessions < len(paths):
            result.note = f"{result.sessions}/{len(paths)} sessions displayed in time"
    except Exception as exc:  # the memory figure is one of five: report, do not stop
        result.note = f"not measured: {type(exc).__name__}: {exc}"[:200]
    return result


def session_paths(year: int) -> list[str]:
    """Ten visitors spread over the pages and the three scopes."""
    from observatory.pages import PAGES

    pages = [p.url_path for p in PAGES if p.role != "admin"]
    return [f"{pages[i % len(pages)]}?" + urllib.parse.urlencode(
        {"annee": str(year), **scopes(year)[i % 3][2]}) for i in range(SESSIONS)]


# -- 6. what a person waits for: pages in a browser -----------------------------------------------
# Injected into every page before Streamlit's own scripts: a poller that stamps ``__doneAt``
# (epoch ms) the first time the page is finished for what ``__want`` asks — connected, script
# not running, nothing stale, a title (``notH1``: another than the previous page's; ``search``:
# the URL holds it), and every chart and table that is displayed (not in a closed expander or
# another tab) drawn. An exception box counts as finished, and is reported.
DONE_JS = """
window.__want = window.__want || {};
window.__doneAt = 0;
window.__done = () => {
  const want = window.__want;
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning'
      || app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main) return false;
  if (main.querySelector('[data-testid="stException"]')) return 'exception';
  const h1 = main.querySelector('h1');
  if (!h1 || (want.notH1 && h1.textContent.trim() === want.notH1)) return false;
  if (want.search && !decodeURIComponent(location.search).includes(want.search)) return false;
  const shown = e => e.getClientRects().length > 0;
  for (const c of main.querySelectorAll('[data-testid="stVegaLiteChart"]'))
    if (shown(c) && !c.querySelector('canvas, svg')) return false;
  for (const f of main.querySelectorAll('[data-testid="stDataFrame"]'))
    if (shown(f) && !f.querySelector('canvas')) return false;
  return 'done';
};
setInterval(() => {
  if (window.__doneAt) return;
  const found = window.__done();
  if (found) { window.__doneAt = Date.now(); window.__outcome = found; }
}, 25);
"""
FLOOR_APP = {  # a trivial two-page app, served the same way: the fresh-load and switch floors
    "app.py": "import streamlit as st\n\nst.navigation([st.Page('un.py', title='Un', default=True),"
              " st.Page('deux.py', title='Deux')]).run()\n",
    "un.py": "import streamlit as st\n\nst.title('Observatoire')\nst.write('Une page vide.')\n",
    "deux.py": "import streamlit as st\n\nst.title('Deux')\nst.write('Une autre page vide.')\n",
}
TARGET.update({"load_ratio": 1.5, "load_plus": 0.5, "switch": 1.0, "crowd_ratio": 1.5,
               "crowd_plus": 1.0, "light_ratio": 4.0, "light_memory": 1.5e9})


def floor_app(work: Path) -> Path:
    folder = work / "floor-app"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in FLOOR_APP.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder / "app.py"


def load_average() -> str:
    return " / ".join(f"{v:.1f}" for v in os.getloadavg())


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium through Playwright, as tests/e2e start it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_tab(browser: Any) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="fr-FR",
                                  timezone_id="Europe/Paris")
    context.add_init_script(DONE_JS)
    context.set_default_timeout(300_000)
    return context, context.new_page()


def finished(tab: Any, started_ms: float) -> float:
    """Seconds from ``started_ms`` (epoch) to the moment the page's poller found it finished."""
    tab.wait_for_function("() => window.__doneAt > 0", polling=50)
    done, outcome = tab.evaluate("() => [window.__doneAt, window.__outcome]")
    if outcome == "exception":
        raise RuntimeError(f"exception Streamlit sur {tab.url}")
    return (done - started_ms) / 1000


def fresh_load(browser: Any, url: str) -> float:
    """A new visitor (new context) opens ``url``: seconds until its page is finished."""
    context, tab = new_tab(browser)
    try:
        started = time.time() * 1000
        tab.goto(url, wait_until="commit")
        return finished(tab, started)
    finally:
        context.close()


def click_and_wait(tab: Any, click: Callable[[], None], search: str = "") -> float:
    """Seconds from ``click`` until the page is finished again (another title, or ``search`` in
    the URL when the title stays)."""
    h1 = "" if search else tab.locator('[data-testid="stMain"] h1').first.inner_text().strip()
    tab.evaluate("(want) => { window.__want = want; window.__doneAt = 0; }",
                 {"notH1": h1, "search": search})
    started = time.time() * 1000
    click()
    return finished(tab, started)


def nav_link(tab: Any, title: str) -> Any:
    return tab.get_by_test_id("stSidebarNavLink").filter(has_text=title).first


@dataclass
class BrowserPage:
    title: str
    load: list[float] = field(default_factory=list)
    switch: list[float] = field(default_factory=list)
    charts: int = 0
    error: str = ""


@dataclass
class BrowserRun:
    runs: int
    load_before: str
    load_after: str = ""
    floor_load: list[float] = field(default_factory=list)
    floor_switch: list[float] = field(default_factory=list)
    pages: list[BrowserPage] = field(default_factory=list)


def bench_browser(db: Path, year: int, work: Path, runs: int) -> BrowserRun:
    """Every page's fresh load and sidebar switch in headless Chromium, next to the floor app's."""
    from observatory.pages import PAGES
    from observatory.ui.probe import serve

    result = BrowserRun(runs, load_average())
    query = f"?annee={year}"
    with chromium() as browser:
        with serve(floor_app(work), db, work / "floor-server") as floor:
            fresh_load(browser, floor.url + "/")  # the server's first run imports streamlit's
            result.floor_load = [fresh_load(browser, floor.url + "/") for _ in range(runs)]
            context, tab = new_tab(browser)
            tab.goto(floor.url + "/")
            finished(tab, 0)
            for i in range(runs):
                result.floor_switch.append(click_and_wait(
                    tab, nav_link(tab, "Deux" if i % 2 == 0 else "Un").click))
            context.close()
            log(f"[browser] plancher : chargement {ms(median(result.floor_load))}, "
                f"changement de page {ms(median(result.floor_switch))}")
        with serve(APP, db, work / "app-server") as server:
            for page in PAGES:  # the first visit of each page fills the server's cache
                fresh_load(browser, f"{server.url}/{page.url_path}{query}")
            for page in PAGES:
                row = BrowserPage(page.title)
                url = f"{server.url}/{page.url_path}{query}"
                try:
                    row.load = [fresh_load(browser, url) for _ in range(runs)]
                    # the switch: from another page to this one, through the sidebar
                    other = PAGES[1] if page.default else PAGES[0]
                    context, tab = new_tab(browser)
                    tab.goto(f"{server.url}/{other.url_path}{query}")
                    finished(tab, 0)
                    for _ in range(runs):
                        row.switch.append(click_and_wait(tab, nav_link(tab, page.title).click))
                        row.charts = tab.locator('[data-testid="stMain"] '
                                                 '[data-testid="stVegaLiteChart"]').count()
                        click_and_wait(tab, nav_link(tab, other.title).click)
                    context.close()
                except Exception as exc:  # one page's failure is a figure: report, go on
                    row.error = f"{type(exc).__name__}: {exc}".splitlines()[0][:160]
                result.pages.append(row)
                log(f"[browser] {page.title}: " + (f"ERREUR {row.error}" if row.error else
                    f"chargement {ms(median(row.load))}, changement {ms(median(row.switch))}"))
    result.load_after = load_average()
    return result


# -- 7. many people at once ----------------------------------------------------------------------
CROWD_PAGE = "facilitations"
CROWD_FILTER = ("Département", "38 – Isère", "dep=38")  # label, option, what the URL then holds


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


@dataclass
class Crowd:
    """N sessions opening one page at once, then each changing a filter."""

    who: str  # "chromium" or "light client"
    app: str
    sessions: int
    open: list[float] = field(default_factory=list)
    change: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cpu: float = float("nan")  # the server's CPU seconds over wall seconds (cores busy)
    peak: int = 0  # the server's VmHWM
    load: str = ""


def chromium_crowd(browser: Any, url: str, n: int, change: Callable[[Any], float],
                   label: str, app: str) -> Crowd:
    crowd = Crowd("chromium", app, n, load=load_average())
    tabs = [new_tab(browser) for _ in range(n)]
    started = []
    for _, tab in tabs:
        started.append(time.time() * 1000)
        tab.goto(url, wait_until="commit")
    for (_, tab), t0 in zip(tabs, started, strict=True):
        try:
            crowd.open.append(finished(tab, t0))
        except Exception as exc:
            crowd.errors.append(f"{type(exc).__name__}: {exc}".splitlines()[0][:160])
    crowd.change = [change(tab) for _, tab in tabs]
    for context, _ in tabs:
        context.close()
    log(f"[sessions] {label}: ouverture p50 {ms(median(crowd.open))} p95 {ms(p95(crowd.open))}, "
        f"changement p50 {ms(median(crowd.change))} p95 {ms(p95(crowd.change))}")
    return crowd


def choose_filter(tab: Any) -> float:
    """The reader picks the département in the sidebar select (tests/e2e's ``choose``)."""
    label, option, search = CROWD_FILTER
    tab.get_by_test_id("stSidebar").get_by_role("combobox", name=label, exact=True).click()
    tab.keyboard.type(option.split(" – ")[-1])  # a hundred options: the list shows a few at once
    item = tab.get_by_role("option", name=option, exact=True)
    item.wait_for()
    return click_and_wait(tab, item.click, search=search)


async def light_crowd(url: str, n: int, page: str, query: str) -> tuple[list[float],
                                                                         list[float], list[str]]:
    """``n`` websocket sessions at once: open the page, then choose the filter."""
    import asyncio

    from observatory.ui.probe import Session

    async def one() -> tuple[float, float, list[str]]:
        async with Session(url, page, query) as session:
            first = await session.run()
            second = await session.run(CROWD_FILTER[:2])
            errors = first.errors + second.errors
            if CROWD_FILTER[2] not in urllib.parse.unquote(session.query):
                errors.append(f"the filter did not reach the URL: {session.query}")
            return first.seconds, second.seconds, errors

    found = await asyncio.gather(*(one() for _ in range(n)), return_exceptions=True)
    opened, changed, errors = [], [], []
    for item in found:
        if isinstance(item, BaseException):
            errors.append(f"{type(item).__name__}: {item}"[:160])
            continue
        opened.append(item[0])
        changed.append(item[1])
        errors += item[2]
    return opened, changed, errors


@dataclass
class Sessions:
    single_open: list[float] = field(default_factory=list)  # the light client, one at a time
    single_change: list[float] = field(default_factory=list)
    crowds: list[Crowd] = field(default_factory=list)
    load_before: str = ""
    load_after: str = ""


def measured(server: Any, make: Callable[[], Crowd]) -> Crowd:
    """Run ``make`` and read the server's CPU (cores busy meanwhile) and peak memory."""
    cpu, wall = cpu_seconds(server.process.pid), time.perf_counter()
    crowd = make()
    crowd.cpu = (cpu_seconds(server.process.pid) - cpu) / (time.perf_counter() - wall)
    crowd.peak = memory(server.process.pid)["VmHWM"]
    return crowd


def light(url: str, n: int, query: str) -> Crowd:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    crowd = Crowd("light client", "app.py", n, load=load_average())
    with ThreadPoolExecutor(1) as thread:  # Playwright's sync API holds this thread's event loop
        crowd.open, crowd.change, crowd.errors = thread.submit(
            asyncio.run, light_crowd(url, n, CROWD_PAGE, query)).result()
    log(f"[sessions] {n} sessions légères : ouverture p50 {ms(median(crowd.open))} "
        f"p95 {ms(p95(crowd.open))}, changement p95 {ms(p95(crowd.change))}, "
        f"{len(crowd.errors)} erreurs")
    return crowd


def bench_sessions(db: Path, year: int, work: Path, runs: int, counts: tuple[int, ...],
                   browser_sessions: int) -> Sessions:
    from observatory.ui.probe import serve

    result = Sessions(load_before=load_average())
    query = f"annee={year}"
    with chromium() as browser:
        with serve(floor_app(work), db, work / "floor-crowd") as floor:
            fresh_load(browser, floor.url + "/")
            result.crowds.append(measured(floor, lambda: chromium_crowd(
                browser, floor.url + "/", browser_sessions,
                lambda tab: click_and_wait(tab, nav_link(tab, "Deux").click),
                "plancher chromium", "floor app")))
        with serve(APP, db, work / "app-crowd") as server:
            url = f"{server.url}/{CROWD_PAGE}?{query}"
            fresh_load(browser, server.url + "/")
            fresh_load(browser, url)  # the server's cache holds the page, as after its first visitor
            for _ in range(runs):  # one session alone: the light client's reference
                one = light(server.url, 1, query)
                result.single_open += one.open
                result.single_change += one.change
            result.crowds.append(measured(server, lambda: chromium_crowd(
                browser, url, browser_sessions, choose_filter, "chromium app.py", "app.py")))
            for n in counts:
                result.crowds.append(measured(server, lambda n=n: light(server.url, n, query)))
    result.load_after = load_average()
    return result


# -- report ---------------------------------------------------------------------------------------
@dataclass
class Report:
    started: dt.datetime
    elapsed_s: float
    scale: str
    quick: bool
    runs: dict[str, int]
    year: int
    build: Build
    figures: list[Figures]
    cli: Figures
    empty: list[float]
    pages: list[PageRun]
    specs: list[Specs]
    maps: dict[str, int]
    servers: list[Server]
    load_before: str


def over_floor_note(ran: list[PageRun], ratio: dict[int, float]) -> list[str]:
    """Why the pages over the cold-rerun ratio are over it (nothing when none is)."""
    over = [p for p in ran if ratio[id(p)] > TARGET["ratio"]]
    if not over:
        return []
    shown = ", ".join(f"{p.title} · {p.scope} ({ratio[id(p)]:.1f}×)" for p in over)
    return ["", f"Over {TARGET['ratio']:.0f}× the floor: {shown}. Of what such a chart-heavy "
            "page adds to its SQL (measured on Enquêtes flash), about half is Streamlit laying "
            "the page out — each chart and its Arrow rows, captions, metrics, the closed "
            "download menus (their buttons are built only when one is opened) — which the page "
            "cannot skip without showing less; about a third is building the figures' data "
            "frames and specs, the rest the shell and the cache. Reruns of one page vary by "
            "about ±20 % between runs of this script on this shared machine."]


def render(r: Report) -> str:
    b = r.build
    rows = sum(b.rows.values())
    # the median of the fresh processes' imports when measured (the first import, which built
    # the store inside this script, is one run only)
    import_s = median(b.ours_s) if b.ours_s else b.import_s
    per_100k = import_s * 100_000 / rows
    empty = median(r.empty)
    ran = [p for p in r.pages if not p.error]
    worst_warm = max(ran, key=lambda p: median(p.warm))
    worst_cold = max(ran, key=lambda p: median(p.cold))
    ratio = {id(p): median(p.cold) / (p.bare_s + empty) for p in ran}
    worst_ratio = max(ran, key=lambda p: ratio[id(p)])
    region = next(v for k, v in r.maps.items() if k.startswith("one region"))
    france = next(v for k, v in r.maps.items() if k.startswith("all of France"))
    whole = r.specs[0] if r.specs else None  # scopes() lists the whole federation first

    def largest(s: Specs) -> str:
        return max(s.json, key=s.json.get, default="")

    app, floor_server = r.servers[0] if r.servers else None, r.servers[1] if r.servers else None
    measured_server = app is not None and app.peak > 0 and app.sessions == SESSIONS
    ours_ratio = median(b.ours_s) / median(b.reference_s) if b.ours_s and b.reference_s else 0
    normalised = ours_ratio * REFERENCE_PER_100K
    targets = [
        (f"every page reruns warm in < {ms(TARGET['warm'])} (median)",
         f"slowest: {worst_warm.title} · {worst_warm.scope}, {ms(median(worst_warm.warm))}",
         f"empty page {ms(empty)}", all(median(p.warm) < TARGET["warm"] for p in ran)),
        (f"every page reruns cold in < {ms(TARGET['cold'])} (median)",
         f"slowest: {worst_cold.title} · {worst_cold.scope}, {ms(median(worst_cold.cold))}",
         f"bare SQL {ms(worst_cold.bare_s)} + empty page {ms(empty)}",
         all(median(p.cold) < TARGET["cold"] for p in ran)),
        (f"cold rerun within {TARGET['ratio']:.0f}× (bare SQL + empty page)",
         f"worst: {worst_ratio.title} · {worst_ratio.scope}, {ratio[id(worst_ratio)]:.1f}×",
         f"{ms(worst_ratio.bare_s + empty)}",
         all(v <= TARGET["ratio"] for v in ratio.values())),
        ("every page runs without error", f"{len(ran)}/{len(r.pages)} page × scope runs", "",
         len(ran) == len(r.pages)),
        (f"map of one region < {size(TARGET['map_region'])} of spec", size(region),
         "", region < TARGET["map_region"]),
        (f"map of all of France < {size(TARGET['map_france'])} of spec", size(france),
         "", france < TARGET["map_france"]),
        (f"importing 100 000 rows in < {TARGET['import_100k']:.0f} s",
         f"{per_100k:.1f} s ({num(rows / import_s)} rows/s over {num(rows)} rows"
         + (f"; median of {len(b.ours_s)} imports in fresh processes, the first one, in this "
            f"script, {b.import_s * 100_000 / rows:.1f} s)" if b.ours_s else ")"),
         f"reading the files' cells: {b.read_s * 100_000 / rows:.1f} s",
         per_100k < TARGET["import_100k"]),
        *([] if not (b.ours_s and b.reference_s) else [
            (f"the same, at this machine's speed of {REFERENCE_DAY} (when commit "
             f"{REFERENCE_COMMIT} met it at {REFERENCE_PER_100K} s): < "
             f"{TARGET['import_100k']:.0f} s",
             f"{normalised:.1f} s: this code took {ours_ratio:.2f}× that commit's time, "
             f"importing in turns ({median(b.ours_s) * 100_000 / rows:.1f} s against "
             f"{median(b.reference_s) * 100_000 / rows:.1f} s per 100 000 rows)",
             f"{REFERENCE_COMMIT}, same files, same run",
             normalised < TARGET["import_100k"])]),
        (f"server < 1 GiB with {SESSIONS} sessions open",
         f"peak {mib(app.peak)}, {app.sessions} sessions" if app and app.peak else
         (app.note if app else "not measured (--no-server)"),
         f"empty-page server {mib(floor_server.peak)}" if floor_server and floor_server.peak
         else "", measured_server and app.peak < TARGET["server"]),
    ]
    lines = [
        "## The server's share: imports, figures, reruns, specs, memory (`--section core`)", "",
        f"Written by `bench/run.py{' --quick' if r.quick else ''} --section core` on "
        f"{r.started:%Y-%m-%d %H:%M} in {r.elapsed_s / 60:.0f} min; load average "
        f"{r.load_before} before, {load_average()} after. Timings are medians and vary by "
        "about ±20 % from run to run on a shared machine.", "",
        f"Store: `observatory synth --scale {r.scale}` (profile `avecsante`): "
        + ", ".join(f"{num(v)} {k}" for k, v in b.counts.items())
        + f"; {mib(b.store_bytes)} on disk, from {b.files} export files ({size(b.export_bytes)}).",
        "",
        "### Targets" + ("" if r.scale == "national" else
                        " (set for the national scale: this small run only checks the script)"),
        "", "| target | measured | floor (same run) | |", "|---|---|---|---|",
        *(f"| {t} | {m} | {f} | {verdict(ok)} |" for t, m, f, ok in targets),
        *over_floor_note(ran, ratio),
        "", "### 1. Building the store from the export files", "",
        "`observatory synth` writes the files the tools export, then imports them through "
        "`observatory.imports.import_files`: each file is parsed, normalised and written as "
        "its own batch exactly as by `import_file`, one after the other in one process, the "
        "whole series in one copy-on-write of the store and one transaction. Floor: reading "
        "the same files' cells (CSV decoding, calamine or openpyxl for "
        ".xlsx), without interpreting them.", "",
        "| kind | rows | import | rows/s |", "|---|---:|---:|---:|",
        *(f"| {k} | {num(n)} | {b.seconds[k]:.1f} s | {num(n / b.seconds[k])} |"
          for k, n in b.rows.items()),
        f"| **all {b.files} files** | {num(rows)} | {b.import_s:.1f} s | {num(rows / b.import_s)} |",
        "",
        f"Against the commit that met the import target ({REFERENCE_COMMIT}, "
        f"{REFERENCE_PER_100K} s per 100 000 rows on {REFERENCE_DAY}): the same files "
        f"imported by its code and by this one in turns, {REFERENCE_RUNS} times each, each in a "
        "fresh process: "
        + (f"{', '.join(f'{x:.1f}' for x in b.reference_s)} s by it, "
           f"{', '.join(f'{x:.1f}' for x in b.ours_s)} s by this code, a ratio of "
           f"{ours_ratio:.2f}"
           + ("" if b.steal is None else
              f", while the virtual machine's host took {b.steal:.0%} of its CPU time (steal)")
           + ". This machine's speed varies 1.5–2× from hour to hour: the ratio, not the "
           "seconds, says what the code costs."
           if b.reference_s else f"not measured ({b.reference_note or 'no reference run'})."),
        "",
        f"Reading the files alone: {b.read_s:.1f} s. Generating them: {b.generate_s:.1f} s. "
        f"One import per file (`observatory import`, as a federation does once a month) adds "
        f"one copy-on-write of the store each: {ms(b.cow_s)} at {mib(b.store_bytes)}.",
        "", "### 2. `observatory figures`", "",
        f"`indicators.key_figures` for {r.year} (median of {r.runs['figures']}); floor: the same "
        "SQL on a bare read-only DuckDB connection.", "",
        "| scope | figures | bare SQL | ratio |", "|---|---:|---:|---:|",
        *(f"| {f.scope} | {ms(f.run_s)} | {ms(f.bare_s)} | {f.run_s / f.bare_s:.1f}× |"
          for f in [*r.figures, r.cli]),
        "", "The command's floor is a bare `python -c 'import duckdb …'` running the same SQL.",
        "", "### 3. Page reruns (AppTest)", "",
        "`AppTest.from_file('app.py')` with the scope in the URL and `switch_page(page)`, so that "
        f"app.py and its sidebar rerun as on the server. Warm: {r.runs['warm']} reruns; cold: "
        f"{r.runs['cold']} reruns each after `st.cache_data.clear()`. Floor: the SQL the cold "
        f"rerun issued on a bare connection, plus an empty page's rerun ({ms(empty)} median).",
        "", "| page | scope | warm median | warm p95 | cold median | cold p95 | bare SQL "
        "(queries) | cold / floor | |", "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for p in r.pages:
        if p.error:
            lines.append(f"| {p.title} | {p.scope} | error: {p.error} | | | | | | MISS |")
            continue
        ok = (median(p.warm) < TARGET["warm"] and median(p.cold) < TARGET["cold"]
              and ratio[id(p)] <= TARGET["ratio"])
        lines.append(f"| {p.title} | {p.scope} | {ms(median(p.warm))} | {ms(p95(p.warm))} | "
                     f"{ms(median(p.cold))} | {ms(p95(p.cold))} | {ms(p.bare_s)} ({p.queries}) "
                     f"| {ratio[id(p)]:.1f}× | {verdict(ok)} |")
    lines += ["", "### 4. Chart specifications sent to the browser", "",
              "Bytes of each figure's Vega-Lite spec: as JSON with its rows inline "
              "(`chart.to_dict()`, what a saved spec weighs) and as the page sends it (the "
              "spec's JSON without its rows, plus the rows as Arrow: `render.chart_payload`). "
              "Per page and scope, then every chart of the whole federation.", "",
              "| page | scope | figures | largest | JSON | sent | all figures, sent |",
              "|---|---|---:|---|---:|---:|---:|",
              *(f"| {s.page} | {s.scope} | {len(s.json)} | {largest(s)} | "
                f"{size(s.json.get(largest(s), 0))} | {size(s.sent.get(largest(s), 0))} | "
                f"{size(sum(s.sent.values()))} |" for s in r.specs),
              "", f"Every chart, {whole.scope if whole else ''}:", "",
              "| page | figure | JSON | sent |", "|---|---|---:|---:|",
              *(f"| {s.page} | {key} | {size(n)} | {size(s.sent.get(key, 0))} |"
                for s in r.specs if whole and s.scope == whole.scope
                for key, n in s.json.items()),
              "", "The map, largest spec over its indicators:", "",
              "| map | spec | target | |", "|---|---:|---:|---|",
              f"| {next(k for k in r.maps if k.startswith('one region'))} | {size(region)} | "
              f"< {size(TARGET['map_region'])} | {verdict(region < TARGET['map_region'])} |",
              f"| {next(k for k in r.maps if k.startswith('all of France'))} | {size(france)} | "
              f"< {size(TARGET['map_france'])} | {verdict(france < TARGET['map_france'])} |",
              "", f"### 5. Server memory with {SESSIONS} sessions", "",
              f"`streamlit run` on a loopback port; {SESSIONS} tabs of one headless Chromium "
              "spread over the pages and the three scopes, each waited for until its script has "
              "finished; peak resident memory of the server process (`VmHWM`).", "",
              "| app | idle | peak | sessions | time to serve them | note |",
              "|---|---:|---:|---:|---:|---|",
              *(f"| {s.app} | {mib(s.idle)} | {mib(s.peak)} | {s.sessions} | {s.seconds:.0f} s | "
                f"{s.note} |" for s in r.servers)]
    return "\n".join(lines) + "\n"


# -- 8. the first run on a fresh clone -----------------------------------------------------------
TARGET["first_run"] = 45.0


@dataclass
class FirstRun:
    source: str
    commit: str
    clone_s: float = float("nan")
    answer_s: float = float("nan")  # from before `git clone` to /_stcore/health answering
    tests_s: float = float("nan")  # another fresh clone: from before `git clone` to the tests' end
    tests_rc: int | None = None
    tests_tail: str = ""
    load_before: str = ""
    load_answer: str = ""
    load_after: str = ""
    python: str = ""
    steps: dict[str, float] = field(default_factory=dict)  # manage.py's "+ command" → when seen


def fresh_env(folder: Path) -> dict[str, str]:
    """The environment of a first run: empty pip and uv caches, no virtualenv, no store."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "OBSERVATORY_DB", "PYTHONPATH")}
    for name in ("PIP_CACHE_DIR", "UV_CACHE_DIR"):
        env[name] = str(folder / name.lower())
        Path(env[name]).mkdir(parents=True, exist_ok=True)
    return env


def clone(source: str, folder: Path, env: dict[str, str]) -> Path:
    target = folder / "clone"
    subprocess.run(["git", "clone", "--quiet", source, str(target)], check=True, env=env)
    return target


def bench_firstrun(work: Path, source: str, tests: bool = True) -> FirstRun:
    """`git clone` then `python3 manage.py run` until the app answers; then (``tests``), on
    another fresh clone with empty caches, `git clone` then `python3 manage.py test` until it
    ends."""
    import signal
    import urllib.error
    import urllib.request

    from observatory.ui.probe import free_port, log_tail

    python = shutil.which("python3") or sys.executable
    commit = subprocess.run(["git", "-C", source, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    result = FirstRun(source, commit, load_before=load_average(), python=python)
    folder = work / "firstrun"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "run").mkdir(parents=True)
    env = fresh_env(folder / "run")
    started = time.perf_counter()
    repo = clone(source, folder / "run", env)
    result.clone_s = time.perf_counter() - started
    port = free_port()
    log_path = folder / "run" / "manage-run.log"
    with log_path.open("wb") as out:
        process = subprocess.Popen(
            [python, "manage.py", "run", "--server.port", str(port), "--server.address",
             "127.0.0.1", "--server.headless", "true"], cwd=repo, env=env, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True)  # its group: manage.py and streamlit
    try:
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline and process.poll() is None:
            for line in log_path.read_text(errors="replace").splitlines():  # manage.py's steps
                if line.startswith("+ ") and line not in result.steps:
                    result.steps[line] = time.perf_counter() - started
            with contextlib.suppress(urllib.error.URLError, OSError), urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as reply:
                if reply.read().strip() == b"ok":
                    result.answer_s = time.perf_counter() - started
                    break
            time.sleep(0.2)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    result.load_answer = load_average()
    if result.answer_s != result.answer_s:
        result.tests_tail = log_tail(log_path, 10)
    log(f"[firstrun] clone {result.clone_s:.1f} s, application prête après {result.answer_s:.1f} s")
    if not tests:
        return result
    (folder / "test").mkdir()
    env = fresh_env(folder / "test")
    started = time.perf_counter()
    repo = clone(source, folder / "test", env)
    tests = subprocess.run([python, "manage.py", "test", "-q", "-p", "no:cacheprovider"],
                           cwd=repo, env=env, capture_output=True, text=True)
    result.tests_s = time.perf_counter() - started
    result.tests_rc = tests.returncode
    # pytest's summary, not pip's warnings on stderr that may come after it
    lines = (tests.stdout + "\n" + tests.stderr).strip().splitlines()
    summary = [line for line in lines if re.search(r"\b\d+ (passed|failed|errors?)\b", line)]
    result.tests_tail = "\n".join(summary[-1:] or lines[-3:])
    result.load_after = load_average()
    log(f"[firstrun] tests finis après {result.tests_s:.0f} s (code {tests.returncode})")
    return result


def short_step(line: str) -> str:
    """``+ /tmp/…/clone/.venv/bin/uv pip install …`` → ``uv pip install …`` (no paths)."""
    words = [w.rsplit("/", 1)[-1] if "/" in w else w for w in line[2:].split()]
    return " ".join(words)[:90]


def render_firstrun(r: FirstRun, command: str, when: dt.datetime) -> str:
    rows = [(f"first `python3 manage.py run` on a fresh clone answers in < "
             f"{TARGET['first_run']:.0f} s", f"{r.answer_s:.1f} s from before `git clone`",
             f"`git clone` alone {r.clone_s:.1f} s", r.answer_s < TARGET["first_run"])]
    last = r.tests_tail.splitlines()[-1] if r.tests_tail else ""
    return "\n".join([
        "## The first run (`--section firstrun`)", "",
        f"`{command}` on {when:%Y-%m-%d %H:%M}, commit {r.commit} of {r.source}; load average "
        f"{r.load_before} before, {r.load_answer} once the app answered, {r.load_after} after "
        f"the tests. `git clone`, then `{Path(r.python).name} manage.py run` (creates .venv, "
        "installs the run lock, requirements.lock, with uv — pinned, bootstrapped by pip — "
        "builds the demo store, starts "
        "Streamlit) until `/_stcore/health` answers; every cache empty (`PIP_CACHE_DIR`, "
        "`UV_CACHE_DIR` in a new folder), so every wheel comes from PyPI." + (
            " Then another fresh clone with empty caches: `git clone`, then `manage.py test` "
            "(setup with the test lock, ruff, mypy, the whole suite with the browser tests) "
            "until it ends." if r.tests_rc is not None else " (`--no-tests`: not the suite.)"), "",
        "### Targets", "", *targets_table(rows), "",
        "| step | from before `git clone` |", "|---|---:|",
        f"| `git clone` | {r.clone_s:.1f} s |",
        *(f"| starts `{short_step(step)}` | {t:.1f} s |" for step, t in r.steps.items()),
        f"| `manage.py run`: the app answers | {r.answer_s:.1f} s |",
        *([f"| `manage.py test`: the suite has ended (exit code {r.tests_rc}) | "
           f"{r.tests_s / 60:.1f} min |"] if r.tests_rc is not None else []), "",
        f"The suite's summary: `{last}`" if last else "",
    ])


def targets_table(rows: list[tuple[str, str, str, bool]]) -> list[str]:
    return ["| target | measured | floor (same run) | |", "|---|---|---|---|",
            *(f"| {t} | {m} | {f} | {verdict(ok)} |" for t, m, f, ok in rows)]


def render_browser(r: BrowserRun, command: str, when: dt.datetime) -> str:
    floor_load, floor_switch = median(r.floor_load), median(r.floor_switch)
    limit = TARGET["load_ratio"] * floor_load + TARGET["load_plus"]
    ran = [p for p in r.pages if not p.error]
    slow_load = max(ran, key=lambda p: median(p.load), default=None)
    slow_switch = max(ran, key=lambda p: median(p.switch), default=None)
    rows = [
        (f"every page's fresh load ≤ {TARGET['load_ratio']} × the trivial page's + "
         f"{TARGET['load_plus']} s = {ms(limit)} (median)",
         f"slowest: {slow_load.title}, {ms(median(slow_load.load))}" if slow_load else "—",
         f"trivial page {ms(floor_load)}",
         bool(ran) and all(median(p.load) <= limit for p in ran) and len(ran) == len(r.pages)),
        (f"every sidebar switch < {ms(TARGET['switch'])} (median)",
         f"slowest: {slow_switch.title}, {ms(median(slow_switch.switch))}" if slow_switch
         else "—", f"empty page switch {ms(floor_switch)}",
         bool(ran) and all(median(p.switch) < TARGET["switch"] for p in ran)),
    ]
    lines = [
        "## What a person waits for: every page in a browser (`--section browser`)", "",
        f"`{command}` on {when:%Y-%m-%d %H:%M}; load average {r.load_before} before, "
        f"{r.load_after} after. Headless Debian Chromium through Playwright (as tests/e2e), "
        "`streamlit run` on a loopback port, no account (the local demo mode). Fresh load: a "
        "new browser context opens the page's URL; the clock stops when the page is finished — "
        "connected, script not running, nothing stale, its title shown and every chart and table "
        "that is displayed drawn (a chart in a closed expander or another tab is not displayed). "
        "Switch: a click on the page's link in the sidebar, from another page, until the same. "
        f"Medians over {r.runs} runs, after each page was opened once (the server's cache holds "
        "it, as after the first visitor). Floor, same run: a trivial two-page Streamlit app "
        "served the same way (a title and a sentence on each page).", "",
        "### Targets", "", *targets_table(rows), "",
        "| page | charts drawn | fresh load median | p95 | switch median | p95 | |",
        "|---|---:|---:|---:|---:|---:|---|",
        f"| *trivial page (floor)* | 0 | {ms(floor_load)} | {ms(p95(r.floor_load))} | "
        f"{ms(floor_switch)} | {ms(p95(r.floor_switch))} | |",
    ]
    for p in r.pages:
        if p.error:
            lines.append(f"| {p.title} | error: {p.error} | | | | | MISS |")
            continue
        ok = median(p.load) <= limit and median(p.switch) < TARGET["switch"]
        lines.append(f"| {p.title} | {p.charts} | {ms(median(p.load))} | {ms(p95(p.load))} | "
                     f"{ms(median(p.switch))} | {ms(p95(p.switch))} | {verdict(ok)} |")
    return "\n".join(lines)


def render_sessions(r: Sessions, command: str, when: dt.datetime) -> str:
    def crowd(who: str, app: str, n: int | None = None) -> Crowd | None:
        return next((c for c in r.crowds if c.who == who and c.app == app
                     and (n is None or c.sessions == n)), None)

    floor, app = crowd("chromium", "floor app"), crowd("chromium", "app.py")
    lights = [c for c in r.crowds if c.who == "light client"]
    single = median(r.single_open)
    rows = []
    if floor and app:
        limit = TARGET["crowd_ratio"] * p95(floor.open) + TARGET["crowd_plus"]
        rows.append((f"{app.sessions} Chromium sessions opening {CROWD_PAGE} at once: p95 ≤ "
                     f"{TARGET['crowd_ratio']} × the trivial page's + {TARGET['crowd_plus']:.0f} s "
                     f"= {ms(limit)}", f"p95 {ms(p95(app.open))}",
                     f"trivial page, same way: p95 {ms(p95(floor.open))}",
                     p95(app.open) <= limit and not app.errors))
    for c in lights:
        rows.append((f"{c.sessions} light-client sessions at once: p95 ≤ {TARGET['light_ratio']:.0f}"
                     f" × one session's ({ms(TARGET['light_ratio'] * single)}), no error",
                     f"open p95 {ms(p95(c.open))}, {len(c.errors)} errors",
                     f"one session alone {ms(single)}",
                     p95(c.open) <= TARGET["light_ratio"] * single and not c.errors
                     and len(c.open) == c.sessions))
        rows.append((f"server < {TARGET['light_memory'] / 1e9:.1f} GB with {c.sessions} "
                     "light-client sessions", f"peak {mib(c.peak)}", "", c.peak < TARGET["light_memory"]))
    lines = [
        "## Many people at once (`--section sessions`)", "",
        f"`{command}` on {when:%Y-%m-%d %H:%M}; load average {r.load_before} before, "
        f"{r.load_after} after. Every session opens {CROWD_PAGE} (the whole federation) at the "
        f"same moment, then picks « {CROWD_FILTER[1]} » in the sidebar's {CROWD_FILTER[0]} select; "
        "the clock of each stops when its page is finished. Chromium: one context per session "
        "(the browser and the server share the 2 cores, so the floor is a trivial page opened the "
        "same way — its change is a switch to its second page). Light client: "
        "`observatory.ui.probe.Session` speaks Streamlit's websocket protocol (`BackMsg` "
        "rerun with the widget's state, `ForwardMsg` until `script_finished`), so the server, "
        "not a browser, is measured; its reference is one session alone (median of "
        f"{len(r.single_open)}: open {ms(single)}, change {ms(median(r.single_change))}). "
        "CPU: the server process's user + system seconds over the wall seconds (2 = both cores); "
        "memory: its peak resident memory (`VmHWM`) since it started.", "",
        "### Targets", "", *targets_table(rows), "",
        "| client | app | sessions | open p50 | open p95 | change p50 | change p95 | errors | "
        "server CPU | server peak | load average |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        *(f"| {c.who} | {c.app} | {c.sessions} | {ms(median(c.open))} | {ms(p95(c.open))} | "
          f"{ms(median(c.change))} | {ms(p95(c.change))} | {len(c.errors)} | {c.cpu:.2f} cores | "
          f"{mib(c.peak)} | {c.load} |" for c in r.crowds),
        *([""] + [f"Errors: {'; '.join(sorted(set(c.errors))[:3])}" for c in r.crowds if c.errors]),
    ]
    return "\n".join(lines)


# -- national: every region's package over ten years, the national store, its pages ----------
@dataclass
class RegionPackage:
    region: str
    federation: str
    departements: int
    rows: int
    bytes: int
    masked: int  # count cells published as NULL (masked)
    seconds: float


@dataclass
class National:
    started: dt.datetime
    load_before: str
    years: list[int]
    regions: list[RegionPackage]
    consolidate_s: float
    national_bytes: int
    national_rows: int
    replace_s: float  # one region's newer package consolidated into the whole store
    national_package_s: float  # `publish` on the national store (the reference for regions)
    national_package_bytes: int
    figures: list[Figures]
    cli: Figures
    empty: list[float]
    pages: list[PageRun]
    runs: dict[str, int]
    elapsed_s: float = 0.0


def package_cells(path: Path) -> tuple[int, int]:
    """Rows and masked count cells (NULL in a ``COUNTS`` column) of a verified package."""
    import duckdb

    from observatory.packages import COUNTS, files

    with files.opened(path) as package:
        rows = sum(int(f["rows"]) for f in package.manifest["files"].values())
        masked = 0
        for table, counts in COUNTS.items():
            if table in package.tables:
                where = " + ".join(f'count(*) FILTER (WHERE "{c}" IS NULL)' for c in counts)
                masked += int(duckdb.sql(f"SELECT {where} FROM '{package.path(table)}'"
                                         ).fetchall()[0][0])
    return rows, masked


def bench_national(db: Path, work: Path, runs: dict[str, int]) -> National:
    """Each territory of the store's profile published as a region's package (all its years),
    the packages consolidated into a national store, its pages and `observatory figures`."""
    from observatory import indicators, store
    from observatory.config import get_federation
    from observatory.packages import consolidate, publish
    from observatory.vocabulary import slugify

    started, clock, load = dt.datetime.now(), time.perf_counter(), load_average()
    profile = get_federation(store.federation_id(db))
    folder = work / "national"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "packages").mkdir(parents=True)
    years = sorted(int(y) for y in store.query(
        "SELECT DISTINCT year FROM memberships", db=db)["year"])
    regions, paths = [], []
    for territory, deps in profile.territories.items():
        path = folder / "packages" / f"{slugify(territory)}.zip"
        t0 = time.perf_counter()
        publish.publish(db, path, years, territory=territory)
        seconds = time.perf_counter() - t0
        rows, masked = package_cells(path)
        regions.append(RegionPackage(territory, f"{profile.id}-{slugify(territory)}", len(deps),
                                     rows, path.stat().st_size, masked, seconds))
        paths.append(path)
        log(f"[national] {territory} ({len(deps)} dép., {len(years)} ans) : {seconds:.1f} s, "
            f"{num(rows)} lignes, {size(path.stat().st_size)}, {num(masked)} cases masquées")
    national = folder / "national.duckdb"
    t0 = time.perf_counter()
    consolidate.consolidate(paths, national)
    consolidate_s = time.perf_counter() - t0
    national_rows = int(store.query("SELECT sum(estimated_size) AS n FROM duckdb_tables() "
                                    "WHERE table_name LIKE 'package_%'", db=national)["n"].iloc[0])
    log(f"[national] consolidation de {len(paths)} paquets : {consolidate_s:.1f} s, "
        f"{mib(national.stat().st_size)}")
    # a region sends a newer package: only its rows are replaced (same package, newer stamp)
    newer = folder / "newer.zip"
    first = next(iter(profile.territories))
    publish.publish(db, newer, years, territory=first)
    t0 = time.perf_counter()
    consolidate.consolidate([newer], national)
    replace_s = time.perf_counter() - t0
    reference = folder / "france.zip"
    t0 = time.perf_counter()
    publish.publish(national, reference)
    national_package_s = time.perf_counter() - t0
    year = indicators.available_years(national)[0]
    figures = bench_figures(national, year, runs["figures"])
    cli = bench_figures_cli(national, year, runs["cli"], folder)
    empty = bench_empty_page(20)
    pages = bench_pages(national, year, runs["warm"], runs["cold"])
    return National(started, load, years, regions, consolidate_s, national.stat().st_size,
                    national_rows, replace_s, national_package_s, reference.stat().st_size,
                    figures, cli, empty, pages, runs, time.perf_counter() - clock)


def render_national(r: National, command: str) -> str:
    total = sum(p.seconds for p in r.regions)
    slowest = max(r.regions, key=lambda p: p.seconds)
    empty = median(r.empty)
    ran = [p for p in r.pages if not p.error]
    ratio = {id(p): median(p.cold) / (p.bare_s + empty) for p in ran}
    worst_warm = max(ran, key=lambda p: median(p.warm), default=None)
    worst_cold = max(ran, key=lambda p: median(p.cold), default=None)
    span = f"{r.years[0]}–{r.years[-1]}" if r.years else "–"
    targets = [
        ("each region's package over ten years in < 60 s",
         f"slowest: {slowest.region} ({slowest.departements} dép.), {slowest.seconds:.1f} s",
         "", slowest.seconds < 60),
        (f"every national page reruns warm in < {ms(TARGET['warm'])} (median)",
         f"slowest: {worst_warm.title} · {worst_warm.scope}, {ms(median(worst_warm.warm))}"
         if worst_warm else "–", f"empty page {ms(empty)}",
         bool(ran) and all(median(p.warm) < TARGET["warm"] for p in ran)),
        (f"every national page reruns cold in < {ms(TARGET['cold'])} (median)",
         f"slowest: {worst_cold.title} · {worst_cold.scope}, {ms(median(worst_cold.cold))}"
         if worst_cold else "–",
         f"bare SQL {ms(worst_cold.bare_s)} + empty page {ms(empty)}" if worst_cold else "",
         bool(ran) and all(median(p.cold) < TARGET["cold"] for p in ran)),
        ("every national page runs without error", f"{len(ran)}/{len(r.pages)} page × scope runs",
         "", len(ran) == len(r.pages)),
    ]
    lines = [
        "## From the regions to France: packages and the national store (`--section national`)",
        "",
        f"Written by `{command}` on {r.started:%Y-%m-%d %H:%M} in {r.elapsed_s / 60:.0f} min; "
        f"load average {r.load_before} before, {load_average()} after (2 cores, shared: the "
        "timings are upper bounds).", "",
        "The synthetic national store (`observatory synth --scale national`, profile `avecsante`) "
        f"published region by region: `observatory publish --years {span} --territory REGION` for "
        f"each of its {len(r.regions)} territories (the 18 regions), each package naming its own "
        "federation (`avecsante-<region>`), its region and départements; then "
        "`observatory consolidate` of the packages into a national store, its pages and "
        "`observatory figures` on it.", "",
        "| target | measured | floor (same run) | |", "|---|---|---|---|",
        *(f"| {t} | {m} | {f} | {verdict(ok)} |" for t, m, f, ok in targets),
        "", f"### 1. Publishing each region ({span})", "",
        "Time of `publish.publish` (SQL, suppression, Parquet, manifest) per region; rows over "
        "every table of the package; masked: count cells published as NULL.", "",
        "| region | départements | publish | rows | package | masked cells |",
        "|---|---:|---:|---:|---:|---:|",
        *(f"| {p.region} | {p.departements} | {p.seconds:.1f} s | {num(p.rows)} | "
          f"{size(p.bytes)} | {num(p.masked)} |" for p in r.regions),
        f"| **all {len(r.regions)}** | {sum(p.departements for p in r.regions)} | "
        f"**{total:.0f} s** | {num(sum(p.rows for p in r.regions))} | "
        f"{size(sum(p.bytes for p in r.regions))} | {num(sum(p.masked for p in r.regions))} |",
        "", "### 2. The national store", "",
        "| step | time | size |", "|---|---:|---:|",
        f"| `consolidate` of the {len(r.regions)} packages (verified, one transaction) | "
        f"{r.consolidate_s:.1f} s | {mib(r.national_bytes)}, {num(r.national_rows)} rows |",
        f"| `consolidate` of one region's newer package into it (replaces that region) | "
        f"{r.replace_s:.1f} s | |",
        f"| `publish` of the national store (the reference the regions load) | "
        f"{r.national_package_s:.1f} s | {size(r.national_package_bytes)} |",
        "", "### 3. `observatory figures` on the national store", "",
        f"`indicators.key_figures` for the last year (median of {r.runs['figures']}); floor: "
        "the same SQL on a bare read-only DuckDB connection.", "",
        "| scope | figures | bare SQL | ratio |", "|---|---:|---:|---:|",
        *(f"| {f.scope} | {ms(f.run_s)} | {ms(f.bare_s)} | {f.run_s / f.bare_s:.1f}× |"
          for f in [*r.figures, r.cli]),
        "", "### 4. The national pages' reruns (AppTest)", "",
        f"As in the core section, on the national store: warm {r.runs['warm']} reruns, cold "
        f"{r.runs['cold']} after `st.cache_data.clear()`; floor: the cold rerun's SQL on a bare "
        f"connection plus an empty page's rerun ({ms(empty)}).", "",
        "| page | scope | warm median | cold median | bare SQL (queries) | cold / floor |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for p in r.pages:
        if p.error:
            lines.append(f"| {p.title} | {p.scope} | error: {p.error} | | | |")
        else:
            lines.append(f"| {p.title} | {p.scope} | {ms(median(p.warm))} | "
                         f"{ms(median(p.cold))} | {ms(p.bare_s)} ({p.queries}) | "
                         f"{ratio[id(p)]:.1f}× |")
    return "\n".join(lines) + "\n"


HEADER = ("# Benchmarks\n\nWritten by `bench/run.py`, one block per section (`--section NAME`; "
          "running a section rewrites its block and keeps the others). Each block says when it "
          "ran and the machine's load average then: the machine is shared. Every figure stands "
          "next to its floor, measured in the same run, and its target.\n")


def write_block(path: Path, name: str, text: str) -> None:
    """Rewrite section ``name``'s block of BENCHMARKS.md, keeping the other sections' blocks."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    blocks = dict(re.findall(r"<!-- bench:(\w+) -->\n(.*?)\n<!-- /bench:\1 -->", old, re.S))
    blocks[name] = text.rstrip()
    path.write_text(HEADER + f"\nMachine: {machine()}.\n\n" + "\n\n".join(
        f"<!-- bench:{key} -->\n{blocks[key]}\n<!-- /bench:{key} -->"
        for key in SECTIONS if key in blocks) + "\n", encoding="utf-8")


SECTIONS = ("core", "browser", "sessions", "national", "firstrun")


# -- main -----------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--section", action="append", choices=SECTIONS,
                        help="run only this section (repeatable); default: core, browser, sessions "
                             "(national and firstrun only when asked: they publish every "
                             "region, or clone and install)")
    parser.add_argument("--quick", action="store_true",
                        help="small scale and few runs: checks the script, not the targets")
    parser.add_argument("--reuse", action="store_true", help="reuse the previous run's store")
    parser.add_argument("--no-server", action="store_true", help="skip the memory measurement")
    parser.add_argument("--work", type=Path, help="work folder (default: in the temp folder)")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--runs", type=int, help="runs per figure of the browser and sessions "
                        "sections (default 5, 2 with --quick)")
    parser.add_argument("--no-tests", action="store_true",
                        help="--section firstrun: the first run only, not the fresh clone's tests")
    parser.add_argument("--source", default=str(ROOT),
                        help="what --section firstrun clones (default: this work tree's repository)")
    args = parser.parse_args(argv)
    sections = args.section or ["core", "browser", "sessions"]
    scale = "small" if args.quick else "national"
    runs = ({"warm": 3, "cold": 2, "figures": 3, "cli": 2, "browser": 2, "single": 2} if args.quick
            else {"warm": 10, "cold": 5, "figures": 10, "cli": 5, "browser": 5, "single": 5})
    if args.runs:
        runs.update(browser=args.runs, single=args.runs)
    command = "python bench/run.py" + "".join(f" --section {s}" for s in sections) + (
        " --quick" if args.quick else "") + (f" --runs {args.runs}" if args.runs else "") + (
        " --no-tests" if args.no_tests else "")
    work = args.work or Path(tempfile.gettempdir()) / f"observatory-bench-{scale}"
    work.mkdir(parents=True, exist_ok=True)

    from observatory import indicators

    if set(sections) & {"core", "browser", "sessions", "national"}:
        db, build = build_store(scale, work, args.reuse or "core" not in sections)
        year = indicators.available_years(db)[0]
    if "core" in sections:
        write_block(args.output, "core", run_core(args, db, build, year, scale, runs, work))
    if "browser" in sections:
        result = bench_browser(db, year, work, runs["browser"])
        write_block(args.output, "browser", render_browser(result, command, dt.datetime.now()))
    if "sessions" in sections:
        counts = (1, 10) if args.quick else (10, 30)
        result = bench_sessions(db, year, work, runs["single"], counts, 3 if args.quick else 10)
        write_block(args.output, "sessions", render_sessions(result, command, dt.datetime.now()))
    if "national" in sections:
        result = bench_national(db, work, {**runs, "warm": min(runs["warm"], 5),
                                           "cold": min(runs["cold"], 3)})
        write_block(args.output, "national", render_national(result, command))
    if "firstrun" in sections:
        first = bench_firstrun(work, args.source, tests=not args.no_tests)
        write_block(args.output, "firstrun", render_firstrun(first, command, dt.datetime.now()))
    print(args.output.read_text(encoding="utf-8"))
    log(f"Écrit : {args.output}")
    return 0


def run_core(args: argparse.Namespace, db: Path, build: Build, year: int, scale: str,
             runs: dict[str, int], work: Path) -> str:
    started, clock, load = dt.datetime.now(), time.perf_counter(), load_average()
    figures = bench_figures(db, year, runs["figures"])
    cli = bench_figures_cli(db, year, runs["cli"], work)
    empty = bench_empty_page(20)
    pages = bench_pages(db, year, runs["warm"], runs["cold"])
    specs, maps = bench_specs(db, year)
    servers = []
    if not args.no_server:
        log(f"[server] application, {SESSIONS} sessions…")
        servers.append(bench_server(ROOT / "server.py", db, session_paths(year), work,
                                    "server.py"))
        empty_app = work / "empty" / "empty.py"
        empty_app.parent.mkdir(exist_ok=True)
        empty_app.write_text(EMPTY_PAGE, encoding="utf-8")
        log(f"[server] page vide, {SESSIONS} sessions…")
        servers.append(bench_server(empty_app, db, [""] * SESSIONS, work, "empty page (floor)"))
        for s in servers:
            log(f"[server] {s.app}: pic {mib(s.peak)}, {s.sessions} sessions {s.note}")
    return render(Report(started, time.perf_counter() - clock, scale, args.quick, runs, year,
                         build, figures, cli, empty, pages, specs, maps, servers, load))


if __name__ == "__main__":
    sys.exit(main())
