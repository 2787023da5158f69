//! Recognising the columns of a list: English and Hindi column names, in any order, with notes in brackets.

use crate::text::word_skeletons;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Ignored,
    Name,
    Phone,
    Gender,
    Age,
    Trade,
    OtherTrades,
    Experience,
    Village,
    Panchayat,
    Block,
    District,
    Pin,
    Languages,
    Availability,
    Source,
    Consent,
    ConsentDate,
}

/// Column-name phrases per field, in priority order: the first field with a matching phrase wins, so
/// "Father's name" is ignored before "name" can claim it and "Block name" is a block, not a name.
const SYNONYMS: &[(Field, &[&str])] = &[
    (
        Field::Ignored,
        &[
            "id",
            "registration no",
            "father",
            "pita",
            "पिता",
            "husband",
            "pati",
            "पति",
            "guardian",
            "अभिभावक",
            "s no",
            "sl no",
            "sr no",
            "serial",
            "क्रम",
            "क्र सं",
            "क्रमांक",
            "aadhaar",
            "aadhar",
            "आधार",
            "bank",
            "बैंक",
            "ifsc",
            "account",
            "खाता",
            "remarks",
            "टिप्पणी",
            "photo",
        ],
    ),
    (
        Field::Phone,
        &[
            "mobile",
            "mobil",
            "phone",
            "contact",
            "मोबाइल",
            "फोन",
            "फ़ोन",
            "संपर्क",
            "दूरभाष",
        ],
    ),
    (
        Field::ConsentDate,
        &[
            "consent date",
            "सहमति तिथि",
            "सहमति की तारीख",
            "date of consent",
        ],
    ),
    (Field::Consent, &["consent", "सहमति", "sahmati"]),
    (Field::Experience, &["experience", "अनुभव", "anubhav", "exp"]),
    (
        Field::OtherTrades,
        &[
            "secondary skill",
            "other skill",
            "other skills",
            "additional skill",
            "अन्य कौशल",
            "अन्य हुनर",
            "द्वितीयक कौशल",
            "secondary trade",
            "other trade",
        ],
    ),
    (
        Field::Trade,
        &[
            "skill",
            "skills",
            "trade",
            "kaushal",
            "कौशल",
            "हुनर",
            "hunar",
            "occupation",
            "पेशा",
            "व्यवसाय",
            "vyavsay",
            "कार्य",
            "काम",
            "work",
            "nco",
            "category of skill",
            "skill category",
        ],
    ),
    (
        Field::Pin,
        &[
            "pin",
            "pincode",
            "pin code",
            "पिन",
            "पिनकोड",
            "पिन कोड",
            "postal code",
        ],
    ),
    (
        Field::Block,
        &[
            "block",
            "prakhand",
            "प्रखंड",
            "प्रखण्ड",
            "ब्लॉक",
            "ब्लाक",
            "development block",
            "tehsil",
            "तहसील",
        ],
    ),
    (
        Field::District,
        &["district", "jila", "zila", "जिला", "ज़िला", "जनपद", "janpad"],
    ),
    (
        Field::Panchayat,
        &[
            "panchayat",
            "पंचायत",
            "gram panchayat",
            "ग्राम पंचायत",
            "ward",
            "वार्ड",
        ],
    ),
    (
        Field::Village,
        &[
            "village",
            "gaon",
            "gram",
            "गाँव",
            "गांव",
            "ग्राम",
            "mohalla",
            "मोहल्ला",
            "tola",
            "टोला",
            "address",
            "पता",
            "town",
            "शहर",
        ],
    ),
    (
        Field::Languages,
        &["language", "languages", "भाषा", "bhasha"],
    ),
    (
        Field::Availability,
        &[
            "availability",
            "available",
            "उपलब्धता",
            "उपलब्ध",
            "status",
            "स्थिति",
        ],
    ),
    (Field::Source, &["source", "स्रोत", "srot"]),
    (
        Field::Age,
        &["age", "उम्र", "आयु", "umar", "umr", "age years"],
    ),
    (Field::Gender, &["gender", "sex", "लिंग", "ling"]),
    (
        Field::Name,
        &[
            "name",
            "नाम",
            "naam",
            "worker",
            "श्रमिक",
            "कामगार",
            "applicant",
            "आवेदक",
            "beneficiary",
            "लाभार्थी",
        ],
    ),
];

impl Field {
    pub fn label(self) -> &'static str {
        match self {
            Field::Ignored => "(ignored)",
            Field::Name => "name",
            Field::Phone => "phone",
            Field::Gender => "gender",
            Field::Age => "age",
            Field::Trade => "trade",
            Field::OtherTrades => "other_trades",
            Field::Experience => "experience",
            Field::Village => "village",
            Field::Panchayat => "panchayat",
            Field::Block => "block",
            Field::District => "district",
            Field::Pin => "pin",
            Field::Languages => "languages",
            Field::Availability => "availability",
            Field::Source => "source",
            Field::Consent => "consent",
            Field::ConsentDate => "consent_date",
        }
    }

    /// Recognises one column name.
    pub fn recognise(header: &str) -> Option<Field> {
        let without_notes: String = header
            .split(['(', '['])
            .next()
            .unwrap_or(header)
            .to_string();
        let words = word_skeletons(&without_notes);
        if words.is_empty() {
            return None;
        }
        let joined: String = words.concat();
        for (field, phrases) in SYNONYMS {
            for phrase in *phrases {
                let p = word_skeletons(phrase);
                if p.is_empty() {
                    continue;
                }
                if p.concat() == joined || contains_run(&words, &p) {
                    return Some(*field);
                }
            }
        }
        None
    }
}

