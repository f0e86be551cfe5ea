"""Data protection (SPEC section 8): subject access exports, retention, legal hold and erasure."""
