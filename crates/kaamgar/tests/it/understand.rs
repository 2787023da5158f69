//! Understanding messages with the real lexicons and the all-India gazetteer: the issue's examples, scripts and
//! spellings, negated places, extras, hostile input, the evaluation set's held-aside split, and the CLI.

use kaamgar::understand;
use kaamgar_domain::places::PlaceDirectory;
use kaamgar_domain::understand::{
    Context, Day, Intent, PartOfDay, PlaceKind, Understander, Understanding,
};
use proptest::prelude::*;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

const AREA: &str = "Saran,Kanpur Nagar,Kanpur Dehat,Etawah,Auraiya,Farrukhabad,Kannauj";

fn engine() -> &'static (Understander, PlaceDirectory) {
    static E: OnceLock<(Understander, PlaceDirectory)> = OnceLock::new();
    E.get_or_init(|| understand::build(&understand::parse_area(AREA)).expect("lexicons build"))
}

fn read(msg: &str) -> Understanding {
    engine().0.understand(msg, &Context::default())
}

fn slug(u: &Understanding) -> Option<&str> {
    u.trade.as_ref().map(|t| t.slug.as_str())
}

fn place(u: &Understanding) -> Option<(&str, &str)> {
    u.place
        .as_ref()
        .map(|p| (p.name.as_str(), p.district.as_str()))
}

#[test]
fn reads_the_issue_examples() {
    let cases: &[(&str, Intent, Option<&str>, Option<&str>)] = &[
        (
            "mujhe ek plumber chahiye marhaura me",
            Intent::Need,
            Some("plumber"),
            Some("Saran"),
        ),
        (
            "नल टपक रहा है, मढ़ौरा में प्लंबर भेजिए",
            Intent::Need,
            Some("plumber"),
            Some("Saran"),
        ),
        (
            "need electrician 841301",
            Intent::Need,
            Some("electrician"),
            Some("Saran"),
        ),
        (
            "rajmistri sonpur",
            Intent::Need,
            Some("mason"),
            Some("Saran"),
        ),
        (
            "badhai chahiye darwaza banwana hai",
            Intent::Need,
            Some("carpenter"),
            None,
        ),
        (
            "plumber chahiye chapra nahi marhaura me",
            Intent::Need,
            Some("plumber"),
            Some("Saran"),
        ),
        (
            "main welder hoon, sonepur me kaam chahiye",
            Intent::Offer,
            Some("welder"),
            Some("Saran"),
        ),
        ("namaste", Intent::Other, None, None),
    ];
    for (msg, intent, trade, district) in cases {
        let u = read(msg);
        assert_eq!(u.intent, *intent, "{msg}: {u:?}");
        assert_eq!(slug(&u), *trade, "{msg}: {u:?}");
        assert_eq!(
            u.place.as_ref().map(|p| p.district.as_str()),
            *district,
            "{msg}: {u:?}"
        );
    }
}

#[test]
fn a_negated_place_is_not_chosen() {
    let u = read("plumber chahiye chapra nahi marhaura me");
    assert_eq!(place(&u), Some(("Marhaura", "Saran")));
    let u = read("electrician chahiye, not in Chapra, in Ekma");
    assert_eq!(place(&u), Some(("Ekma", "Saran")));
    let u = read("etawah ke alawa saifai me badhai chahiye");
    assert_eq!(place(&u).map(|p| p.0), Some("Saifai"));
}

#[test]
fn problems_point_to_trades() {
    for (msg, want) in [
        ("nal tapak raha hai", "plumber"),
        ("light nahi aa rahi", "electrician"),
        ("ghar ki putai karwani hai", "painter"),
        ("shaadi ka khana banwana hai", "halwai"),
        ("fridge thanda nahi kar raha", "ac_mechanic"),
        ("चापाकल खराब हो गया", "borewell"),
    ] {
        let u = read(msg);
        assert_eq!(u.intent, Intent::Need, "{msg}: {u:?}");
        assert_eq!(slug(&u), Some(want), "{msg}: {u:?}");
    }
}

