#!/usr/bin/env python3
"""Writes data/eval/understand.tsv from hand-labelled cases (split|intent|trade|place|district|text per line),
adding each expected place's coordinates from the gazetteer (data/places.tsv.gz):

  place "PIN:nnnnnn"        the mean position of the PIN's post offices (district taken from the label);
  place = district name      the mean position of the district's post offices;
  other names                the post office of that name in the district, else the mean of the sub-district of
                             that name, else an error (the label names a place the gazetteer does not know);
  "Name@lat,lon"             the position given, where the gazetteer's office of that name is misplaced (Nagra,
                             Saran: GeoNames puts its head office across the Ganga; its branch office Mothaha
                             stands for it).

The labels are the truth; this only looks up where the labelled place is.
Usage: scripts/eval_coordinates.py tune.txt held.txt > data/eval/understand.tsv
"""
import gzip
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load():
    states, districts, subs, offices = {}, {}, {}, []
    for line in gzip.open(ROOT / "data/places.tsv.gz", "rt", encoding="utf-8"):
        if line.startswith("#"):
            continue
        f = line.rstrip("\n").split("\t")
        if f[0] == "S":
            states[f[1]] = f[2]
        elif f[0] == "D":
            districts[f[1]] = (f[2], f[3])
        elif f[0] == "U":
            subs[f[1]] = (f[2], f[3])
        elif f[0] == "P":
            offices.append((f[1], f[2], f[3], float(f[4]), float(f[5])))
    return states, districts, subs, offices


def base(name):
    name = re.sub(r"\(.*", "", name).strip()
    return re.sub(r" (H\.O|S\.O|B\.O)\.?$", "", name)


def mean(points):
    points = list(points)
    if not points:
        return None
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def main():
    states, districts, subs, offices = load()
    ids = {v[1].lower(): k for k, v in districts.items() if states[v[0]] in ("Bihar", "Uttar Pradesh")}
    print("# kaamgar understanding evaluation set. Written by scripts/eval_coordinates.py from hand-labelled cases.")
    print("# split: tune = looked at while improving the lexicon; held = set aside, never tuned on.")
    print("# split\tintent\ttrade\tdistrict\tlat\tlon\tcontext\ttext")
    for split_file in sys.argv[1:]:
        split = Path(split_file).stem
        for n, line in enumerate(open(split_file, encoding="utf-8"), 1):
            line = line.rstrip("\n")
            if not line:
                continue
            intent, trade, place, district, text = line.split("|", 4)
            lat = lon = "-"
            if "@" in place:
                place, at = place.split("@", 1)
                la, lo = (float(x) for x in at.split(","))
                lat, lon = f"{la:.4f}", f"{lo:.4f}"
            elif place != "-":
                d = ids[district.lower()]
                in_d = [o for o in offices if subs[o[2]][0] == d]
                if place.startswith("PIN:"):
                    pos = mean((o[3], o[4]) for o in offices if o[0] == place[4:])
                elif place.lower() == district.lower() and place.lower() not in ("etawah", "auraiya", "kannauj", "farrukhabad"):
                    pos = mean((o[3], o[4]) for o in in_d)
                else:
                    hit = [o for o in in_d if base(o[1]).lower() == place.lower()]
                    pos = (hit[0][3], hit[0][4]) if hit else mean(
                        (o[3], o[4]) for o in in_d if subs[o[2]][1].lower() == place.lower())
                if pos is None:
                    sys.exit(f"{split_file}:{n}: the gazetteer has no {place} in {district}")
                lat, lon = f"{pos[0]:.4f}", f"{pos[1]:.4f}"
            print("\t".join([split, intent, trade, district if place != "-" else "-", lat, lon, "-", text]))


main()
