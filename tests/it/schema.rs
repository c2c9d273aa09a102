//! The JSON Schemas in `schema/` and docket's own parser agree on every sample file, and the
//! schemas describe every field docket knows.

use std::path::{Path, PathBuf};

use docket::config::Config;
use docket::format::fields::{self, FieldSpec};
use docket::format::{RecordRules, parse_record};
use docket::model::Kind;
use docket::workflow::Workflow;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn schema(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(root().join(format!("schema/{name}.schema.json"))).expect("schema");
    serde_json::from_str(&text).expect("schema is JSON")
}

fn samples(folder: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("schema/samples").join(folder))
        .expect("samples")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

/// Whether docket accepts the sample, and whether the schema does.
fn verdicts(path: &Path) -> (bool, bool) {
    let name = path.file_stem().expect("stem").to_string_lossy().into_owned();
    let text = std::fs::read_to_string(path).expect("read");
    let prefix = name.split('-').next().expect("prefix");
    let docket_accepts = match prefix {
        "docket" => Config::parse("docket.toml", &text).is_ok(),
        kind => {
            let kind = Kind::from_name(kind).expect("a kind prefix");
            let workflow = Workflow::built_in(if kind == Kind::Issue { "ops" } else { kind.name() }).expect("built in");
            let rules = RecordRules {
                states: workflow.field_values(),
                workflow: workflow.name,
                custom_fields: Vec::new(),
                is_record: true,
            };
            let parsed = parse_record(kind, "sample", &name, &text, &rules);
            parsed.record.is_some()
        }
    };
    let value: toml::Value = toml::from_str(&text).expect("samples are valid TOML");
    let instance = docket::format::value::to_json(&value);
    let validator =
        jsonschema::options().should_validate_formats(true).build(&schema(prefix)).expect("the schema compiles");
    (docket_accepts, validator.is_valid(&instance))
}

#[test]
fn valid_samples_pass_both() {
    let files = samples("valid");
    assert!(files.len() >= 12);
    for file in files {
        assert_eq!(verdicts(&file), (true, true), "{} (docket, schema)", file.display());
    }
}

#[test]
fn invalid_samples_fail_both() {
    let files = samples("invalid");
    assert!(files.len() >= 12);
    for file in files {
        assert_eq!(verdicts(&file), (false, false), "{} (docket, schema)", file.display());
    }
}

#[test]
fn the_examples_pass_the_schemas() {
    for example in ["ops", "refinement", "support", "mir"] {
        for (folder, schema_name) in [("issues", "issue"), ("mir", "mir"), ("milestones", "milestone")] {
            let Ok(entries) = std::fs::read_dir(root().join("examples").join(example).join(folder)) else {
                continue;
            };
            let validator =
                jsonschema::options().should_validate_formats(true).build(&schema(schema_name)).expect("compiles");
            for entry in entries.filter_map(Result::ok).filter(|e| e.path().extension().is_some_and(|x| x == "toml")) {
                let value: toml::Value =
                    toml::from_str(&std::fs::read_to_string(entry.path()).expect("read")).expect("toml");
                let instance = docket::format::value::to_json(&value);
                let errors: Vec<String> = validator.iter_errors(&instance).map(|e| e.to_string()).collect();
                assert!(errors.is_empty(), "{}: {errors:?}", entry.path().display());
            }
        }
    }
}

fn check_properties(specs: &[FieldSpec], schema: &serde_json::Value, context: &str) {
    let properties = schema["properties"].as_object().unwrap_or_else(|| panic!("{context} has properties"));
    for spec in specs {
        let property =
            properties.get(spec.name).unwrap_or_else(|| panic!("{context}: the schema lacks `{}`", spec.name));
        let required = schema["required"].as_array().is_some_and(|r| r.iter().any(|n| n == spec.name));
        assert_eq!(
            required, spec.required,
            "{context}: docket and the schema disagree on whether `{}` is required",
            spec.name
        );
        match spec.field_type {
            fields::FieldType::Table(inner) => {
                check_properties(inner, property, &format!("{context}.{}", spec.name));
            }
            fields::FieldType::TableList(inner) => {
                check_properties(inner, &property["items"], &format!("{context}.{}[]", spec.name));
            }
            _ => {}
        }
    }
}

#[test]
fn the_schemas_cover_every_field() {
    for kind in Kind::ALL {
        check_properties(fields::fields_of(kind), &schema(kind.name()), kind.name());
    }
    check_properties(docket::config::CONFIG, &schema("docket"), "docket.toml");
}
