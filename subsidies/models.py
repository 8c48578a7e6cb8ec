"""Awards, instalments, documents and payment batches (built by the review, documents and finance issues)."""
