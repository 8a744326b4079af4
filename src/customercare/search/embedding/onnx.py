"""all-MiniLM-L6-v2 (or any BERT-style sentence encoder) on ONNX Runtime: mean pooling over
the attention mask, then L2 normalisation, as sentence-transformers does. No PyTorch."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from customercare.search.embedding.base import Vectors, normalise

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"


class OnnxEmbedder:
    def __init__(
        self, model_dir: Path, *, max_tokens: int = 256, batch_size: int = 32, threads: int = 0
    ) -> None:
        options = ort.SessionOptions()
        if threads > 0:
            options.intra_op_num_threads = threads
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(model_dir / MODEL_FILE), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._input_names = {item.name for item in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(model_dir / TOKENIZER_FILE))
        self._tokenizer.enable_truncation(max_length=max_tokens)
        # A vocabulary token, not a secret:
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106  # nosec B106
        self._batch_size = batch_size
        self._name = f"onnx:{model_dir.name}"
        self._dimension = int(self._session.get_outputs()[0].shape[-1])

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        # Sorting by length keeps padding (wasted compute) small within each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        result = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for start in range(0, len(order), self._batch_size):
            indices = order[start : start + self._batch_size]
            result[indices] = self._embed_batch([texts[i] for i in indices])
        return result

    def _embed_batch(self, texts: list[str]) -> Vectors:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return normalise(pooled)
