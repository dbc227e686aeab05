#!/usr/bin/env python3
"""Writes the LLM-reranker benchmark model (bench/make-llm-model.py) as a GGUF for llama.cpp.

Never run in CI. It needs torch, safetensors, transformers and `gguf` (PyPI, 0.19). It restates
what llama.cpp's convert_hf_to_gguf.py does for a Qwen3-Reranker (its Qwen3Model with
`_find_rerank_config`): architecture qwen3, pooling RANK with the classifier labels ["yes", "no"]
and the reranking chat template, the tied embedding kept as token_embd and the yes and no rows of
the output projection written as cls.output; the tensors named as gguf's tensor map names them,
norms in float32, the rest quantized with gguf's own quantizers. (The script itself is not used:
it refuses tokenizers it does not know by hash, and the benchmark's is trained here.)

  python bench/gguf-convert.py <model-dir> <out.gguf> <q8_0|q4_0>
"""

import json
import os
import sys

import numpy as np
import gguf
from safetensors.numpy import load_file
from transformers import PreTrainedTokenizerFast

RERANK_TEMPLATE = (
    "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct provided. "
    "Note that the answer can only be \"yes\" or \"no\".<|im_end|>\n"
    "<|im_start|>user\n<Instruct>: Given a web search query, retrieve relevant passages that answer the query\n"
    "<Query>: {query}\n<Document>: {document}<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
)

NAMES = {
    "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v", "self_attn.o_proj": "attn_output",
    "self_attn.q_norm": "attn_q_norm", "self_attn.k_norm": "attn_k_norm", "input_layernorm": "attn_norm",
    "post_attention_layernorm": "ffn_norm", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down",
}


def main():
    model_dir, out, kind = sys.argv[1], sys.argv[2], sys.argv[3]
    qtype = {"q8_0": gguf.GGMLQuantizationType.Q8_0, "q4_0": gguf.GGMLQuantizationType.Q4_0}[kind]
    ftype = {"q8_0": gguf.LlamaFileType.MOSTLY_Q8_0, "q4_0": gguf.LlamaFileType.MOSTLY_Q4_0}[kind]
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    tok = PreTrainedTokenizerFast.from_pretrained(model_dir)
    weights = load_file(os.path.join(model_dir, "model.safetensors"))

    w = gguf.GGUFWriter(out, "qwen3")
    w.add_name("qwen3-reranker-0.6b-shape")
    w.add_context_length(cfg["max_position_embeddings"])
    w.add_embedding_length(cfg["hidden_size"])
    w.add_block_count(cfg["num_hidden_layers"])
    w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_head_count(cfg["num_attention_heads"])
    w.add_head_count_kv(cfg["num_key_value_heads"])
    w.add_key_length(cfg["head_dim"])
    w.add_value_length(cfg["head_dim"])
    w.add_rope_freq_base(cfg["rope_theta"] if "rope_theta" in cfg else cfg.get("rope_parameters", {}).get("rope_theta", 1e6))
    w.add_layer_norm_rms_eps(cfg["rms_norm_eps"])
    w.add_file_type(ftype)
    w.add_pooling_type(gguf.PoolingType.RANK)
    w.add_classifier_output_labels(["yes", "no"])
    w.add_chat_template([{"name": "rerank", "template": RERANK_TEMPLATE}])

    # The tokenizer, as convert_hf_to_gguf's gpt2 vocabulary writes it, padded to the model's vocabulary.
    vocab = tok.get_vocab()
    added = set(tok.added_tokens_encoder)
    tokens, types = [], []
    by_id = {i: t for t, i in vocab.items()}
    for i in range(cfg["vocab_size"]):
        if i in by_id:
            tokens.append(by_id[i])
            types.append(gguf.TokenType.CONTROL if by_id[i] in added else gguf.TokenType.NORMAL)
        else:
            tokens.append(f"[PAD{i}]")
            types.append(gguf.TokenType.UNUSED)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    merges = json.load(open(os.path.join(model_dir, "tokenizer.json")))["model"]["merges"]
    w.add_token_merges([m if isinstance(m, str) else " ".join(m) for m in merges])
    w.add_eos_token_id(tok.eos_token_id)
    w.add_pad_token_id(tok.pad_token_id)
    w.add_bos_token_id(tok.pad_token_id)
    w.add_add_bos_token(False)

    def add(name, array, quantize=True):
        array = array.astype(np.float32)
        if quantize and array.ndim == 2 and array.shape[1] % 32 == 0:
            data = gguf.quants.quantize(array, qtype)
            w.add_tensor(name, data, raw_shape=data.shape, raw_dtype=qtype)
        else:
            w.add_tensor(name, array)

    embed = weights["model.embed_tokens.weight"]
    add("token_embd.weight", embed)
    yes, no = tok.convert_tokens_to_ids("yes"), tok.convert_tokens_to_ids("no")
    add("cls.output.weight", np.stack([embed[yes], embed[no]]), quantize=False)
    add("output_norm.weight", weights["model.norm.weight"], quantize=False)
    for layer in range(cfg["num_hidden_layers"]):
        for hf, name in NAMES.items():
            tensor = weights[f"model.layers.{layer}.{hf}.weight"]
            add(f"blk.{layer}.{name}.weight", tensor, quantize=tensor.ndim == 2)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(out)


if __name__ == "__main__":
    main()
