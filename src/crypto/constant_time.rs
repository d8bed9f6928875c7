//! Comparison of secrets without timing leaks.

/// True when `a == b`, in time that depends only on the lengths.
pub fn equal(a: &[u8], b: &[u8]) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn compares_contents() {
        assert!(super::equal(b"abc", b"abc"));
        assert!(!super::equal(b"abc", b"abd"));
        assert!(!super::equal(b"abc", b"abcd"));
    }
}
