//! The shadow campaign's records (claim C14), read from the files
//! `python -m campaign` writes (python/tools/campaign; `make report` runs
//! it beside the build, one record per venv).
//!
//! Freshness is the Makefile's: it removes the records before the campaign
//! runs, so a campaign that fails leaves none and the claim is unmeasured.

use std::path::Path;

use super::record::{self, RecordError, RecordSource};
use crate::results::{SHADOW_SCHEMA, ShadowRun};

/// The shadow campaign's record, for the messages.
pub const SOURCE: RecordSource = RecordSource {
    what: "shadow campaign",
    writer: "python -m campaign, from python/tools",
};

/// The record at `path`, if it is readable, well-formed and of this schema.
pub fn read(path: &Path) -> Result<ShadowRun, RecordError> {
    let run: ShadowRun = record::read_json(path, SOURCE)?;
    record::check_schema(path, SOURCE, run.schema, SHADOW_SCHEMA)?;
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::fixtures::shadow_run;

    fn scratch(name: &str) -> std::path::PathBuf {
        crate::measure::scratch_file("shadow", name)
    }

    #[test]
    fn a_hand_made_record_is_consistent_and_a_miscount_is_found() {
        assert_eq!(shadow_run(0).inconsistencies(), Vec::<String>::new());
        let mut miscounted = shadow_run(0);
        miscounted.families[0].functions[0].counts.declined += 1;
        let found = miscounted.inconsistencies();
        assert!(
            found.iter().any(|f| f.contains("declined"))
                && found.iter().any(|f| f.contains("sums")),
            "{found:?}"
        );
    }

    #[test]
    fn reads_a_record_and_refuses_missing_malformed_or_other_schema_ones() {
        let good = scratch("good.json");
        std::fs::write(&good, serde_json::to_vec(&shadow_run(2)).expect("json")).expect("write");
        assert_eq!(read(&good).expect("good"), shadow_run(2));

        let err = read(&scratch("missing.json"))
            .expect_err("missing")
            .to_string();
        assert!(
            err.contains("cannot read") && err.contains("missing.json"),
            "{err}"
        );

        let bad = scratch("bad.json");
        let mut json = serde_json::to_value(shadow_run(2)).expect("json");
        json["families"][0]["family"] = serde_json::json!("astrology");
        std::fs::write(&bad, json.to_string()).expect("write");
        let err = read(&bad).expect_err("malformed").to_string();
        assert!(
            err.contains("bad.json") && err.contains("families[0].family"),
            "{err}"
        );

        let other = scratch("other.json");
        let mut json = serde_json::to_value(shadow_run(2)).expect("json");
        json["schema"] = serde_json::json!(99);
        std::fs::write(&other, json.to_string()).expect("write");
        let err = read(&other).expect_err("schema").to_string();
        assert!(err.contains("schema") && err.contains("99"), "{err}");
    }
}
