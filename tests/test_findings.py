from xueji_rules.findings import Finding
from xueji_rules.packs.model import Citation, Text


def test_finding_round_trips_through_json() -> None:
    finding = Finding(
        check="O01.duplicate_registry",
        severity="error",
        records=("A1", "B2"),
        citations=(Citation("jiaoji_2025_1", 9, number="教基〔2025〕1号"),),
        message=Text("同一学生有两个在籍学籍。", "One student holds two live registries."),
        evidence={"since": "2026-03-01", "schools": ["S1", "S2"]},
    )
    data = finding.to_json()
    assert data["citations"][0]["text"] == "教基〔2025〕1号 第九条"
    again = Finding.from_json(data)
    assert again.to_json() == data
    assert again.sort_key() == finding.sort_key()
    assert again == finding
    assert data["citations"][0]["document_id"] == "jiaoji_2025_1"