#[test]
fn typos_scripts_and_digits_meet() {
    for msg in [
        "electrisian chahiye marhora",
        "इलेक्ट्रीशियन चाहिए मढ़ौरा में",
        "ELECTRICIAN CHAHIYE MARHAURA",
        "electrician चाहिए marhaura में",
    ] {
        let u = read(msg);
        assert_eq!(slug(&u), Some("electrician"), "{msg}: {u:?}");
        assert_eq!(place(&u).map(|p| p.1), Some("Saran"), "{msg}: {u:?}");
    }
    // Devanagari digits, and a PIN written in two halves.
    let u = read("बढ़ई चाहिए पिन ८४१३०१");
    assert_eq!(u.place.as_ref().and_then(|p| p.pin), Some(841301));
    assert_eq!(u.place.as_ref().map(|p| p.kind), Some(PlaceKind::Pin));
    let u = read("rajmistri chahiye 841 301");
    assert_eq!(u.place.as_ref().and_then(|p| p.pin), Some(841301));
    // Chandrabindu and anusvara spellings of one word.
    assert_eq!(slug(&read("कुम्हार चाहिए")), Some("potter"));
    assert_eq!(slug(&read("कुंहार चाहिए")), Some("potter"));
}

#[test]
fn keeps_how_many_and_when() {
    let u = read("kal subah 5 log chahiye chapra me");
    assert_eq!(u.count, Some(5));
    let when = u.when.expect("when");
    assert_eq!(when.day, Some(Day::Tomorrow));
    assert_eq!(when.part, Some(PartOfDay::Morning));
    assert_eq!(slug(&u), Some("labourer"));
    let u = read("do plumber bhejo abhi");
    assert_eq!(u.count, Some(2));
    assert_eq!(u.when.and_then(|w| w.day), Some(Day::Now));
}

#[test]
fn ambiguous_names_go_to_the_service_area_and_the_sender() {
    // "Sonpur" is a post office in many states; in Saran it is the block.
    let u = read("plumber chahiye sonpur me");
    assert_eq!(place(&u), Some(("Sonepur", "Saran")));
    // With only Kanpur in the area, a Kanpur name resolves there.
    let (kanpur, _) = understand::build(&["Kanpur Nagar".to_string()]).unwrap();
    let u = kanpur.understand("plumber chahiye kalyanpur me", &Context::default());
    assert_eq!(
        u.place.as_ref().map(|p| p.district.as_str()),
        Some("Kanpur Nagar")
    );
    // A sender known to be in a district tips a name shared by two districts of the area.
    let (e, dir) = engine();
    let akbarpur = e.understand("akbarpur me mistri chahiye", &Context::default());
    assert!(akbarpur.place.is_some());
    let d = dir.resolve_district("Kanpur Dehat").unwrap();
    let ctx = Context {
        district: Some(d),
        near: dir.district(d).map(|i| (i.lat, i.lon)),
    };
    let u = e.understand("akbarpur me mistri chahiye", &ctx);
    assert_eq!(
        u.place.as_ref().map(|p| p.district.as_str()),
        Some("Kanpur Dehat")
    );
}

#[test]
fn places_outside_the_area_need_a_marker_or_a_district_name() {
    // "Patna" is a district: taken even outside the area.
    let u = read("patna me plumber chahiye");
    assert_eq!(u.place.as_ref().map(|p| p.district.as_str()), Some("Patna"));
    // A person's name that happens to be a post office somewhere is not a place.
    let u = read("mera naam sunil hai plumber chahiye");
    assert!(u.place.is_none(), "{u:?}");
    // A village name the gazetteer lacks does not become its namesake far away, even after "me".
    let u = read("plumber chahiye kakwan me");
    assert!(u.place.is_none(), "{u:?}");
}

