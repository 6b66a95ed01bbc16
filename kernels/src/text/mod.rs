//! Text as CPython handles it, where an alert kernel's answer depends on it:
//! `difflib.SequenceMatcher` ([`difflib`]), `str` whitespace and
//! lower-casing and `{:.2f}` ([`python_str`]), `re.IGNORECASE` searches of
//! word alternations ([`python_re`]) and `json.loads`/`json.dumps`
//! ([`python_json`]), `re`'s `\w`/`\d` and `repr` on `str`
//! ([`python_unicode`]), `random.seed`/`random.random` ([`python_random`]).

pub mod difflib;
pub mod python_json;
pub mod python_random;
pub mod python_re;
pub mod python_str;
pub mod python_unicode;
