//! How the campaign form's tagged enums are read, in the JSON their derived `Serialize` writes.
//!
//! serde's derived `Deserialize` for an internally tagged enum (`VariantExtra`) buffers the
//! whole object into its private `Content` tree before it knows the variant, and for an
//! adjacently tagged one (`AudienceSource`) keeps that path for objects whose `value` comes
//! before `kind`. That tree, its two deserializers and a second decoder of every type inside
//! were a fifth of the code the campaign pages decode with (docs/benchmarks.md, "Tagged enums
//! without serde's buffer"). These read the same JSON in one pass: a flat struct for the
//! internally tagged enum, a self-describing value for the adjacently tagged one, in any key
//! order, with unknown keys ignored as before.

use super::model::{AudienceSource, VariantExtra};
use crate::leads::LeadFilter;
use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;
use uuid::Uuid;

/// `AudienceSource` as written: `{"kind": "filter", "value": {…}}`.
#[derive(Deserialize)]
pub(super) struct AudienceSourceWire {
    kind: AudienceKind,
    value: Option<AudienceValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum AudienceKind {
    Filter,
    Segment,
    Leads,
    Numbers,
}

/// The `value` of any source, told apart by its JSON shape before the kind is known.
enum AudienceValue {
    Object(LeadFilter),
    Text(String),
    List(Vec<Uuid>),
}

impl<'de> Deserialize<'de> for AudienceValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Shape;
        impl<'de> Visitor<'de> for Shape {
            type Value = AudienceValue;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a lead filter, a segment id, a list of lead ids or pasted numbers")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<AudienceValue, E> {
                Ok(AudienceValue::Text(text.to_owned()))
            }

            fn visit_string<E: de::Error>(self, text: String) -> Result<AudienceValue, E> {
                Ok(AudienceValue::Text(text))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<AudienceValue, A::Error> {
                Vec::deserialize(SeqAccessDeserializer::new(seq)).map(AudienceValue::List)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<AudienceValue, A::Error> {
                LeadFilter::deserialize(MapAccessDeserializer::new(map)).map(AudienceValue::Object)
            }
        }
        deserializer.deserialize_any(Shape)
    }
}

impl TryFrom<AudienceSourceWire> for AudienceSource {
    type Error = String;

    fn try_from(wire: AudienceSourceWire) -> Result<Self, String> {
        use AudienceValue::{List, Object, Text};
        let wrong =
            |kind: &str, wants: &str| format!("an audience of {kind} needs {wants} as its value");
        Ok(match (wire.kind, wire.value) {
            (AudienceKind::Filter, Some(Object(filter))) => Self::Filter(filter),
            (AudienceKind::Filter, _) => return Err(wrong("kind filter", "a lead filter")),
            (AudienceKind::Segment, Some(Text(id))) => Self::Segment(
                id.parse()
                    .map_err(|_| format!("the segment id {id:?} is not a valid id"))?,
            ),
            (AudienceKind::Segment, _) => return Err(wrong("kind segment", "a segment id")),
            (AudienceKind::Leads, Some(List(ids))) => Self::Leads(ids),
            (AudienceKind::Leads, _) => return Err(wrong("kind leads", "a list of lead ids")),
            (AudienceKind::Numbers, Some(Text(numbers))) => Self::Numbers(numbers),
            (AudienceKind::Numbers, _) => return Err(wrong("kind numbers", "the numbers as text")),
        })
    }
}

/// `VariantExtra` as written: its fields next to `"kind"` in one object.
#[derive(Deserialize)]
pub(super) struct VariantExtraWire {
    kind: ExtraKind,
    latitude: Option<f64>,
    longitude: Option<f64>,
    name: Option<String>,
    address: Option<String>,
    phone: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum ExtraKind {
    None,
    Location,
    Contact,
}

impl TryFrom<VariantExtraWire> for VariantExtra {
    type Error = String;

