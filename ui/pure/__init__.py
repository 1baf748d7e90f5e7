"""The pure half of the UI layer: state, scenarios, presets, settings, formulas, exports and
text helpers, with no streamlit (unit-testable without a page; an import-linter contract
in pyproject.toml keeps it so). The Streamlit half is the rest of ``ui``."""
