"""One workspace's big upload does not hold back another workspace's small one.

Before, one job thread ran uploads in arrival order: behind a document of thousands of
passages, every later upload of every workspace stayed pending until it was done. Now the
embedded queue runs ``worker_threads`` jobs at once and one workspace holds at most all but
one of them (the Redis worker runs ``worker_threads`` jobs too). The figures are printed
(``pytest -s``); the assertion is about order, not speed: the small document is ready while
the big one is still being indexed."""

from __future__ import annotations

import time
from typing import Any

from customercare.runtime import Runtime


def big_manual(paragraphs: int) -> bytes:
    sentence = "Section {n} explains how the router number {n} is reset with its button. "
    return "\n\n".join(sentence.format(n=n) * 4 for n in range(paragraphs)).encode()


def test_a_small_upload_is_ready_while_a_big_one_of_another_workspace_ingests(
    make_tenant: Any, runtime: Runtime
) -> None:
    big_tenant, small_tenant = make_tenant("Big uploader"), make_tenant("Small uploader")
    try:
        started = time.monotonic()
        big = big_tenant.upload(
            "manual.txt", big_manual(300)
        )  # about 150 passages: tens of seconds here
        assert big.status_code == 202, big.text
        big_id = big.json()["document"]["id"]
        # Wait until the big job holds a worker, so the small one truly comes second.
        while (
            big_tenant.client.get(f"/api/v1/documents/{big_id}", headers=big_tenant.headers).json()[
                "status"
            ]
            == "pending"
        ):
            time.sleep(0.05)

        small_sent = time.monotonic()
        small = small_tenant.ingest("faq.md", b"# Returns\n\nReturns are free within 30 days.\n")
        small_ready = time.monotonic() - small_sent
        assert small["status"] == "ready", small

        big_now = big_tenant.client.get(f"/api/v1/documents/{big_id}", headers=big_tenant.headers)
        assert big_now.json()["status"] == "processing", "the big document was not in the way"
        done = big_tenant.wait_until_done(big_id, timeout=240)
        big_total = time.monotonic() - started
        assert done["status"] == "ready", done
        print(
            f"\nfairness: small document ready {small_ready:.2f} s after its upload, while a "
            f"{done['chunk_count']}-passage document of another workspace ingested "
            f"(ready after {big_total:.1f} s)"
        )
    finally:
        for tenant in (big_tenant, small_tenant):
            runtime.vector_store.delete_workspace(workspace_id=tenant.workspace_id)
