//! Synthetic skill-mapping lists for a service area: believable names, a construction-heavy trade mix like Bihar's
//! 2020 returned-migrant survey, villages taken from the district's real post offices, and a few percent of rows
//! spoiled on purpose (short phones, unknown trades and blocks, minors, repeats) so the import report has work.

use kaamgar_domain::places::PlaceDirectory;
use kaamgar_domain::trade::TradeCatalogue;

/// SplitMix64: small, fast and deterministic for a given seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// (Latin, Devanagari) name parts.
const MALE: [(&str, &str); 40] = [
    ("Ramesh", "रमेश"),
    ("Suresh", "सुरेश"),
    ("Rajesh", "राजेश"),
    ("Manoj", "मनोज"),
    ("Sanjay", "संजय"),
    ("Santosh", "संतोष"),
    ("Dinesh", "दिनेश"),
    ("Mukesh", "मुकेश"),
    ("Sunil", "सुनील"),
    ("Anil", "अनिल"),
    ("Vinod", "विनोद"),
    ("Ajay", "अजय"),
    ("Vijay", "विजय"),
    ("Rakesh", "राकेश"),
    ("Umesh", "उमेश"),
    ("Shambhu", "शंभू"),
    ("Raju", "राजू"),
    ("Bablu", "बबलू"),
    ("Munna", "मुन्ना"),
    ("Chandan", "चंदन"),
    ("Kundan", "कुंदन"),
    ("Ranjit", "रंजीत"),
    ("Birendra", "बिरेंद्र"),
    ("Dharmendra", "धर्मेंद्र"),
    ("Jitendra", "जितेंद्र"),
    ("Upendra", "उपेंद्र"),
    ("Nagendra", "नागेंद्र"),
    ("Shailesh", "शैलेश"),
    ("Akhilesh", "अखिलेश"),
    ("Pintu", "पिंटू"),
    ("Sonu", "सोनू"),
    ("Guddu", "गुड्डू"),
    ("Md. Salim", "मो. सलीम"),
    ("Md. Irfan", "मो. इरफान"),
    ("Sabir", "साबिर"),
    ("Shahid", "शाहिद"),
    ("Lalbabu", "लालबाबू"),
    ("Ramashish", "रामाशीष"),
    ("Bhola", "भोला"),
    ("Deepak", "दीपक"),
];
const FEMALE: [(&str, &str); 16] = [
    ("Sunita", "सुनीता"),
    ("Anita", "अनीता"),
    ("Rinku", "रिंकू"),
    ("Pinki", "पिंकी"),
    ("Sita", "सीता"),
    ("Geeta", "गीता"),
    ("Rekha", "रेखा"),
    ("Kiran", "किरण"),
    ("Priyanka", "प्रियंका"),
    ("Khushboo", "खुशबू"),
    ("Nazma", "नज़मा"),
    ("Shabana", "शबाना"),
    ("Manju", "मंजू"),
    ("Poonam", "पूनम"),
    ("Savitri", "सावित्री"),
    ("Lalita", "ललिता"),
];
const SURNAMES: [(&str, &str); 24] = [
    ("Kumar", "कुमार"),
    ("Singh", "सिंह"),
    ("Yadav", "यादव"),
    ("Ram", "राम"),
    ("Prasad", "प्रसाद"),
    ("Sah", "साह"),
    ("Mahto", "महतो"),
    ("Paswan", "पासवान"),
    ("Rai", "राय"),
    ("Sharma", "शर्मा"),
    ("Thakur", "ठाकुर"),
    ("Gupta", "गुप्ता"),
    ("Mishra", "मिश्रा"),
    ("Tiwari", "तिवारी"),
    ("Ansari", "अंसारी"),
    ("Khan", "खान"),
    ("Manjhi", "मांझी"),
    ("Choudhary", "चौधरी"),
    ("Das", "दास"),
    ("Bind", "बिंद"),
    ("Kushwaha", "कुशवाहा"),
    ("Mandal", "मंडल"),
    ("Rajak", "रजक"),
    ("Prajapati", "प्रजापति"),
];
const FEMALE_SURNAMES: [(&str, &str); 3] =
    [("Devi", "देवी"), ("Kumari", "कुमारी"), ("Khatoon", "खातून")];

