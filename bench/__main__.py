"""`make bench`: start-up, idle memory and issuance rate, each next to a baseline measured in the same run.

(1) start-up: process start until every listener accepts (the endpoints file appears), with an existing
    data dir (goal: median <= 0.5 s) and on first start (CA keys generated; reported). Baseline: a bare
    interpreter importing the same libraries.
(2) idle memory: RSS of a started sandbox (goal: <= 80 MB). Baseline: the bare interpreter's RSS.
(3) issuance: mock_ca issuing from a CSR (parse, every profile rule, build, sign, record) versus a bare
    cryptography CertificateBuilder loop with the same CA key (goal: ratio >= 0.8).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
IMPORTS = "import flask, werkzeug, cryptography.x509, sqlite_utils, click, cheroot.wsgi, OpenSSL.SSL, dnslib.server"


def _serve(data_dir: Path, extra: list[str]) -> tuple[float, subprocess.Popen, Path]:
    endpoints = data_dir.parent / f"{data_dir.name}.endpoints.json"
    endpoints.unlink(missing_ok=True)
    started = time.perf_counter()
    process = subprocess.Popen([str(BIN / "dip-sandbox"), "serve", "--data-dir", str(data_dir), "--ephemeral-ports",
                                "--endpoints-file", str(endpoints), *extra],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not endpoints.exists():
        if process.poll() is not None:
            raise RuntimeError("serve exited early")
        time.sleep(0.002)
    return time.perf_counter() - started, process, endpoints


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def _baseline_start(runs: int) -> tuple[float, float]:
    times, rss = [], []
    for _ in range(runs):
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", IMPORTS + "; print('ready', flush=True); import time; "
                                    "time.sleep(2)"], stdout=subprocess.PIPE, text=True)
        process.stdout.readline()
        times.append(time.perf_counter() - started)
        rss.append(psutil.Process(process.pid).memory_info().rss)
        process.kill()
        process.wait()
    return statistics.median(times), statistics.median(rss)


def bench_startup(work: Path, runs: int = 7) -> dict:
    first_times = []
    for i in range(3):
        elapsed, process, _ = _serve(work / f"first{i}", [])
        first_times.append(elapsed)
        _stop(process)
    data = work / "existing"
    _, process, _ = _serve(data, [])
    _stop(process)
    warm, rss = [], []
    for _ in range(runs):
        elapsed, process, _ = _serve(data, [])
        warm.append(elapsed)
        time.sleep(1.0)
        rss.append(psutil.Process(process.pid).memory_info().rss)
        _stop(process)
    base_time, base_rss = _baseline_start(runs)
    return {"startup_existing_median_s": statistics.median(warm), "startup_first_median_s": statistics.median(first_times),
            "startup_baseline_s": base_time, "idle_rss_mb": statistics.median(rss) / 2 ** 20,
            "baseline_rss_mb": base_rss / 2 ** 20}


def bench_issuance(work: Path, count: int = 60) -> dict:
    sys.path.insert(0, str(ROOT))
    from sandbox.app import Sandbox
    from sandbox.settings import load_settings
    sandbox = Sandbox(load_settings({"data_dir": str(work / "issuance")}, environ={}))
    authority = sandbox.cas.authority("dip-issuing")
    key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    cn = "energydip-nonprod.bench.example.com"
    sans = ("bench.example.com", cn)
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in sans]), critical=False)
           .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))

    def mock_ca_loop() -> float:
        started = time.perf_counter()
        for _ in range(count):
            sandbox.cas.issue("dip-mtls-signing", csr)
        return count / (time.perf_counter() - started)

    def bare_loop() -> float:
        parsed = x509.load_pem_x509_csr(csr)
        started = time.perf_counter()
        for serial in range(1, count + 1):
            now = dt.datetime.now(dt.timezone.utc)
            (x509.CertificateBuilder().subject_name(parsed.subject).issuer_name(authority.cert.subject)
             .public_key(parsed.public_key()).serial_number(serial).not_valid_before(now)
             .not_valid_after(now + dt.timedelta(days=372))
             .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
             .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
             .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in sans]), critical=False)
             .sign(authority.key, hashes.SHA256()))
        return count / (time.perf_counter() - started)

    mock_rates, bare_rates = [], []
    for _ in range(5):  # interleaved, so that machine noise hits both alike
        bare_rates.append(bare_loop())
        mock_rates.append(mock_ca_loop())
    sandbox.close()
    mock, bare = statistics.median(mock_rates), statistics.median(bare_rates)
    return {"issuance_mock_ca_per_s": mock, "issuance_bare_per_s": bare, "issuance_ratio": mock / bare}


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="dip-sandbox-bench-"))
    try:
        results = {**bench_startup(work), **bench_issuance(work)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows = [
        ("start-up, existing data dir (median)", f"{results['startup_existing_median_s']:.3f} s",
         f"{results['startup_existing_median_s'] / results['startup_baseline_s']:.2f}x bare imports "
         f"({results['startup_baseline_s']:.3f} s)", "<= 0.5 s",
         results["startup_existing_median_s"] <= 0.5),
        ("start-up, first start (median)", f"{results['startup_first_median_s']:.3f} s",
         f"{results['startup_first_median_s'] / results['startup_baseline_s']:.2f}x bare imports", "reported", None),
        ("idle memory (RSS)", f"{results['idle_rss_mb']:.1f} MB",
         f"{results['idle_rss_mb'] / results['baseline_rss_mb']:.2f}x bare imports "
         f"({results['baseline_rss_mb']:.1f} MB)", "<= 80 MB", results["idle_rss_mb"] <= 80),
        ("issuance rate, mock_ca vs bare builder", f"{results['issuance_mock_ca_per_s']:.1f}/s",
         f"{results['issuance_ratio']:.2f}x bare ({results['issuance_bare_per_s']:.1f}/s)", ">= 0.8x",
         results["issuance_ratio"] >= 0.8),
    ]
    print("| benchmark | measured | against the baseline | goal | met |")
    print("|---|---|---|---|---|")
    for name, value, ratio, goal, met in rows:
        print(f"| {name} | {value} | {ratio} | {goal} | {'-' if met is None else ('yes' if met else 'NO')} |")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
