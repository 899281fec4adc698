// Expressions: the small numpy/numexpr-like language of `--where`, `define:`, `--by` and
// `--values` (grammar and semantics: Docs/expressions.md). Pure Swift: a text is parsed and
// type-checked once against a table's column signatures (errors with a caret at the position,
// before any I/O), then evaluated vectorised over column batches that GaiaIO reads.
