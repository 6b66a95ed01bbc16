//! An LSD radix sort of NaN-free `f64`s into ascending order: the load
//! test's sort of up to millions of response times in a few linear passes
//! instead of `n log n` comparisons.
//!
//! Each value's bits are mapped to a `u64` whose unsigned order is the
//! float order (negative values: all bits flipped; others: the sign bit
//! set), so `-0.0` sorts just before `0.0` (equal to `<`, and they add
//! alike). Passes whose byte is the same for every key are skipped, which
//! for response times (one sign, a few exponents) leaves about half.

/// Sorts `values` (no NaN) ascending, using `buffer` as scratch.
pub fn sort_floats(values: &mut [f64], buffer: &mut Vec<u64>) {
    let n = values.len();
    if n < 256 {
        values.sort_unstable_by(f64::total_cmp);
        return;
    }
    let mut keys: Vec<u64> = values.iter().map(|&v| key(v)).collect();
    buffer.clear();
    buffer.resize(n, 0);
    let mut counts = [[0usize; 256]; 8];
    for &k in &keys {
        for (pass, count) in counts.iter_mut().enumerate() {
            count[((k >> (8 * pass)) & 0xff) as usize] += 1;
        }
    }
    let (mut from, mut to) = (&mut keys, buffer);
    for (pass, count) in counts.iter().enumerate() {
        if count.contains(&n) {
            continue;
        }
        let mut offsets = [0usize; 256];
        let mut at = 0;
        for (offset, &c) in offsets.iter_mut().zip(count) {
            *offset = at;
            at += c;
        }
        for &k in from.iter() {
            let byte = ((k >> (8 * pass)) & 0xff) as usize;
            to[offsets[byte]] = k;
            offsets[byte] += 1;
        }
        std::mem::swap(&mut from, &mut to);
    }
    for (v, &k) in values.iter_mut().zip(from.iter()) {
        *v = value(k);
    }
}

fn key(v: f64) -> u64 {
    let bits = v.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

fn value(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_total_cmp() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut values: Vec<f64> = (0..5_000)
            .map(|k| match k % 9 {
                0 => 0.0,
                1 => -0.0,
                2 => f64::INFINITY,
                3 => f64::NEG_INFINITY,
                4 => -((next() % 1_000) as f64) / 7.0,
                _ => f64::from_bits(next() >> 2),
            })
            .collect();
        let mut expected = values.clone();
        expected.sort_unstable_by(f64::total_cmp);
        sort_floats(&mut values, &mut Vec::new());
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&values), bits(&expected));
    }
}
