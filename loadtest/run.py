"""``make load``: a reproducible load run of the clinic on gunicorn + PostgreSQL + Redis.

1. (Re)creates a dedicated PostgreSQL database (stride_load), migrates it and seeds a clinic-sized
   dataset with sign-ins for every role (``manage.py seed_load``);
2. starts gunicorn on production-like settings (DEBUG off, persistent connections, Redis cache);
3. runs locust headless (loadtest/locustfile.py): every load account signs in (password and
   two-factor step), then clinicians, athletes and the front desk work for the run time;
4. stops gunicorn and prints requests/s, p50/p95/p99 for reads and writes apart, the errors,
   the server's CPU time per request (web workers and database backends: a figure that holds
   on a machine shared with other work, unlike latencies), and a last line of JSON.

Everything it writes stays in var/load/ and in the stride_load database. Exits 1 on any error.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "loadtest"))
from report import summarise, table  # noqa: E402

BIN = Path(sys.executable).parent
READ_P95_TARGET_MS = 100.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", default="60s", help="locust --run-time, e.g. 60s or 2m")
    # A clinician reads a record, a result or a schedule for a few seconds before the next click;
    # --wait 1,3 makes the same fifty users about three times as busy (a stress run).
    parser.add_argument("--wait", default="3,10", help="think time between a user's actions, min,max seconds")
    # Two cores: one sync worker per core plus one, each with two threads to overlap database waits.
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOAD_PORT", "8765")))
    parser.add_argument("--postgres", default=os.environ.get("LOAD_POSTGRES", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--database", default=os.environ.get("LOAD_DATABASE", "stride_load"))
    parser.add_argument("--redis", default=os.environ.get("LOAD_REDIS", "redis://127.0.0.1:6379"))
    parser.add_argument("--reuse-db", action="store_true", help="keep the seeded database of the last run")
    return parser.parse_args()


def load_env(args: argparse.Namespace, var_dir: Path) -> dict[str, str]:
    """Production-like settings (README, .env.example), on plain HTTP to 127.0.0.1."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"{args.postgres}/{args.database}",
        # Connections outlive the run: the database's CPU is read from its live backends at the
        # end, and a backend closed at 60 s would take its CPU time with it.
        CONN_MAX_AGE="900",
        CACHE_URL=f"{args.redis}/12",
        CELERY_BROKER_URL=f"{args.redis}/13",
        CELERY_RESULT_BACKEND=f"{args.redis}/13",
        STRIDE_VAR_DIR=str(var_dir),
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def step(message: str) -> None:
    print(f"== {message}", flush=True)


def manage(env: dict[str, str], *arguments: str) -> None:
    subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, check=True)  # noqa: S603


def check_services(args: argparse.Namespace) -> None:
    import psycopg2
    import redis

    try:
        psycopg2.connect(f"{args.postgres}/postgres", connect_timeout=5).close()
    except psycopg2.OperationalError as exc:
        raise SystemExit(f"PostgreSQL is not reachable at {args.postgres} ({exc}). Start it as .ci/run does.") from exc
    try:
        redis.Redis.from_url(f"{args.redis}/12", socket_connect_timeout=5).ping()
    except redis.RedisError as exc:
        raise SystemExit(f"Redis is not reachable at {args.redis} ({exc}). Start it as .ci/run does.") from exc


