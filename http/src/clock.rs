//! The request clock both servers share: pinned through
//! `TWINBENCH_SERVICE_NOW` (unix seconds) so two servers given the same
//! requests return the same bodies, else the wall clock. Timestamps in the
//! database are integer seconds, so the clock is too.

use std::time::{SystemTime, UNIX_EPOCH};

use thiserror::Error;

/// The variable pinning the clock (read by app.py too).
pub const NOW_VARIABLE: &str = "TWINBENCH_SERVICE_NOW";

/// Where `now` comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// `time.time()` truncated to seconds, as `int(time.time())` does.
    Wall,
    /// Always this many unix seconds.
    Pinned(i64),
}

/// A pinned value that is not an integer.
#[derive(Debug, Error, PartialEq, Eq)]
#[error(
    "{NOW_VARIABLE}={value:?} is not an integer; fix: give unix seconds such as \
     1771070400, or unset it for the wall clock"
)]
pub struct ClockError {
    pub value: String,
}

impl Clock {
    /// The clock `$TWINBENCH_SERVICE_NOW` asks for (unset or empty: wall).
    pub fn from_env() -> Result<Clock, ClockError> {
        match std::env::var(NOW_VARIABLE) {
            Ok(value) => Clock::parse(&value),
            Err(_) => Ok(Clock::Wall),
        }
    }

    /// app.py's rule: empty is the wall clock, else `-?[0-9]{1,18}`.
    pub fn parse(value: &str) -> Result<Clock, ClockError> {
        if value.is_empty() {
            return Ok(Clock::Wall);
        }
        let digits = value.strip_prefix('-').unwrap_or(value);
        let valid = (1..=18).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
        match value.parse::<i64>() {
            Ok(n) if valid => Ok(Clock::Pinned(n)),
            _ => Err(ClockError {
                value: value.to_string(),
            }),
        }
    }

    /// Unix seconds now.
    pub fn now(self) -> i64 {
        match self {
            Clock::Pinned(n) => n,
            Clock::Wall => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_as_app_py_does() {
        assert_eq!(Clock::parse(""), Ok(Clock::Wall));
        assert_eq!(Clock::parse("1771070400"), Ok(Clock::Pinned(1_771_070_400)));
        assert_eq!(Clock::parse("-5"), Ok(Clock::Pinned(-5)));
        for bad in ["+5", " 5", "5s", "-", "1234567890123456789"] {
            assert!(Clock::parse(bad).is_err(), "{bad}");
        }
    }
}