/// Trade slugs with weights (per mille), construction first as in the 2020 Bihar skill mapping.
const TRADE_MIX: [(&str, u64); 30] = [
    ("mason", 160),
    ("labourer", 130),
    ("carpenter", 65),
    ("painter", 55),
    ("electrician", 55),
    ("plumber", 45),
    ("tile_setter", 40),
    ("bar_bender", 35),
    ("shuttering", 30),
    ("tailor", 45),
    ("driver", 45),
    ("welder", 30),
    ("cook", 25),
    ("halwai", 15),
    ("security_guard", 30),
    ("domestic_help", 15),
    ("sewing_operator", 30),
    ("embroiderer", 20),
    ("ac_mechanic", 12),
    ("motor_mechanic", 20),
    ("mobile_repair", 12),
    ("barber", 15),
    ("machine_operator", 25),
    ("fitter", 15),
    ("machinist", 10),
    ("plasterer", 10),
    ("washerman", 5),
    ("potter", 5),
    ("loader", 15),
    ("farm_labourer", 6),
];

pub struct DemoOptions {
    pub rows: usize,
    /// Hindi (Devanagari) headers and names, or English.
    pub hindi: bool,
    /// Percent of rows spoiled on purpose.
    pub bad_percent: u64,
    pub seed: u64,
}

pub const HEADER_HI: [&str; 12] = [
    "क्रम संख्या",
    "नाम",
    "मोबाइल नंबर",
    "लिंग",
    "उम्र",
    "कौशल",
    "अन्य कौशल",
    "अनुभव (वर्ष)",
    "गाँव",
    "प्रखंड",
    "जिला",
    "पिन कोड",
];
pub const HEADER_EN: [&str; 12] = [
    "S.No.",
    "Name",
    "Mobile No.",
    "Gender",
    "Age",
    "Skill",
    "Secondary Skill",
    "Experience (Years)",
    "Village",
    "Block",
    "District",
    "PIN Code",
];

/// A village and where it is.
struct Spot {
    village: String,
    pin: u32,
}

/// A block of the service area, its villages (post offices) and the share of the demo's people it gets.
pub struct BlockSize {
    pub district: String,
    pub block: String,
    pub lat: f64,
    pub lon: f64,
    pub weight: u64,
    spots: Vec<Spot>,
}

/// The service area's blocks with their villages and a size. No census table is bundled, so a block's number of
/// post offices stands in for its population, bounded to between two thirds and one and a half times the median
/// (real blocks differ by two or three times): GeoNames places some offices far from where they are, which alone
/// made one block eighty times another (Taraiya and Panapur).
pub fn block_sizes(places: &PlaceDirectory) -> Vec<BlockSize> {
    let g = places.gazetteer();
    let mut out: Vec<BlockSize> = Vec::new();
    for &d in places.area() {
        let district = places
            .district(d)
            .map(|i| i.name.clone())
            .unwrap_or_default();
        let first = out.len();
        for b in places.blocks_of(d) {
            out.push(BlockSize {
                district: district.clone(),
                block: b.name.clone(),
                lat: b.lat,
                lon: b.lon,
                weight: 0,
                spots: Vec::new(),
            });
        }
        for o in g.offices_in(d) {
            let Some(b) = places
                .nearest_block(o.lat, o.lon)
                .filter(|b| b.district == d)
            else {
                continue;
            };
            let Some(slot) = out[first..].iter_mut().find(|x| x.block == b.name) else {
                continue;
            };
            let village = o
                .name
                .trim_end_matches(" S.O")
                .trim_end_matches(" B.O")
                .to_string();
            slot.spots.push(Spot {
                village,
                pin: o.pin,
            });
        }
    }
    let mut counts: Vec<u64> = out.iter().map(|b| b.spots.len() as u64).collect();
    counts.sort_unstable();
    let median = counts.get(counts.len() / 2).copied().unwrap_or(1).max(2);
    for b in &mut out {
        b.weight = (b.spots.len() as u64).clamp(median * 2 / 3, median * 3 / 2);
    }
    out
}

/// Picks an item by weight (`cumulative` holds the running totals).
pub fn weighted(rng: &mut Rng, cumulative: &[u64]) -> usize {
    let total = cumulative.last().copied().unwrap_or(0);
    let x = rng.below(total.max(1));
    cumulative
        .partition_point(|c| *c <= x)
        .min(cumulative.len().saturating_sub(1))
}

/// Running totals of the blocks' weights.
pub fn cumulative(blocks: &[BlockSize]) -> Vec<u64> {
    blocks
        .iter()
        .scan(0u64, |acc, b| {
            *acc += b.weight;
            Some(*acc)
        })
        .collect()
}