def recreate_database(args: argparse.Namespace) -> None:
    import psycopg2

    connection = psycopg2.connect(f"{args.postgres}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{args.database}"')
    connection.close()


def analyse_database(args: argparse.Namespace) -> None:
    """Planner statistics for the fresh rows, as a database in service has (autovacuum would
    gather them only minutes later; until then PostgreSQL plans with the empty tables' guesses)."""
    import psycopg2

    connection = psycopg2.connect(f"{args.postgres}/{args.database}")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()


def flush_cache(args: argparse.Namespace) -> None:
    import redis

    redis.Redis.from_url(f"{args.redis}/12").flushdb()


def start_gunicorn(args: argparse.Namespace, env: dict[str, str], log: Path) -> subprocess.Popen:
    # Left unformatted (fmt: skip): each flag stays beside its value; one per line would split the pairs.
    command = [
        str(BIN / "gunicorn"), "clinic.wsgi", "--bind", f"127.0.0.1:{args.port}",
        "--workers", str(args.workers), "--threads", str(args.threads), "--timeout", "60",
        # Longer than any think time: gunicorn's 2 s default closes idle connections just as a
        # user sends the next request on them (a reset a browser would retry, requests does not).
        "--keep-alive", "75",
        # Import and warm the app once (clinic/warmup.py), then fork: every worker is ready at once.
        "--preload",
        "--error-logfile", str(log),
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{args.port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    stop(server)
    raise SystemExit(f"gunicorn did not answer on port {args.port} within 60 s; see {log}")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # gunicorn's graceful shutdown of its workers
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def run_locust(args: argparse.Namespace, env: dict[str, str], var_dir: Path, server_pid: int) -> Path:
    samples = var_dir / "samples.json"
    samples.unlink(missing_ok=True)
    # Left unformatted (fmt: skip): each flag stays beside its value.
    command = [
        str(BIN / "locust"), "-f", str(ROOT / "loadtest" / "locustfile.py"), "--headless",
        "-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.duration,
        "--host", f"http://127.0.0.1:{args.port}", "--csv", str(var_dir / "locust"), "--only-summary",
        "--stop-timeout", "30", "--loglevel", "WARNING",
    ]  # fmt: skip
    locust_env = {
        **env,
        "LOAD_MANIFEST": str(var_dir / "manifest.json"),
        "LOAD_SAMPLES": str(samples),
        "LOAD_WAIT_S": args.wait,
        "LOAD_SERVER_PID": str(server_pid),
        "LOAD_DATABASE": args.database,
    }
    with (var_dir / "locust.log").open("w") as log:
        subprocess.run(command, cwd=ROOT, env=locust_env, stdout=log, stderr=subprocess.STDOUT, check=False)  # noqa: S603
    if not samples.exists():
        raise SystemExit(f"locust wrote no samples; see {var_dir / 'locust.log'}")
    return samples


def failure_messages(var_dir: Path, limit: int = 10) -> list[str]:
    import csv

    path = var_dir / "locust_failures.csv"
    if not path.exists():
        return []
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    return [f"{row['Occurrences']:>5} x {row['Method']} {row['Name']}: {row['Error']}" for row in rows[:limit]]


def main() -> int:
    args = parse_args()
    var_dir = ROOT / "var" / "load"
    var_dir.mkdir(parents=True, exist_ok=True)
    env = load_env(args, var_dir)
    check_services(args)
    if not (args.reuse_db and (var_dir / "manifest.json").exists()):
        step(f"Database {args.database}: recreate, migrate, seed")
        recreate_database(args)
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "seed_load", "--manifest", str(var_dir / "manifest.json"))
        analyse_database(args)
    if not (var_dir / "staticfiles" / "staticfiles.json").exists():
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    flush_cache(args)
    step(f"gunicorn on 127.0.0.1:{args.port}: {args.workers} workers x {args.threads} threads")
    server = start_gunicorn(args, env, var_dir / "gunicorn.log")
    try:
        step(f"locust: {args.users} users (+{args.spawn_rate}/s) for {args.duration}, think time {args.wait} s")
        samples_path = run_locust(args, env, var_dir, server.pid)
    finally:
        stop(server)
    recorded = json.loads(samples_path.read_text())
    summary = summarise([tuple(s) for s in recorded["samples"]], recorded["task_errors"], recorded["server_cpu_s"])
    print(table(summary))
    for line in failure_messages(var_dir):
        print(f"  error {line}")
    for message in sorted(set(recorded["task_errors"]))[:10]:
        print(f"  error in a load user's step: {message}")
    read, write, auth = summary["read"], summary["write"], summary["auth"]
    met = read["p95_ms"] < READ_P95_TARGET_MS and summary["errors"] == 0
    print(
        f"Sign-in phase: {auth['count']} requests, p50/p95 {auth['p50_ms']}/{auth['p95_ms']} ms.\n"
        f"Work phase: {summary['requests']} requests in {summary['duration_s']} s = {summary['rps']} req/s; "
        f"reads p50/p95/p99 {read['p50_ms']}/{read['p95_ms']}/{read['p99_ms']} ms; "
        f"writes p50/p95/p99 {write['p50_ms']}/{write['p95_ms']}/{write['p99_ms']} ms; {summary['errors']} errors.\n"
        f"Server CPU per request: web {summary['web_cpu_ms_per_request']} ms, database "
        f"{summary['database_cpu_ms_per_request']} ms (the same on a busy or an idle machine; "
        f"{os.cpu_count()} cores serve at most ~{summary['capacity_rps_per_core'] * (os.cpu_count() or 1):.0f} req/s of this mix).\n"
        f"Target (read p95 < {READ_P95_TARGET_MS:.0f} ms, 0 errors): {'met' if met else 'NOT met'}."
    )
    result = {key: value for key, value in summary.items() if key != "endpoints"}
    result.update(users=args.users, workers=args.workers, threads=args.threads, target_met=met)
    print(json.dumps(result))
    return 1 if summary["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