#[test]
fn hostile_input_is_other_and_never_panics() {
    let long = "क".repeat(10_000);
    let mixed = "plumber ".repeat(2_000);
    for msg in [
        "",
        "   ",
        "🙏🙏🙏",
        "😀",
        "مرحبا، أحتاج سباكًا",
        "שלום",
        "\u{202E}rebmulp\u{202C}",
        "\u{0}\u{1}\u{7}\u{1b}[31m",
        "\u{200D}\u{200C}\u{FEFF}",
        long.as_str(),
        "्््््",
        "़़़",
    ] {
        let u = read(msg);
        assert_eq!(u.intent, Intent::Other, "{msg:?}: {u:?}");
        assert!(u.trade.is_none() && u.place.is_none());
    }
    let u = read(&mixed);
    assert_eq!(slug(&u), Some("plumber"));
    let u = read("plumber\u{0}chahiye\u{7}marhaura\u{1b}me");
    assert_eq!(slug(&u), Some("plumber"));
    assert_eq!(place(&u).map(|p| p.1), Some("Saran"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_text_never_panics_and_is_well_formed(s in "\\PC{0,300}") {
        let u = read(&s);
        prop_assert!((0.0..=1.0).contains(&u.confidence));
        prop_assert_eq!(u.trade.is_some(), !u.trades.is_empty());
        if let Some(p) = &u.place {
            prop_assert!((6.0..38.0).contains(&p.lat) && (68.0..98.0).contains(&p.lon), "{:?}", p);
        }
    }

    #[test]
    fn random_mixes_of_known_words_never_panic(words in proptest::collection::vec(
        prop::sample::select(vec![
            "plumber", "chahiye", "marhaura", "me", "nahi", "841301", "841", "301", "kal", "5", "log", "hoon",
            "नल", "टपक", "में", "नहीं", "not", "in", "ke", "alawa", "kaam", "chapra", "kanpur", "dehat", "", "१",
        ]),
        0..20,
    )) {
        let msg = words.join(" ");
        let u = read(&msg);
        prop_assert!((0.0..=1.0).contains(&u.confidence));
    }
}

#[test]
fn the_held_aside_evaluation_split_meets_the_targets() {
    let (u, dir) = engine();
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/eval/understand.tsv");
    let report = understand::run_eval(u, dir, &file, false).unwrap();
    let held = &report["held"];
    assert!(held["cases"].as_u64().unwrap() >= 100, "{report}");
    assert!(report["all"]["cases"].as_u64().unwrap() >= 300, "{report}");
    assert!(held["intent"].as_f64().unwrap() >= 0.97, "{report}");
    assert!(held["trade"].as_f64().unwrap() >= 0.95, "{report}");
    assert!(held["place"].as_f64().unwrap() >= 0.95, "{report}");
}

/// Sets written independently of the lexicon: the tuned one and the blind one may not fall below what they read
/// when these floors were set (2026-12-07, raised with the fourth set; the blind sets' target is the issue's
/// 97 / 95 / 95).
#[test]
fn independently_written_sets_do_not_fall_back() {
    let (u, dir) = engine();
    for (file, split, floors) in [
        ("independent_tune.tsv", "tune", [0.98, 0.95, 0.95]),
        ("independent_held.tsv", "held", [0.93, 0.82, 0.86]),
        ("independent_third.tsv", "third", [0.97, 0.98, 0.98]),
        ("independent_fourth.tsv", "fourth_tune", [0.98, 0.98, 0.96]),
        ("independent_fourth.tsv", "fourth_held", [0.91, 0.86, 0.88]),
    ] {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../data/eval")
            .join(file);
        let report = understand::run_eval(u, dir, &path, false).unwrap();
        let got = &report[split];
        assert!(got["cases"].as_u64().unwrap() >= 100, "{file}: {report}");
        for (what, floor) in ["intent", "trade", "place"].into_iter().zip(floors) {
            assert!(
                got[what].as_f64().unwrap() >= floor,
                "{file} {what}: {report}"
            );
        }
    }
}

#[test]
fn the_cli_answers_every_line_and_names_a_line_that_is_not_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kaamgar"))
        .args(["understand", "--area", "Saran"])
        .current_dir(dir.path())
        .env("KAAMGAR_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"\xef\xbb\xbfplumber chahiye marhaura me\r\n\nbad \xff\xfe line\nnamaste\n")
        .unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert_eq!(lines[0]["intent"], "need");
    assert_eq!(lines[0]["trade"]["nco"], "7126");
    assert_eq!(lines[0]["trade"]["name"], "Plumber");
    assert_eq!(lines[0]["place"]["name"], "Marhaura");
    assert_eq!(lines[0]["place"]["district"], "Saran");
    assert_eq!(lines[0]["place"]["state"], "Bihar");
    assert_eq!(lines[1]["intent"], "other");
    assert!(lines[1]["trade"].is_null() && lines[1]["place"].is_null());
    assert!(
        lines[2]["error"].as_str().unwrap().starts_with("line 3:"),
        "{stdout}"
    );
    assert_eq!(lines[3]["intent"], "other");
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 3"));
    // No database is created for reading messages.
    assert!(!dir.path().join("kaamgar.db").exists());
}

#[test]
fn appliances_machines_and_the_work_itself_lead_to_their_trades() {
    for (msg, want) in [
        ("A.C. service karwana hai", "ac_mechanic"),
        ("a/c thanda nahi kar raha", "ac_mechanic"),
        ("washing machine kharab hai", "appliance_repair"),
        ("RO service wala chahiye", "appliance_repair"),
        ("gas chulha repair karna hai", "appliance_repair"),
        ("inverter kharab ho gaya", "appliance_repair"),
        ("ceiling fan lagwana hai", "electrician"),
        ("water pump repair chahiye", "fitter"),
        ("tv kharab hai mistri bhejo", "electronics_repair"),
        ("solar panel lagwana hai", "electronics_repair"),
        ("cctv camera lagwana hai dukan me", "cctv_installer"),
        ("laptop repair karna hai", "computer_repair"),
        ("wifi lagwana hai ghar me", "computer_repair"),
        ("motorcycle repair wala chahiye", "motor_mechanic"),
        ("tractor ka mistri chahiye", "motor_mechanic"),
        ("nali jam hai safai karwani hai", "sewer_cleaner"),
        ("septic tank saaf karna hai", "sewer_cleaner"),
        ("plumbing ka kaam hai", "plumber"),
        ("wiring karwani hai", "electrician"),
        ("painting ka kaam karwana hai", "painter"),
    ] {
        let u = read(msg);
        assert_eq!((u.intent, slug(&u)), (Intent::Need, Some(want)), "{msg}");
    }
}

#[test]
fn thanks_complaints_and_questions_never_start_a_search() {
    for msg in [
        "kal jo mistri aaya tha usne paise zyada liye",
        "electrician ne kaam adhura chhod diya",
        "dhanyawad plumber acha kaam karke gaya",
        "bahut accha kaam kiya, thank you",
        "ration card kaise banega",
        "vridha pension kab aayegi",
        "PM Vishwakarma loan ka status kya hai",
        "kitna der lagega?",
        "mistri bola tha 10 baje aayega abhi tak nahi aaya",
        "शिकायत है, प्लंबर ने ज्यादा पैसे लिए",
    ] {
        let u = read(msg);
        assert_eq!(u.intent, Intent::Other, "{msg}: {u:?}");
        assert_eq!(u.trade, None, "{msg}");
    }
    // A worker asked for anywhere in the message keeps it a request.
    for (msg, want) in [
        (
            "pichla electrician ne kaam kharab kiya, dusra electrician bhejo",
            "electrician",
        ),
        ("plumber chahiye marhaura me, kab tak aayega?", "plumber"),
        (
            "plumber chahiye marhaura, mera number 9876543210",
            "plumber",
        ),
        ("electrician chahiye jo jyada paisa na le", "electrician"),
        ("koi plumber free hai kya marhaura me", "plumber"),
        ("LED light lagwani hai", "electrician"),
    ] {
        let u = read(msg);
        assert_eq!((u.intent, slug(&u)), (Intent::Need, Some(want)), "{msg}");
    }
}

/// A general worker named beside the work that makes them a narrower trade; a complaint or a need already met is
/// not a request even when it names a fault or a trade.
#[test]
fn the_narrower_trade_and_what_is_not_a_request() {
    for (msg, want) in [
        ("naali jam ho gayil ba, safai wala bhejiye", "sewer_cleaner"),
        (
            "kolkata maal jaega, 10 chakka truck ke liye driver chahiye",
            "truck_driver",
        ),
        ("4 majdur chahiye ent dhulai ke liye", "labourer"),
        ("makka todne ke liye majdoor chahiye 6 log", "farm_labourer"),
        (
            "dukan ka board likhwana hai, board likhne wala chahiye",
            "sign_painter",
        ),
        ("sochalay aur bathroom banana hai mistri chahiye", "mason"),
        ("मंधना में नए घर में टाइल्स लगवानी है", "tile_setter"),
    ] {
        let u = read(msg);
        assert_eq!((u.intent, slug(&u)), (Intent::Need, Some(want)), "{msg}");
    }
    for msg in [
        "मैंने प्लंबर पहले ही ढूंढ लिया, अब ज़रूरत नहीं है धन्यवाद",
        "painter ko 2000 advance diye the, wo aaya hi nahi",
        "electrician ne kaam kharab kar diya, shikayat hai",
        "mera registration ho gaya kya?",
        "ka ho kaisan baani",
    ] {
        assert_eq!(read(msg).intent, Intent::Other, "{msg}");
    }
    let u = read("doriganj bazar me dukan ba, camera lagave ke ba 2 go");
    assert_eq!((u.intent, slug(&u)), (Intent::Need, Some("cctv_installer")));
}

#[test]
fn ordinary_words_are_not_places() {
    for msg in [
        "usne pani ka pipe tod diya plumber chahiye",
        "karne wala koi mistri chahiye",
        "ghar me khana banane wali chahiye",
        "500 rupay me kaun painting karega ek kamra",
        "I am a welder with ITI certificate looking for job",
        // Sound-alikes of far districts and of the area's villages and blocks, and counted time.
        "bhaiya hum kal nahi aa paunga kaam pe",
        "majduri ke kaam chahi, koi bhi kaam kar lebe, roj ke hisab se",
        "वृद्धा पेंशन कब आएगी, 3 महीने से खाते में नहीं आई है",
        "thanks bro",
        "ab plumber ki zarurat nahi hai, khud thik ho gaya",
    ] {
        let u = read(msg);
        assert_eq!(u.place, None, "{msg}: {:?}", place(&u));
    }
    // A name written as it is beats a marked word read through a typo; a district named beats a namesake
    // village of another district.
    assert_eq!(
        place(&read("school campus me mali chahiye, dighwara")),
        Some(("Dighwara", "Saran"))
    );
    assert_eq!(
        place(&read(
            "etawah civil lines me 2 split AC ki service karani hai"
        ))
        .map(|p| p.1),
        Some("Etawah")
    );
    assert_eq!(
        place(&read("ekama me electrician chahiye")),
        Some(("Ekma", "Saran"))
    );
    // Real places stay places, with a marker or without, in either script.
    assert_eq!(
        place(&read("plumber chahiye marhaura")).map(|p| p.1),
        Some("Saran")
    );
    assert_eq!(
        place(&read("कायमगंज में बिजली का काम करवाना है")).map(|p| p.1),
        Some("Farrukhabad")
    );
    assert_eq!(
        place(&read("derapur se hu kaam chahiye")).map(|p| p.1),
        Some("Kanpur Dehat")
    );
}

/// Block positions are robust to one misplaced head office: Nagra (Saran), whose head office GeoNames puts 31 km
/// south across the Ganga, sits with its own offices north of Chapra; and no block of the service area lies far
/// from the median of its offices.
#[test]
fn block_positions_stand_with_their_offices() {
    use kaamgar_domain::gazetteer::haversine_km;
    use kaamgar_domain::places::Placed;
    let places = &engine().1;
    let saran = places.resolve_district("Saran").unwrap();
    let nagra = places
        .blocks_of(saran)
        .find(|b| b.name == "Nagra")
        .expect("Nagra is a block of Saran");
    // Mothaha, a branch office of Nagra, lies at 25.94 N 84.73 E; the misplaced head office at 25.60 N.
    assert!(
        haversine_km(nagra.lat, nagra.lon, 25.94, 84.73) < 15.0,
        "Nagra at {},{} ({:?})",
        nagra.lat,
        nagra.lon,
        nagra.placed
    );
    assert!(
        matches!(nagra.placed, Placed::Median { off_km: Some(k), .. } if k > 25.0),
        "{:?}",
        nagra.placed
    );
    let chapra = (25.78, 84.73);
    assert!(
        nagra.lat > chapra.0,
        "north of Chapra, not across the Ganga"
    );
    // Manjhi's head office is where Manjhi is (25.83 N 84.58 E), though two of the offices it serves are
    // misplaced far east: one office near it keeps it.
    let manjhi = places
        .blocks_of(saran)
        .find(|b| b.name == "Manjhi")
        .expect("Manjhi is a block of Saran");
    assert!(
        haversine_km(manjhi.lat, manjhi.lon, 25.83, 84.58) < 5.0,
        "Manjhi at {},{} ({:?})",
        manjhi.lat,
        manjhi.lon,
        manjhi.placed
    );
    // Every block of the area has a position inside India's box and in its district's neighbourhood.
    for &d in places.area() {
        let centre = places.district(d).map(|i| (i.lat, i.lon)).unwrap();
        for b in places.blocks_of(d) {
            assert!(
                haversine_km(b.lat, b.lon, centre.0, centre.1) < 80.0,
                "{} at {},{} ({:?})",
                b.name,
                b.lat,
                b.lon,
                b.placed
            );
        }
    }
}

/// Two understanders built from the same data read every message alike: places of equal score are not chosen by
/// the order of a hash map.
#[test]
fn readings_do_not_depend_on_the_build() {
    let (a, _) = engine();
    let (b, _) = understand::build(&understand::parse_area(AREA)).expect("lexicons build");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/eval");
    for file in ["independent_fourth.tsv", "independent_third.tsv"] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let msg = line.rsplit('\t').next().unwrap();
            let (x, y) = (
                a.understand(msg, &Context::default()),
                b.understand(msg, &Context::default()),
            );
            assert_eq!(
                serde_json::to_string(&x).unwrap(),
                serde_json::to_string(&y).unwrap(),
                "{msg}"
            );
        }
    }
}
