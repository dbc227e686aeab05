#!/usr/bin/env python3
"""Builds the LLM-reranker benchmark model: random weights in Qwen3-Reranker-0.6B's exact shape.

Never run in CI, never committed (about 4 GB): `bench/llm-reranker.js` calls it when the folder
is missing. It needs torch, transformers, onnx and onnxruntime from PyPI; the GGUF files also need
`gguf` (PyPI) and llama.cpp's `convert_hf_to_gguf.py` (pass --llama-cpp <checkout>).

  python bench/make-llm-model.py <out-dir> [--llama-cpp <llama.cpp checkout>]

<out-dir> then holds a Hugging Face folder (config.json, tokenizer.json, model.safetensors) and:

  onnx/model.onnx (+ model.onnx_data)  fp32, with past inputs, exported with torch.onnx.export(dynamo=False)
  onnx/model_quantized.onnx            dynamic int8 (onnxruntime.quantization.quantize_dynamic), as onnx-community ships
  onnx/model_q4.onnx                   4-bit weights (MatMulNBits, block 32, symmetric), as onnx-community ships
  gguf/model-Q8_0.gguf, model-Q4_0.gguf  the same weights for llama.cpp (with --llama-cpp)

The shape is Qwen3-0.6B's (28 layers, hidden 1024, 16 query heads, 8 key/value heads of 128,
intermediate 3072, vocabulary 151669, tied embeddings). The tokenizer is a byte-level BPE trained
on the benchmark's vocabulary with Qwen's special tokens: each of its words is one token, as in
Qwen's own vocabulary, so prompts have the real token counts.
"""

import json
import os
import subprocess
import sys

import numpy as np
import onnx
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast, Qwen3Config, Qwen3ForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))


def words():
    """The benchmark passages' vocabulary (bench/passages.js)."""
    source = open(os.path.join(HERE, "passages.js")).read()
    start = source.index("const WORDS = (") + len("const WORDS = (")
    block = source[start : source.index(").split(' ')", start)]
    return " ".join(part.strip().strip("'+ ") for part in block.splitlines()).split()


def tokenizer():
    special = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    prompts = [
        'Judge whether the Document meets the requirements based on the Query and the Instruct provided. Note that the answer can only be "yes" or "no".',
        "Given a web search query, retrieve relevant passages that answer the query",
        "<Instruct>: <Query>: <Document>: system user assistant yes no",
    ]
    vocabulary = words()
    corpus = prompts * 50 + [" ".join(vocabulary)] * 50 + [w for w in vocabulary for _ in range(20)]
    trainer = trainers.BpeTrainer(vocab_size=4000, special_tokens=special, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(corpus, trainer=trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>", padding_side="left")


def main():
    out = sys.argv[1]
    llama_cpp = sys.argv[sys.argv.index("--llama-cpp") + 1] if "--llama-cpp" in sys.argv else None
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    torch.manual_seed(0)
    tok = tokenizer()
    config = Qwen3Config(
        vocab_size=151669, hidden_size=1024, intermediate_size=3072, num_hidden_layers=28, num_attention_heads=16,
        num_key_value_heads=8, head_dim=128, max_position_embeddings=40960, rope_theta=1000000.0, rms_norm_eps=1e-6,
        tie_word_embeddings=True, pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id, bos_token_id=None,
        attn_implementation="eager", architectures=["Qwen3ForCausalLM"], torch_dtype="float32",
    )
    model = Qwen3ForCausalLM(config).eval()
    if not os.path.exists(os.path.join(out, "model.safetensors")):
        model.save_pretrained(out, safe_serialization=True)
        tok.save_pretrained(out)
    fp32 = os.path.join(out, "onnx", "model.onnx")
    if not os.path.exists(fp32):
        fixtures = __import__("make-llm-fixtures")
        fixtures.export(model, fp32, past=True, single_file=False)

    quantized = os.path.join(out, "onnx", "model_quantized.onnx")
    if not os.path.exists(quantized):
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(fp32, quantized, weight_type=QuantType.QInt8, use_external_data_format=False)
    q4 = os.path.join(out, "onnx", "model_q4.onnx")
    if not os.path.exists(q4):
        from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

        q = MatMulNBitsQuantizer(onnx.load(fp32), block_size=32, is_symmetric=True)
        q.process()
        q.model.save_model_to_file(q4, use_external_data_format=False)

    if llama_cpp:
        os.makedirs(os.path.join(out, "gguf"), exist_ok=True)
        for kind in ("q8_0",):
            target = os.path.join(out, "gguf", f"model-{kind.upper()}.gguf")
            if not os.path.exists(target):
                subprocess.run([sys.executable, os.path.join(HERE, "gguf-convert.py"), llama_cpp, out, target, kind], check=True)
    print(out)


if __name__ == "__main__":
    main()
