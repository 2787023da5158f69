#!/usr/bin/env python3
"""Writes data/place_names_hi.tsv: the Hindi (Devanagari) names of the service area's districts and blocks, for
the dashboard's Hindi interface.

Sources:
  * the names to cover: the Local Government Directory's district and block lists (LGD, Government Open Data
    License - India), read from the path given (the project's ../shared/data/lgd), for the districts named below;
    the gazetteer's spellings of the same places (data/places.tsv.gz: Marhaura, Chapra, Ishupur, Saifai ...) are
    added as aliases so either spelling finds the Hindi name;
  * the Hindi spellings: SPELLINGS below, the forms in common use in these districts (as on their signboards,
    Hindi newspapers and the district administrations' Hindi pages), typed by hand. LGD's local-language column
    is empty for these districts, so no official Devanagari list was available to derive them from; a reviewer who
    reads Hindi should check them against the district's own list when it is at hand.
Names not in SPELLINGS are left to the rule-based transliteration kaamgar applies at run time
(kaamgar_domain::places::hindi), and this script lists them on stderr.

Usage: scripts/derive_place_names_hi.py ../shared/data/lgd > data/place_names_hi.tsv
"""
import csv
import sys
from pathlib import Path

DISTRICTS = {
    "SARAN": "सारण",
    "KANPUR NAGAR": "कानपुर नगर",
    "KANPUR DEHAT": "कानपुर देहात",
    "ETAWAH": "इटावा",
    "AURAIYA": "औरैया",
    "FARRUKHABAD": "फ़र्रुख़ाबाद",
    "KANNAUJ": "कन्नौज",
}

# LGD block name -> (Hindi, other spellings in use)
SPELLINGS = {
    # Saran
    "AMNOUR": ("अमनौर", []),
    "BANIAPUR": ("बनियापुर", []),
    "CHHAPRA": ("छपरा", ["Chapra", "Chhapra Sadar"]),
    "DARIAPUR": ("दरियापुर", []),
    "DIGHWARA": ("दिघवारा", []),
    "EKMA": ("एकमा", []),
    "GARKHA": ("गड़खा", []),
    "ISUAPUR": ("इसुआपुर", ["Ishupur"]),
    "JALALPUR": ("जलालपुर", []),
    "LAHLADPUR": ("लहलादपुर", []),
    "MAKER": ("मकेर", []),
    "MANJHI": ("मांझी", []),
    "MARHAURAH": ("मढ़ौरा", ["Marhaura"]),
    "MASHRAKH": ("मशरक", []),
    "NAGRA": ("नगरा", []),
    "PANAPUR": ("पानापुर", []),
    "PARSA": ("परसा", []),
    "REVELGANJ": ("रिविलगंज", ["Rivilganj"]),
    "SONEPUR": ("सोनपुर", []),
    "TARAIYA": ("तरैया", []),
    # Kanpur Nagar
    "BHITARGAON": ("भीतरगाँव", []),
    "BILHAUR": ("बिल्हौर", []),
    "CHAUBEYPUR": ("चौबेपुर", ["Chaubepur"]),
    "GHATAMPUR": ("घाटमपुर", []),
    "KAKWAN": ("ककवन", []),
    "KALYANPUR": ("कल्याणपुर", []),
    "PATARA": ("पतारा", []),
    "SARSOL": ("सरसौल", ["Sarsaul"]),
    "SHIVRAJPUR": ("शिवराजपुर", []),
    "VIDHUNU": ("बिधनू", ["Bidhnu", "Bidhnoo"]),
    # Kanpur Dehat
    "AKBARPUR": ("अकबरपुर", []),
    "AMRODHA": ("अमरौधा", ["Amraudha"]),
    "DERAPUR": ("डेरापुर", []),
    "JHINJHAK": ("झींझक", []),
    "MAITHA": ("मैथा", []),
    "MALASA": ("मलासा", []),
    "RAJPUR": ("राजपुर", []),
    "RASULABAD": ("रसूलाबाद", []),
    "SANDALPUR": ("संदलपुर", []),
    "SARBANKHERA": ("सरवनखेड़ा", ["Sarvankhera"]),
    # Etawah
    "BARHPURA": ("बढ़पुरा", []),
    "BASREHAR": ("बसरेहर", []),
    "BHARTHANA": ("भरथना", []),
    "CHAKARNAGAR": ("चकरनगर", ["Chakar Nagar"]),
    "JASWANTNAGAR": ("जसवंतनगर", ["Jaswant Nagar"]),
    "MAHEWA": ("महेवा", []),
    "SEFAI": ("सैफई", ["Saifai"]),
    "TAKHA": ("ताखा", []),
    # Auraiya
    "ACHCHALDA": ("अछल्दा", ["Achhalda"]),
    "AJITMAL": ("अजीतमल", []),
    "AURAIYA": ("औरैया", []),
    "BHAGYANAGAR": ("भाग्यनगर", []),
    "BIDHUNA": ("बिधूना", []),
    "ERWA KATRA": ("एरवाकटरा", []),
    "SAHAR": ("सहार", []),
    # Farrukhabad
    "BARHPUR": ("बढ़पुर", []),
    "KAIMGANJ": ("कायमगंज", []),
    "KAMALGANJ": ("कमालगंज", []),
    "MOHAMDABAD": ("मोहम्मदाबाद", ["Mohammadabad"]),
    "NAWABGANJ": ("नवाबगंज", []),
    "RAJEPUR": ("राजेपुर", []),
    "SHAMSABAD": ("शमसाबाद", []),
    # Kannauj
    "CHHIBRAMAU": ("छिबरामऊ", []),
    "GUGHRAPUR": ("गुगरापुर", []),
    "HASERAN": ("हसेरन", []),
    "JALALABAD": ("जलालाबाद", []),
    "KANNAUJ": ("कन्नौज", []),
    "SAURIKH": ("सौरिख", []),
    "TALGRAM": ("तालग्राम", []),
    "UMARDA": ("उमर्दा", []),
}


def title(name):
    return " ".join(w.capitalize() for w in name.split())


def main():
    lgd = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/lgd")
    rows, missing = [], []
    with open(lgd / "blocks.csv", encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for r in reader:
            district, block = r[4].strip(), r[7].strip()
            if district not in DISTRICTS:
                continue
            if block not in SPELLINGS:
                missing.append(f"{title(district)}: {title(block)}")
                continue
            hindi, aliases = SPELLINGS[block]
            for name in [title(block)] + aliases:
                rows.append(("block", name, hindi, title(district)))
    for d, hindi in DISTRICTS.items():
        rows.append(("district", title(d), hindi, ""))
    print("# Hindi names of the service area's districts and blocks, written by scripts/derive_place_names_hi.py")
    print("# (sources and method there). kind\tname as lists spell it\tHindi\tdistrict")
    seen = set()
    for kind, name, hindi, district in sorted(rows):
        if (kind, name.lower()) in seen:
            continue
        seen.add((kind, name.lower()))
        print(f"{kind}\t{name}\t{hindi}\t{district}")
    for m in missing:
        print(f"left to transliteration: {m}", file=sys.stderr)


if __name__ == "__main__":
    main()
