"""The documents ship with the repository and the references in them resolve."""

from __future__ import annotations

from tests.common import ROOT

# --- the design notes ship with the repository ---


def test_design_notes_ship_and_references_resolve():
    assert (ROOT / "docs" / "DESIGN.md").is_file()
    for doc in (ROOT / "README.md", ROOT / "docs" / "ARCHITECTURE.md", ROOT / "docs" / "ODD.md"):
        text = doc.read_text()
        assert "not shipped" not in text and "../shared/DESIGN.md" not in text, doc
