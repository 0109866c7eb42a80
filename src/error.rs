//! The error type shared by the safe API and the C ABI.

/// Why a gradient call was refused. Nothing is written when one is returned.
///
/// Every message names the offending argument and its value, using the C
/// ABI's argument names (`axes[1]`, `spacing[0].delta`, `edge_order`, ...),
/// which are also the names of the safe API's parameters. Variants that carry
/// an `index` point into the caller's axes list when one axis is to blame
/// ([`GradientError::axis_index`]).
///
/// Some variants only arise from the C ABI, where raw pointers, strides and
/// dtype codes come from the caller: `NullPointer`, `InvalidShape`,
/// `InvalidStrides`, `Misaligned`, `Overlap`, `InvalidDtype`, `Internal`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GradientError {
    /// A required pointer is NULL.
    #[error("{message}")]
    NullPointer {
        index: Option<usize>,
        message: String,
    },
    /// The array has no dimensions, or more than [`crate::MAX_NDIM`].
    #[error("ndim = {0} is out of range: it must be between 1 and 64")]
    InvalidNdim(i64),
    /// A negative extent, or an element count that overflows.
    #[error("{0}")]
    InvalidShape(String),
    /// Strides whose address range overflows, or outputs whose strides make
    /// elements overlap.
    #[error("{message}")]
    InvalidStrides {
        index: Option<usize>,
        message: String,
    },
    /// An axis out of range or repeated.
    #[error("{message}")]
    InvalidAxis {
        index: Option<usize>,
        message: String,
    },
    /// A wrong number of spacing entries, an unknown kind, a bad step or bad
    /// coordinates.
    #[error("{message}")]
    InvalidSpacing {
        index: Option<usize>,
        message: String,
    },
    /// `edge_order` is not 1 or 2 (1 to p at accuracy p = 4, 6 or 8).
    #[error("edge_order = {0} is invalid: it must be 1 or 2, or 1 to p at accuracy p = 4, 6 or 8")]
    InvalidEdgeOrder(i64),
    /// An axis has fewer than `edge_order + 1` points.
    #[error("{message}")]
    ShapeTooSmall { index: usize, message: String },
    /// A data pointer is not aligned to its element type.
    #[error("{message}")]
    Misaligned {
        index: Option<usize>,
        message: String,
    },
    /// An output overlaps the input or another output.
    #[error("{message}")]
    Overlap {
        index: Option<usize>,
        message: String,
    },
    /// An unknown dtype code.
    #[error("dtype = {0} is not a GRAD_DTYPE_* code (0 to 11)")]
    InvalidDtype(i32),
    /// Invalid options (size, threads, boundary codes, periods).
    #[error("{message}")]
    InvalidOptions {
        index: Option<usize>,
        message: String,
    },
    /// A bug: a panic was caught at the C boundary.
    #[error("internal error (a bug in gradient, please report it): {0}")]
    Internal(String),
}

impl GradientError {
    /// The position in the caller's axes list of the axis this error is
    /// about, if one axis is to blame.
    pub fn axis_index(&self) -> Option<usize> {
        match self {
            GradientError::NullPointer { index, .. }
            | GradientError::InvalidStrides { index, .. }
            | GradientError::InvalidAxis { index, .. }
            | GradientError::InvalidSpacing { index, .. }
            | GradientError::Misaligned { index, .. }
            | GradientError::Overlap { index, .. }
            | GradientError::InvalidOptions { index, .. } => *index,
            GradientError::ShapeTooSmall { index, .. } => Some(*index),
            _ => None,
        }
    }

    pub(crate) fn axis(index: Option<usize>, message: String) -> Self {
        GradientError::InvalidAxis { index, message }
    }

    pub(crate) fn spacing(index: Option<usize>, message: String) -> Self {
        GradientError::InvalidSpacing { index, message }
    }
}
