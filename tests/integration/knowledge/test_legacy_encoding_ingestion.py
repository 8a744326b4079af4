"""A Shift-JIS Markdown FAQ (a common export from Japanese Windows tools) ingests, and search
returns its passages as the Japanese text they are, not mojibake."""

from __future__ import annotations

from typing import Any

FAQ = (
    "# よくある質問\n\n## 返品について\n\n"
    "ご購入から30日以内であれば、未使用の商品を返品できます。返金は5営業日以内に行われます。\n\n"
    "## 配送について\n\n"
    "通常、ご注文から3営業日以内に発送いたします。\n"
)


def test_a_shift_jis_markdown_file_ingests_and_is_searchable(tenant: Any) -> None:
    document = tenant.ingest("faq.md", FAQ.encode("shift_jis"))
    assert document["status"] == "ready", document
    hits = tenant.search("返品")
    assert hits, "no hit for a word of the document"
    found = " ".join(hit["text"] for hit in hits)
    assert "未使用の商品を返品できます" in found
