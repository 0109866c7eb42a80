//! A vector that keeps up to `N` elements inline and moves to the heap only
//! beyond that: shapes, strides and per-axis lists of the arrays people
//! actually pass (up to 4 dimensions, as ndarray keeps its own shapes inline)
//! cost no allocation per call.
//!
//! Safe code only: the inline buffer is always fully initialised (with
//! `T::default()`), so `T` must be `Clone + Default`.

use std::fmt;
use std::ops::{Deref, DerefMut};

/// Inline capacity used for per-dimension and per-axis lists.
pub(crate) const INLINE: usize = 4;

#[derive(Clone)]
pub(crate) enum Small<T: Clone + Default, const N: usize = INLINE> {
    Inline { len: usize, buf: [T; N] },
    Heap(Vec<T>),
}

impl<T: Clone + Default, const N: usize> Small<T, N> {
    #[inline]
    pub(crate) fn new() -> Self {
        Small::Inline {
            len: 0,
            buf: std::array::from_fn(|_| T::default()),
        }
    }

    /// `n` copies of `value`.
    #[inline]
    pub(crate) fn filled(value: T, n: usize) -> Self {
        if n > N {
            return Small::Heap(vec![value; n]);
        }
        Small::Inline {
            len: n,
            buf: std::array::from_fn(|_| value.clone()),
        }
    }

    #[inline(always)]
    pub(crate) fn push(&mut self, value: T) {
        match self {
            Small::Inline { len, buf } if *len < N => {
                buf[*len] = value;
                *len += 1;
            }
            Small::Heap(v) => v.push(value),
            Small::Inline { .. } => self.spill(value),
        }
    }

    /// `push` onto a full inline buffer: move to the heap (kept out of
    /// line; small calls never get here).
    #[cold]
    #[inline(never)]
    fn spill(&mut self, value: T) {
        if let Small::Inline { len, buf } = self {
            let mut v = Vec::with_capacity(2 * N);
            v.extend(buf[..*len].iter_mut().map(std::mem::take));
            v.push(value);
            *self = Small::Heap(v);
        }
    }
}

impl<T: Clone + Default, const N: usize> Small<T, N> {
    #[inline]
    pub(crate) fn as_slice(&self) -> &[T] {
        self
    }
}

impl<'a, T: Clone + Default, const N: usize> IntoIterator for &'a Small<T, N> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    #[inline]
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: Clone + Default, const N: usize> Default for Small<T, N> {
    #[inline]
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone + Default, const N: usize> Deref for Small<T, N> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        match self {
            Small::Inline { len, buf } => &buf[..*len],
            Small::Heap(v) => v,
        }
    }
}

impl<T: Clone + Default, const N: usize> DerefMut for Small<T, N> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        match self {
            Small::Inline { len, buf } => &mut buf[..*len],
            Small::Heap(v) => v,
        }
    }
}

impl<T: Clone + Default, const N: usize> FromIterator<T> for Small<T, N> {
    #[inline]
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let iter = iter.into_iter();
        if iter.size_hint().0 > N {
            return Small::Heap(iter.collect());
        }
        let mut v = Self::new();
        for x in iter {
            v.push(x);
        }
        v
    }
}

impl<T: Clone + Default, const N: usize> From<Vec<T>> for Small<T, N> {
    #[inline]
    fn from(v: Vec<T>) -> Self {
        if v.len() > N {
            Small::Heap(v)
        } else {
            v.into_iter().collect()
        }
    }
}

impl<T: Clone + Default, const N: usize> From<&[T]> for Small<T, N> {
    #[inline]
    fn from(s: &[T]) -> Self {
        s.iter().cloned().collect()
    }
}

impl<T: Clone + Default + fmt::Debug, const N: usize> fmt::Debug for Small<T, N> {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Clone + Default + PartialEq, const N: usize> PartialEq for Small<T, N> {
    #[inline]
    fn eq(&self, o: &Self) -> bool {
        **self == **o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[inline]
    fn inline_then_heap_keeps_order() {
        let mut v: Small<usize, 3> = Small::new();
        assert!(v.is_empty());
        for i in 0..10 {
            v.push(i);
            assert_eq!(v.len(), i + 1);
            assert_eq!(matches!(v, Small::Inline { .. }), i < 3);
        }
        assert_eq!(&*v, &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        v[4] = 40;
        assert_eq!(v[4], 40);
        let w: Small<usize, 3> = v.iter().copied().collect();
        assert_eq!(v, w);
        assert_eq!(&*Small::<i64, 2>::filled(7, 3), &[7, 7, 7]);
        assert_eq!(
            format!("{:?}", Small::<u8, 4>::from(&[1u8, 2][..])),
            "[1, 2]"
        );
    }
}
