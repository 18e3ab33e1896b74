#!/usr/bin/env python3
"""Yield curve of the demodulator: frames found / frames sent, per SNR, picket beside
Debian's dump1090-mutability on the same 2.4 MS/s u8 files (docs/BENCHMARKS.md).

    python3 scripts/demod/yield.py [--picket target/release/picket] [--seconds 10]

The truth is the simulator's own list of the receiver's frames (`--format hex`, the same
frames the IQ renders). A frame found counts once per time it was sent (a multiset match);
a frame found that was never sent is a false frame (a wrongly accepted CRC).
"""
import argparse, collections, json, os, subprocess, sys, tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--picket", default="target/release/picket")
ap.add_argument("--scenario", default=os.path.join(os.path.dirname(__file__), "..", "..", "crates", "sim", "scenarios", "bench", "dense.toml"))
ap.add_argument("--from-s", default="1800")
ap.add_argument("--seconds", default="10")
ap.add_argument("--snr", default="30,24,18,15,12,10,8,6")
ap.add_argument("--rates", default="2.4,2.0")
ap.add_argument("--levels", action="store_true", help="frame levels follow the simulated signal (--iq-levels)")
a = ap.parse_args()

def sim(fmt, out, *extra):
    subprocess.run([a.picket, "simulate", a.scenario, "--from", a.from_s, "--duration", a.seconds + "s",
                    "--format", fmt, "--out", out, *extra], check=True, stderr=subprocess.DEVNULL)

def match(found, sent):
    left = collections.Counter(sent)
    matched = false = 0
    for f in found:
        if left[f] > 0:
            left[f] -= 1
            matched += 1
        elif f not in sent:
            false += 1
    return matched, false

tmp = tempfile.mkdtemp(prefix="picket-yield-")
truth = os.path.join(tmp, "truth.hex")
sim("hex", truth)
sent = [l.strip().lower() for l in open(truth) if l.strip()]
sent_set = collections.Counter(sent)
print(f"| rate | SNR dB | sent | picket found | picket false | dump1090-mutability found | dump1090-mutability false |")
print(f"|---|---|---|---|---|---|---|")
for rate in a.rates.split(","):
    for snr in a.snr.split(","):
        iq = os.path.join(tmp, "x.iq")
        sim("iq-u8", iq, "--rate", rate, "--snr", snr, *(["--iq-levels"] if a.levels else []))
        out = subprocess.run([a.picket, "decode", "--format", "iq-u8", "--rate", rate, iq],
                             check=True, capture_output=True, text=True).stdout
        got = [json.loads(l)["frame"] for l in out.splitlines() if l.strip()]
        pm, pf = match(got, sent_set)
        if rate == "2.4":
            raw = subprocess.run(["dump1090-mutability", "--ifile", iq, "--raw"],
                                 capture_output=True, text=True).stdout
            dgot = [l.strip()[1:-1].lower() for l in raw.splitlines() if l.startswith("*")]
            dm, df = match(dgot, sent_set)
            dcol = f"{dm} ({100*dm/len(sent):.1f}%) | {df}"
        else:
            dcol = "(reads 2.4 MS/s only) | -"
        print(f"| {rate} | {snr} | {len(sent)} | {pm} ({100*pm/len(sent):.1f}%) | {pf} | {dcol} |", flush=True)
        os.remove(iq)
