//! A dense row-major matrix of f64: the one input type of every model.

use thiserror::Error;

/// Why a matrix could not be built.
#[derive(Debug, Error, PartialEq)]
pub enum MatrixError {
    #[error("matrix data has {len} values, expected rows × cols = {rows} × {cols}")]
    Shape {
        rows: usize,
        cols: usize,
        len: usize,
    },
}

/// `rows × cols` values, row `i` at `data[i * cols..(i + 1) * cols]`.
///
/// Invariant: `data.len() == rows * cols`.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl Matrix {
    /// Checks the shape; the data is taken as is (NaN included: models
    /// document what they do with it).
    pub fn new(rows: usize, cols: usize, data: Vec<f64>) -> Result<Self, MatrixError> {
        if rows.checked_mul(cols) != Some(data.len()) {
            return Err(MatrixError::Shape {
                rows,
                cols,
                len: data.len(),
            });
        }
        Ok(Matrix { rows, cols, data })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Row `i`; panics when `i >= rows` (an internal indexing bug, never
    /// user input: callers iterate `0..rows()`).
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// All values, row-major.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    pub fn into_vec(self) -> Vec<f64> {
        self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_length_is_rejected() {
        assert!(Matrix::new(2, 3, vec![0.0; 5]).is_err());
        let m = Matrix::new(2, 3, (0..6).map(f64::from).collect()).expect("shape");
        assert_eq!(m.row(1), &[3.0, 4.0, 5.0]);
    }
}
