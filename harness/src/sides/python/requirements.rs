//! Reads the pins in python_baselines/requirements.txt, the single source of
//! the library versions the baselines must run against.

use std::path::Path;

use super::BridgeError;
use crate::environment::Pin;

/// Every pin in `path`; anything other than `name==version`, comments and
/// blank lines is an error (an unpinned line would let versions drift).
pub fn read_pins(path: &Path) -> Result<Vec<Pin>, BridgeError> {
    let text = std::fs::read_to_string(path).map_err(|e| BridgeError::Requirements {
        path: path.to_path_buf(),
        message: format!("cannot read: {e}"),
    })?;
    parse_pins(&text).map_err(|(line, message)| BridgeError::Requirements {
        path: path.to_path_buf(),
        message: format!("line {line}: {message}"),
    })
}

fn parse_pins(text: &str) -> Result<Vec<Pin>, (usize, String)> {
    let mut pins = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let Some((package, version)) = line.split_once("==") else {
            return Err((
                index + 1,
                format!("expected `package==version`, got `{line}`"),
            ));
        };
        pins.push(Pin {
            package: package.trim().to_string(),
            version: version.trim().to_string(),
        });
    }
    Ok(pins)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pins_and_skips_comments() {
        let pins = parse_pins("# c\nnetworkx==3.4.2  # pinned\n\nnumpy == 2.2.6\n").expect("ok");
        assert_eq!(pins.len(), 2);
        assert_eq!(pins[1].package, "numpy");
        assert_eq!(pins[1].version, "2.2.6");
    }

    #[test]
    fn an_unpinned_line_is_rejected_with_its_line_number() {
        let err = parse_pins("networkx==3.4.2\nnumpy>=2\n").expect_err("unpinned");
        assert_eq!(err.0, 2);
    }
}
