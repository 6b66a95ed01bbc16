//! Text as CPython handles it, where an alert kernel's answer depends on it:
//! `difflib.SequenceMatcher` ([`difflib`]) and `str` whitespace and
//! lower-casing ([`python_str`]).

pub mod difflib;
pub mod python_str;