fn contains_run(words: &[String], phrase: &[String]) -> bool {
    phrase.len() <= words.len() && words.windows(phrase.len()).any(|w| w == phrase)
}

/// The recognised columns of a list.
#[derive(Debug, Clone)]
pub struct Header {
    pub names: Vec<String>,
    pub fields: Vec<Option<Field>>,
}

impl Header {
    /// A header for callers that already know their fields (the JSON API reuses row validation this way).
    pub fn from_fields(fields: &[Field]) -> Header {
        Header {
            names: fields.iter().map(|f| f.label().to_string()).collect(),
            fields: fields.iter().map(|f| Some(*f)).collect(),
        }
    }

    pub fn recognise(cells: &[String]) -> Header {
        let mut fields: Vec<Option<Field>> = Vec::with_capacity(cells.len());
        for c in cells {
            let mut f = Field::recognise(c);
            // A second trade column holds secondary trades; other repeats are left unused.
            if let Some(field) = f
                && field != Field::Ignored
                && fields.contains(&Some(field))
            {
                f = if field == Field::Trade && !fields.contains(&Some(Field::OtherTrades)) {
                    Some(Field::OtherTrades)
                } else {
                    None
                };
            }
            fields.push(f);
        }
        Header {
            names: cells.iter().map(|c| c.trim().to_string()).collect(),
            fields,
        }
    }

    /// How many distinct useful fields were recognised (to find the header row under a title).
    pub fn score(&self) -> usize {
        self.fields
            .iter()
            .filter(|f| matches!(f, Some(x) if *x != Field::Ignored))
            .count()
    }

    pub fn column(&self, field: Field) -> Option<usize> {
        self.fields.iter().position(|f| *f == Some(field))
    }

    /// Required columns that are missing. A place needs a block, PIN, village or district column
    /// (a single-district service area supplies the district).
    pub fn missing_required(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        for (f, label) in [
            (Field::Name, "name (नाम)"),
            (Field::Phone, "mobile (मोबाइल)"),
            (Field::Trade, "skill (कौशल)"),
        ] {
            if self.column(f).is_none() {
                missing.push(label);
            }
        }
        if [Field::Block, Field::Pin, Field::Village, Field::District]
            .iter()
            .all(|f| self.column(*f).is_none())
        {
            missing.push("block (प्रखंड) or PIN (पिन कोड)");
        }
        missing
    }

    /// Columns that were not recognised (reported so an official can rename them).
    pub fn unrecognised(&self) -> Vec<String> {
        self.names
            .iter()
            .zip(&self.fields)
            .filter(|(n, f)| f.is_none() && !n.is_empty())
            .map(|(n, _)| n.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(cells: &[&str]) -> Header {
        Header::recognise(&cells.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn recognises_hindi_column_names() {
        let h = header(&[
            "क्रम संख्या",
            "नाम",
            "पिता का नाम",
            "मोबाइल नंबर",
            "लिंग",
            "उम्र",
            "कौशल",
            "अनुभव (वर्ष)",
            "गाँव",
            "पंचायत",
            "प्रखंड",
            "जिला",
            "पिन कोड",
        ]);
        let labels: Vec<&str> = h
            .fields
            .iter()
            .map(|f| f.map_or("-", |f| f.label()))
            .collect();
        assert_eq!(
            labels,
            [
                "(ignored)",
                "name",
                "(ignored)",
                "phone",
                "gender",
                "age",
                "trade",
                "experience",
                "village",
                "panchayat",
                "block",
                "district",
                "pin"
            ]
        );
        assert!(h.missing_required().is_empty());
    }

    #[test]
    fn recognises_english_column_names_as_offices_write_them() {
        let h = header(&[
            "Sl. No.",
            "Name of Worker",
            "Father's Name",
            "Mobile No.",
            "Gender",
            "Age (Years)",
            "Skill",
            "Secondary Skill",
            "Experience",
            "Village",
            "Block Name",
            "District",
            "Pincode",
        ]);
        let labels: Vec<&str> = h
            .fields
            .iter()
            .map(|f| f.map_or("-", |f| f.label()))
            .collect();
        assert_eq!(
            labels,
            [
                "(ignored)",
                "name",
                "(ignored)",
                "phone",
                "gender",
                "age",
                "trade",
                "other_trades",
                "experience",
                "village",
                "block",
                "district",
                "pin"
            ]
        );
    }

    #[test]
    fn reports_missing_required_columns() {
        let h = header(&["Name", "Village"]);
        assert_eq!(h.missing_required(), ["mobile (मोबाइल)", "skill (कौशल)"]);
    }
}
