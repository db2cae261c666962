//! Synthetic travel documents with ground truth.
