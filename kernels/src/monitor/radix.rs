//! An LSD radix sort of NaN-free `f64`s into ascending order: the load
//! test's sort of up to millions of response times in a few linear passes
//! instead of `n log n` comparisons.
//!
//! Each value's bits are mapped to a `u64` key whose unsigned order is the
//! float order (negative values: all bits flipped; others: the sign bit
//! set), so `-0.0` sorts just before `0.0` (equal to `<`, and they add
//! alike). The sort orders the keys only; a caller reads the values back
//! with [`value`] as it walks them, so no sorted copy of the floats is
//! ever written.
//!
//! Digits are 11 bits (six passes cover 64), counted in one read of the
//! keys; a pass whose digit is the same for every key is skipped, which
//! for response times (one sign, a few exponents) drops the top one. Six
//! 2,048-entry `u32` count tables take 48 KiB on the stack.

const DIGIT_BITS: u32 = 11;
const DIGITS: usize = 64_usize.div_ceil(DIGIT_BITS as usize);
const RADIX: usize = 1 << DIGIT_BITS;

/// Below this many values a comparison sort of the keys is faster than
/// clearing and scanning the count tables.
const SMALL: usize = 512;

/// Fills `keys` with the order keys of `values` (no NaN) in ascending
/// order and returns them; `buffer` is scratch. Both keep their capacity
/// for the next call.
pub fn sorted_keys<'a>(
    values: &[f64],
    keys: &'a mut Vec<u64>,
    buffer: &'a mut Vec<u64>,
) -> &'a [u64] {
    let n = values.len();
    keys.clear();
    keys.extend(values.iter().map(|&v| key(v)));
    if n < SMALL || u32::try_from(n).is_err() {
        keys.sort_unstable();
        return keys;
    }
    let mut counts = [[0u32; RADIX]; DIGITS];
    for &k in keys.iter() {
        for (digit, count) in counts.iter_mut().enumerate() {
            count[digit_of(k, digit)] += 1;
        }
    }
    buffer.clear();
    buffer.resize(n, 0);
    let (mut from, mut to) = (&mut *keys, &mut *buffer);
    let mut in_buffer = false;
    for (digit, count) in counts.iter_mut().enumerate() {
        if count.contains(&(n as u32)) {
            continue;
        }
        // Counts become each digit value's first output position.
        let mut at = 0u32;
        for c in count.iter_mut() {
            let here = *c;
            *c = at;
            at += here;
        }
        for &k in from.iter() {
            let slot = &mut count[digit_of(k, digit)];
            to[*slot as usize] = k;
            *slot += 1;
        }
        std::mem::swap(&mut from, &mut to);
        in_buffer = !in_buffer;
    }
    if in_buffer { buffer } else { keys }
}

fn digit_of(k: u64, digit: usize) -> usize {
    ((k >> (DIGIT_BITS as usize * digit)) & (RADIX as u64 - 1)) as usize
}

/// The order key of `v`.
fn key(v: f64) -> u64 {
    let bits = v.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// The value whose order key is `k`.
pub fn value(k: u64) -> f64 {
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
        let values: Vec<f64> = (0..5_000)
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
        let (mut keys, mut buffer) = (Vec::new(), Vec::new());
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        // Both ends of the comparison-sort cut-off, and a second call
        // reusing the buffers.
        for n in [SMALL - 1, SMALL, values.len(), values.len()] {
            let mut want = values[..n].to_vec();
            want.sort_unstable_by(f64::total_cmp);
            let got: Vec<f64> = sorted_keys(&values[..n], &mut keys, &mut buffer)
                .iter()
                .map(|&k| value(k))
                .collect();
            assert_eq!(bits(&got), bits(&want), "{n} values");
        }
        let all: Vec<f64> = sorted_keys(&values, &mut keys, &mut buffer)
            .iter()
            .map(|&k| value(k))
            .collect();
        assert_eq!(bits(&all), bits(&expected));
    }
}