    fn try_from(wire: VariantExtraWire) -> Result<Self, String> {
        let missing = |kind: &str, field: &str| format!("a {kind} needs its `{field}`");
        Ok(match wire.kind {
            ExtraKind::None => Self::None,
            ExtraKind::Location => Self::Location {
                latitude: wire
                    .latitude
                    .ok_or_else(|| missing("location", "latitude"))?,
                longitude: wire
                    .longitude
                    .ok_or_else(|| missing("location", "longitude"))?,
                name: wire.name,
                address: wire.address,
            },
            ExtraKind::Contact => Self::Contact {
                name: wire.name.ok_or_else(|| missing("contact", "name"))?,
                phone: wire.phone.ok_or_else(|| missing("contact", "phone"))?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{from_value, json, to_value};

    /// serde's derived reading of the same enums, which these replace: whatever it reads, the
    /// wire reads the same.
    mod derived {
        use super::*;

        #[derive(Debug, PartialEq, Deserialize)]
        #[serde(rename_all = "snake_case", tag = "kind", content = "value")]
        pub enum AudienceSource {
            Filter(LeadFilter),
            Segment(Uuid),
            Leads(Vec<Uuid>),
            Numbers(String),
        }

        #[derive(Debug, PartialEq, Deserialize)]
        #[serde(rename_all = "snake_case", tag = "kind")]
        pub enum VariantExtra {
            None,
            Location {
                latitude: f64,
                longitude: f64,
                name: Option<String>,
                address: Option<String>,
            },
            Contact {
                name: String,
                phone: String,
            },
        }
    }

    fn sources() -> Vec<AudienceSource> {
        let filter = LeadFilter {
            search: Some("dentist".into()),
            tag: Some("vip".into()),
            created_from: chrono::NaiveDate::from_ymd_opt(2026, 11, 1),
            ..LeadFilter::default()
        };
        vec![
            AudienceSource::Filter(LeadFilter::default()),
            AudienceSource::Filter(filter),
            AudienceSource::Segment(Uuid::from_u128(7)),
            AudienceSource::Leads(vec![Uuid::from_u128(1), Uuid::from_u128(2)]),
            AudienceSource::Leads(vec![]),
            AudienceSource::Numbers("+4915112345678\n+4915112345679".into()),
        ]
    }

    #[test]
    fn every_audience_source_reads_back_as_written_and_as_serde_reads_it() {
        for source in sources() {
            let written = to_value(&source).unwrap();
            assert_eq!(
                from_value::<AudienceSource>(written.clone()).unwrap(),
                source
            );
            assert!(from_value::<derived::AudienceSource>(written).is_ok());
        }
    }

    #[test]
    fn an_audience_source_is_read_in_any_key_order() {
        let text = r#"{"value":["00000000-0000-0000-0000-000000000001"],"kind":"leads","extra":1}"#;
        assert_eq!(
            serde_json::from_str::<AudienceSource>(text).unwrap(),
            AudienceSource::Leads(vec![Uuid::from_u128(1)])
        );
        let text = r#"{"value":{"search":"cafe"},"kind":"filter"}"#;
        let AudienceSource::Filter(filter) = serde_json::from_str(text).unwrap() else {
            panic!("not a filter");
        };
        assert_eq!(filter.search.as_deref(), Some("cafe"));
    }

    #[test]
    fn a_mismatched_or_missing_audience_value_says_what_the_kind_needs() {
        for (value, needs) in [
            (
                json!({"kind": "segment", "value": "not-an-id"}),
                "not a valid id",
            ),
            (
                json!({"kind": "segment", "value": []}),
                "needs a segment id",
            ),
            (
                json!({"kind": "leads", "value": "x"}),
                "needs a list of lead ids",
            ),
            (json!({"kind": "filter"}), "needs a lead filter"),
            (
                json!({"kind": "numbers", "value": null}),
                "needs the numbers as text",
            ),
        ] {
            let error = from_value::<AudienceSource>(value.clone())
                .unwrap_err()
                .to_string();
            assert!(error.contains(needs), "{value}: {error}");
            assert!(from_value::<derived::AudienceSource>(value).is_err());
        }
        let error = from_value::<AudienceSource>(json!({"kind": "everyone"})).unwrap_err();
        assert!(
            error.to_string().contains("unknown variant `everyone`"),
            "{error}"
        );
    }

    #[test]
    fn every_variant_extra_reads_back_as_written_and_as_serde_reads_it() {
        for extra in [
            VariantExtra::None,
            VariantExtra::Location {
                latitude: 52.52,
                longitude: -13.4,
                name: Some("Office".into()),
                address: None,
            },
            VariantExtra::Contact {
                name: "Ada".into(),
                phone: "+4915112345678".into(),
            },
        ] {
            let written = to_value(&extra).unwrap();
            assert_eq!(from_value::<VariantExtra>(written.clone()).unwrap(), extra);
            assert!(from_value::<derived::VariantExtra>(written).is_ok());
        }
    }

    #[test]
    fn a_variant_extra_without_its_fields_names_the_missing_one() {
        for (value, needs) in [
            (json!({"kind": "location", "longitude": 1.0}), "`latitude`"),
            (json!({"kind": "location", "latitude": 1.0}), "`longitude`"),
            (json!({"kind": "contact", "name": "Ada"}), "`phone`"),
            (json!({"phone": "+1", "kind": "contact"}), "`name`"),
        ] {
            let error = from_value::<VariantExtra>(value.clone())
                .unwrap_err()
                .to_string();
            assert!(error.contains(needs), "{value}: {error}");
            assert!(from_value::<derived::VariantExtra>(value).is_err());
        }
    }
}