/// Generates the header and `rows` data rows.
pub fn generate(
    places: &PlaceDirectory,
    trades: &TradeCatalogue,
    opts: &DemoOptions,
) -> Vec<Vec<String>> {
    let mut out = Vec::with_capacity(opts.rows + 1);
    generate_each(places, trades, opts, |row| {
        out.push(row);
        Ok(())
    })
    .map(|()| out)
    .unwrap_or_default()
}

/// Streams the header and `rows` data rows to `each` (for files larger than memory should hold).
pub fn generate_each(
    places: &PlaceDirectory,
    trades: &TradeCatalogue,
    opts: &DemoOptions,
    mut each: impl FnMut(Vec<String>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut rng = Rng::new(opts.seed);
    let blocks = block_sizes(places);
    let sums = cumulative(&blocks);
    let header = if opts.hindi { HEADER_HI } else { HEADER_EN };
    each(header.iter().map(|s| s.to_string()).collect())?;
    let total_weight: u64 = TRADE_MIX.iter().map(|t| t.1).sum();
    let name_of = |slug: &str, hindi: bool| {
        trades.by_slug(slug).map_or_else(
            || slug.to_string(),
            |t| {
                if hindi {
                    t.name_hi.clone()
                } else {
                    t.name_en.clone()
                }
            },
        )
    };
    let pick_trade = |rng: &mut Rng| {
        let mut x = rng.below(total_weight);
        for (slug, w) in TRADE_MIX {
            if x < w {
                return slug;
            }
            x -= w;
        }
        "mason"
    };
    let mut last_phone = String::new();
    for i in 0..opts.rows {
        let female = rng.chance(14);
        let (first, last) = if female {
            (
                rng.pick(&FEMALE),
                if rng.chance(60) {
                    rng.pick(&FEMALE_SURNAMES)
                } else {
                    rng.pick(&SURNAMES)
                },
            )
        } else {
            (rng.pick(&MALE), rng.pick(&SURNAMES))
        };
        let name = if opts.hindi {
            format!("{} {}", first.1, last.1)
        } else {
            format!("{} {}", first.0, last.0)
        };
        // Distinct for every row: an odd multiplier permutes the 4,000,000,000 numbers from 6000000000.
        let phone =
            (6_000_000_000u64 + (i as u64).wrapping_mul(2_654_435_761) % 4_000_000_000).to_string();
        let age = 19 + rng.below(38);
        let exp = rng.below(age - 17);
        let trade = pick_trade(&mut rng);
        let other = if rng.chance(25) {
            name_of(pick_trade(&mut rng), opts.hindi)
        } else {
            String::new()
        };
        let block = (!blocks.is_empty()).then(|| &blocks[weighted(&mut rng, &sums)]);
        let spot = block.and_then(|b| (!b.spots.is_empty()).then(|| rng.pick(&b.spots)));
        let gender = match (female, opts.hindi) {
            (true, true) => "महिला",
            (false, true) => "पुरुष",
            (true, false) => "F",
            (false, false) => "M",
        };
        let mut row = vec![
            (i + 1).to_string(),
            name,
            phone.clone(),
            gender.to_string(),
            age.to_string(),
            name_of(trade, opts.hindi),
            other,
            exp.to_string(),
            spot.map(|s| s.village.clone()).unwrap_or_default(),
            block.map(|b| b.block.clone()).unwrap_or_default(),
            block.map(|b| b.district.clone()).unwrap_or_default(),
            spot.map(|s| s.pin.to_string()).unwrap_or_default(),
        ];
        if rng.chance(opts.bad_percent) {
            spoil(&mut row, &mut rng, &last_phone);
        }
        last_phone = phone;
        each(row)?;
    }
    Ok(())
}

/// The mistakes real lists contain.
fn spoil(row: &mut [String], rng: &mut Rng, previous_phone: &str) {
    match rng.below(8) {
        0 => row[2].truncate(9),
        1 => row[2].push('7'),
        2 => row[5] = "कुछ भी".into(),
        3 => row[9] = "Xyzpur".into(),
        4 => row[4] = "14".into(),
        5 if !previous_phone.is_empty() => row[2] = previous_phone.to_string(),
        6 => row[1].clear(),
        _ => row.iter_mut().for_each(String::clear),
    }
}

/// Writes rows as CSV (UTF-8 with BOM, as Excel expects for Devanagari).
pub fn to_csv(rows: &[Vec<String>]) -> anyhow::Result<Vec<u8>> {
    let mut buf = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut buf);
        for r in rows {
            w.write_record(r)?;
        }
        w.flush()?;
    }
    Ok(buf)
}
