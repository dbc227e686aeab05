#!/usr/bin/env python3
"""Builds the LLM-reranker fixtures of __test__/fixtures/llm/ and their reference scores.

Never run in CI: it needs torch, transformers, onnx and onnxruntime (all from PyPI). The
outputs are committed:

  __test__/fixtures/llm/<name>/   config.json, tokenizer.json, tokenizer_config.json and ONNX graphs
  __test__/fixtures/llm-scores.json   each family's reference scores, computed with its published
                                      scoring code (restated below) on the same weights

Models (random weights, tiny, exported with torch.onnx.export(dynamo=False) and eager attention):

  qwen3-reranker          Qwen3ForCausalLM; onnx/model.onnx (fp32, past inputs),
                          onnx/model_quantized.onnx (dynamic int8), onnx/model_q4.onnx (MatMulNBits,
                          4-bit weight-only, block 32)
  qwen3-reranker-nopast   the same weights; root model.onnx without past inputs
  qwen3-reranker-seq-cls  the same backbone as Qwen3ForSequenceClassification with one label whose
                          head is lm_head[yes] - lm_head[no], as the seq-cls conversion builds it
  mxbai-rerank-base-v2    Qwen2ForCausalLM; onnx/model.onnx with past inputs
  bge-reranker-v2-gemma   GemmaForCausalLM; root model.onnx without past inputs
  decoder-unfed-input     a few nodes taking `cache_position`, an input an LLM reranker does not feed

Tokenizers: byte-level BPE trained here on a small corpus, with each family's special tokens
(Qwen: <|endoftext|>, <|im_start|>, <|im_end|>, <think>, </think>; Gemma: <pad>, <eos>, <bos>, <unk>).

Reference scores, one pair at a time (no padding):
  Qwen3-Reranker (model card): prefix + body + suffix, each tokenized without special tokens, only
    the body truncated to max_length - len(prefix) - len(suffix); P(yes) = softmax over the last
    position's logits of "no" and "yes". The seq-cls model: sigmoid of its one logit, same prompt.
  mxbai-rerank-v2 (mixedbread-ai/mxbai-rerank, mxbai_rerank_v2.py): [instruction: i\\n]query: q
    (capped at max_length * 3 // 4), \\n + "document: d", the task prompt, the chat template;
    logit("1") - logit("0") at the last position.
  bge-reranker-v2-gemma (FlagEmbedding, decoder_only/base.py): <bos> + "A: q" (max_length * 3 // 4)
    and \\n + "B: p" (max_length), \\n + the prompt; the raw logit of "Yes" at the last position.
The q4 graph's references use the same code on the weights the q4 graph holds (dequantized); the
dynamic int8 graph's, the card's formula on the graph itself (onnxruntime), one pair per run.
"""

import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import (
    DynamicCache,
    GemmaConfig,
    GemmaForCausalLM,
    PreTrainedTokenizerFast,
    Qwen2Config,
    Qwen2ForCausalLM,
    Qwen3Config,
    Qwen3ForCausalLM,
    Qwen3ForSequenceClassification,
)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "__test__", "fixtures")
OUT = os.path.join(ROOT, "llm")

QWEN3_PREFIX = '<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct provided. Note that the answer can only be "yes" or "no".<|im_end|>\n<|im_start|>user\n'
QWEN3_SUFFIX = "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
QWEN3_INSTRUCTION = "Given a web search query, retrieve relevant passages that answer the query"
MXBAI_PREFIX = "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
MXBAI_SUFFIX = "<|im_end|>\n<|im_start|>assistant\n"
MXBAI_TASK = "You are a search relevance expert who evaluates how well documents match search queries. For each query-document pair, carefully analyze the semantic relationship between them, then provide your binary relevance judgment (0 for not relevant, 1 for relevant).\nRelevance:"
GEMMA_PROMPT = "Given a query A and a passage B, determine whether the passage contains an answer to the query by providing a prediction of either 'Yes' or 'No'."

WORDS = (
    "the of and to in is was for on that with as by at from it an were are which this be or has had not "
    "river rivers longest nile amazon flows water city cities night mountain tall history music search "
    "query document passage relevant answer model rank score yes no Yes No true false what which how "
    "where who when why capital china beijing gravity force planets sun moon light energy people world"
).split()


def corpus():
    rng = np.random.default_rng(1)
    lines = [QWEN3_PREFIX, QWEN3_SUFFIX, QWEN3_INSTRUCTION, MXBAI_PREFIX, MXBAI_SUFFIX, MXBAI_TASK, GEMMA_PROMPT]
    lines += ["yes no yes no Yes No 1 0 1 0 yes\nno\n<Instruct>: <Query>: <Document>: A: B: query: document: instruction:"] * 20
    # The answer tokens, standalone, often enough to be merged into one token each.
    lines += ["yes\nno\nYes\nNo"] * 200
    for _ in range(400):
        lines.append(" ".join(rng.choice(WORDS, size=rng.integers(5, 30))))
    return lines


def byte_level_bpe(special, vocab_size=500):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=special, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(corpus(), trainer=trainer)
    return tok


def qwen_tokenizer():
    tok = byte_level_bpe(["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>"])
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>", padding_side="left")
    return fast


def gemma_tokenizer():
    tok = byte_level_bpe(["<pad>", "<eos>", "<bos>", "<unk>"])
    # Gemma's tokenizer puts <bos> in front (add_special_tokens=True); the rerankers add it themselves.
    tok.post_processor = processors.TemplateProcessing(single="<bos> $A", pair="<bos> $A $B", special_tokens=[("<bos>", tok.token_to_id("<bos>"))])
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<bos>", eos_token="<eos>", pad_token="<pad>", unk_token="<unk>", padding_side="left")


def ids(tokenizer, text):
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def last_logits(model, input_ids):
    with torch.no_grad():
        return model(input_ids=torch.tensor([input_ids])).logits[0, -1].double()


# ---- each family's published scoring, restated (one pair at a time) ----


def qwen3_inputs(tok, query, doc, instruction, max_length):
    prefix, suffix = ids(tok, QWEN3_PREFIX), ids(tok, QWEN3_SUFFIX)
    body = ids(tok, f"<Instruct>: {instruction or QWEN3_INSTRUCTION}\n<Query>: {query}\n<Document>: {doc}")
    body = body[: max_length - len(prefix) - len(suffix)]
    return prefix + body + suffix


def qwen3_score(model, tok, query, doc, instruction=None, max_length=8192):
    logits = last_logits(model, qwen3_inputs(tok, query, doc, instruction, max_length))
    yes, no = tok.convert_tokens_to_ids("yes"), tok.convert_tokens_to_ids("no")
    pair = torch.stack([logits[no], logits[yes]])
    return float(torch.log_softmax(pair, dim=0)[1].exp())


def qwen3_seq_cls_score(model, tok, query, doc, instruction=None, max_length=8192):
    with torch.no_grad():
        logit = model(input_ids=torch.tensor([qwen3_inputs(tok, query, doc, instruction, max_length)])).logits[0, 0].double()
    return float(torch.sigmoid(logit))


def mxbai_score(model, tok, query, doc, instruction=None, max_length=8192, model_max_length=None):
    sep, task = ids(tok, "\n"), ids(tok, MXBAI_TASK)
    prefix, suffix = ids(tok, MXBAI_PREFIX), ids(tok, MXBAI_SUFFIX)
    predefined = len(prefix) + len(task) + len(suffix) + len(sep)
    if max_length + predefined > model_max_length:
        max_length = model_max_length - predefined
    query_prompt = f"query: {query}"
    if instruction:
        query_prompt = f"instruction: {instruction}\nquery: {query}"
    q = ids(tok, query_prompt)[: max_length * 3 // 4]
    doc_max = min(model_max_length - len(q) - predefined, max_length)
    d = ids(tok, f"document: {doc}")[:doc_max]
    second = (sep + d)[: max(0, max_length - len(q))]  # prepare_for_model, truncation="only_second"
    logits = last_logits(model, prefix + q + second + sep + task + suffix)
    return float(logits[ids(tok, "1")[0]] - logits[ids(tok, "0")[0]])


def gemma_score(model, tok, query, passage, max_length=512):
    sep, prompt = ids(tok, "\n"), ids(tok, GEMMA_PROMPT)
    q = ids(tok, f"A: {query}")[: max_length * 3 // 4]
    p = ids(tok, f"B: {passage}")[:max_length]
    encode_max = max_length + len(sep) + len(prompt)
    first = [tok.bos_token_id] + q
    second = (sep + p)[: max(0, encode_max - len(first))]
    logits = last_logits(model, first + second + sep + prompt)
    return float(logits[ids(tok, "Yes")[0]])


# ---- export ----


def export(model, path, past, single_file=True):
    """torch.onnx.export (TorchScript) with input_ids, attention_mask, position_ids (and past key/values)."""
    cfg = model.config
    layers = cfg.num_hidden_layers
    kv_heads = cfg.num_key_value_heads
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads

    class Wrapped(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, position_ids, *past_kv):
            kwargs = {"input_ids": input_ids, "attention_mask": attention_mask, "position_ids": position_ids}
            if past:
                kwargs["past_key_values"] = DynamicCache(ddp_cache_data=[(past_kv[2 * i], past_kv[2 * i + 1]) for i in range(layers)], config=cfg)
                kwargs["use_cache"] = True
            else:
                kwargs["use_cache"] = False
            out = self.m(**kwargs)
            if not past:
                return out.logits
            present = []
            for layer in out.past_key_values.layers:
                present += [layer.keys, layer.values]
            return (out.logits, *present)

    b, s, p = 2, 5, 3
    input_ids = torch.randint(4, model.config.vocab_size, (b, s))
    mask = torch.ones(b, (p if past else 0) + s, dtype=torch.long)
    positions = torch.arange(p if past else 0, (p if past else 0) + s).unsqueeze(0).expand(b, s)
    names_in = ["input_ids", "attention_mask", "position_ids"]
    args = [input_ids, mask, positions]
    dynamic = {
        "input_ids": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
    }
    names_out = ["logits"]
    is_seq_cls = isinstance(model, Qwen3ForSequenceClassification)
    dynamic["logits"] = {0: "batch_size"} if is_seq_cls else {0: "batch_size", 1: "sequence_length"}
    if past:
        for i in range(layers):
            for kv in ("key", "value"):
                name = f"past_key_values.{i}.{kv}"
                names_in.append(name)
                args.append(torch.randn(b, kv_heads, p, head_dim))
                dynamic[name] = {0: "batch_size", 2: "past_sequence_length"}
                out = f"present.{i}.{kv}"
                names_out.append(out)
                dynamic[out] = {0: "batch_size", 2: "total_sequence_length"}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.onnx.export(Wrapped(model).eval(), tuple(args), path, input_names=names_in, output_names=names_out, dynamic_axes=dynamic, opset_version=17, dynamo=False)
    if single_file:
        # One file: the tiny weights stay inside the protobuf.
        onnx.save(onnx.load(path), path)


def quantize_q8(src, dst):
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(src, dst, weight_type=QuantType.QInt8)


def quantize_q4(src, dst):
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    q = MatMulNBitsQuantizer(onnx.load(src), block_size=32, is_symmetric=True)
    q.process()
    q.model.save_model_to_file(dst)


def dequantized_q4_state(model, graph_path):
    """The torch state dict with every MatMul weight the q4 graph quantized replaced by its dequantized value."""
    graph = onnx.load(graph_path)
    inits = {i.name: numpy_helper.to_array(i) for i in graph.graph.initializer}
    state = {k: v.clone() for k, v in model.state_dict().items()}
    linears = {name: mod for name, mod in model.named_modules() if isinstance(mod, torch.nn.Linear)}
    replaced = 0
    for node in graph.graph.node:
        if node.op_type != "MatMulNBits":
            continue
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        k, n, block = attrs["K"], attrs["N"], attrs["block_size"]
        packed, scales = inits[node.input[1]], inits[node.input[2]].reshape(n, -1)
        low, high = packed & 0x0F, packed >> 4
        q = np.stack([low, high], axis=-1).reshape(n, -1)[:, :k].astype(np.float32)
        zero = 8.0
        if len(node.input) > 3 and node.input[3] in inits:
            zp = inits[node.input[3]]
            zp = np.stack([zp & 0x0F, zp >> 4], axis=-1).reshape(n, -1)[:, : scales.shape[1]].astype(np.float32)
            zero = np.repeat(zp, block, axis=1)[:, :k]
        weight = (q - zero) * np.repeat(scales, block, axis=1)[:, :k]  # [N, K] = torch's Linear.weight
        # The graph's node names the torch module it came from: /m/model/layers.0/self_attn/q_proj/MatMul_Q4
        module = node.name.removeprefix("/m/").rsplit("/", 1)[0].replace("/", ".")
        if module not in linears or tuple(linears[module].weight.shape) != (n, k):
            raise SystemExit(f"cannot map {node.name} to a torch module ({module})")
        state[f"{module}.weight"] = torch.from_numpy(weight)
        replaced += 1
    if replaced == 0:
        raise SystemExit("the q4 graph quantized nothing")
    return state


def spread_logits(model):
    """Random weights × 4, so that P(yes) is not always 0.5; returns the model."""
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(4.0)
    return model


def save_folder(name, model, tok, extra_config=None):
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    config = model.config.to_dict()
    config.update(extra_config or {})
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
    tok.save_pretrained(folder)
    for leftover in ("special_tokens_map.json", "chat_template.jinja"):
        if os.path.exists(os.path.join(folder, leftover)):
            os.remove(os.path.join(folder, leftover))
    return folder


CASES = [
    ("which river is the longest", ["the nile is the longest river in the world", "a city at night", "rivers flow water", ""], None),
    ("capital of china", ["beijing is the capital of china", "the sun and the moon"], "Given a question, retrieve the passage that answers it"),
    # A short document beside one long enough to be truncated at the short limits below.
    ("what is gravity", ["gravity is a force", " ".join(["gravity pulls the planets toward the sun"] * 12)], None),
]


def onnx_qwen3_score(graph, tok, query, doc, instruction=None, max_length=8192):
    """Qwen3's card formula on an ONNX graph (onnxruntime), one pair, no padding."""
    import onnxruntime as ort

    session = ONNX_SESSIONS.setdefault(graph, ort.InferenceSession(graph))
    ids = qwen3_inputs(tok, query, doc, instruction, max_length)
    feed = {"input_ids": np.array([ids]), "attention_mask": np.ones((1, len(ids)), dtype=np.int64), "position_ids": np.arange(len(ids))[None]}
    for i in session.get_inputs():
        if i.name.startswith("past_key_values"):
            feed[i.name] = np.zeros((1, i.shape[1], 0, i.shape[3]), dtype=np.float32)
    logits = session.run(["logits"], feed)[0][0, -1].astype(np.float64)
    yes, no = tok.convert_tokens_to_ids("yes"), tok.convert_tokens_to_ids("no")
    return float(1 / (1 + np.exp(logits[no] - logits[yes])))


ONNX_SESSIONS = {}


def cases_for(score, *args, max_length=None, instructions=True):
    out = []
    for query, docs, instruction in CASES:
        kwargs = {} if max_length is None else {"max_length": max_length}
        if instructions and instruction:
            kwargs["instruction"] = instruction
        out.append({"query": query, "texts": docs, "instruction": instruction if instructions else None,
                    "scores": [score(*args, query, d, **kwargs) for d in docs]})
    return out


def main():
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    refs = {}
    qtok = qwen_tokenizer()
    for token in ("yes", "no"):
        assert qtok.convert_tokens_to_ids(token) is not None and len(ids(qtok, token)) == 1, token

    # Qwen3-Reranker: causal, and the seq-cls conversion of the same weights.
    qcfg = Qwen3Config(vocab_size=len(qtok), hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                       num_key_value_heads=2, head_dim=16, max_position_embeddings=4096, tie_word_embeddings=True,
                       pad_token_id=qtok.pad_token_id, eos_token_id=qtok.eos_token_id, attn_implementation="eager")
    qwen3 = spread_logits(Qwen3ForCausalLM(qcfg).eval())
    folder = save_folder("qwen3-reranker", qwen3, qtok)
    export(qwen3, os.path.join(folder, "onnx", "model.onnx"), past=True)
    quantize_q8(os.path.join(folder, "onnx", "model.onnx"), os.path.join(folder, "onnx", "model_quantized.onnx"))
    quantize_q4(os.path.join(folder, "onnx", "model.onnx"), os.path.join(folder, "onnx", "model_q4.onnx"))
    refs["qwen3-reranker"] = cases_for(qwen3_score, qwen3, qtok)
    # A limit that truncates the long document's body but leaves the others whole.
    short = len(ids(qtok, QWEN3_PREFIX)) + len(ids(qtok, QWEN3_SUFFIX)) + 75
    refs["qwen3-reranker short"] = {"maxLength": short, "cases": cases_for(qwen3_score, qwen3, qtok, max_length=short)}
    # Untied: the q4 graph quantizes the output projection, not the embedding it shares.
    q4 = Qwen3ForCausalLM(Qwen3Config(**{**qcfg.to_dict(), "tie_word_embeddings": False})).eval()
    state = dequantized_q4_state(qwen3, os.path.join(folder, "onnx", "model_q4.onnx"))
    state.setdefault("lm_head.weight", qwen3.lm_head.weight.detach().clone())
    q4.load_state_dict(state)
    refs["qwen3-reranker q4"] = cases_for(qwen3_score, q4, qtok)
    # Dynamic int8: the activations' scale is computed per run, so the reference is the graph itself, one pair a run.
    refs["qwen3-reranker q8"] = cases_for(onnx_qwen3_score, os.path.join(folder, "onnx", "model_quantized.onnx"), qtok)

    nopast = save_folder("qwen3-reranker-nopast", qwen3, qtok)
    export(qwen3, os.path.join(nopast, "model.onnx"), past=False)

    seq_cfg = Qwen3Config(**{**qcfg.to_dict(), "num_labels": 1, "architectures": ["Qwen3ForSequenceClassification"]})
    seq = Qwen3ForSequenceClassification(seq_cfg).eval()
    state = {k.replace("model.", "model.", 1): v for k, v in qwen3.state_dict().items() if k.startswith("model.")}
    seq.model.load_state_dict({k[len("model."):]: v for k, v in state.items()})
    yes, no = qtok.convert_tokens_to_ids("yes"), qtok.convert_tokens_to_ids("no")
    with torch.no_grad():
        lm_head = qwen3.lm_head.weight
        seq.score.weight.copy_((lm_head[yes] - lm_head[no]).unsqueeze(0))
    seqdir = save_folder("qwen3-reranker-seq-cls", seq, qtok)
    export(seq, os.path.join(seqdir, "onnx", "model.onnx"), past=False)
    refs["qwen3-reranker-seq-cls"] = cases_for(qwen3_seq_cls_score, seq, qtok)

    # mxbai-rerank-v2: Qwen2.
    mcfg = Qwen2Config(vocab_size=len(qtok), hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                       num_key_value_heads=2, max_position_embeddings=1024, tie_word_embeddings=True,
                       pad_token_id=qtok.pad_token_id, eos_token_id=qtok.eos_token_id, attn_implementation="eager")
    mxbai = spread_logits(Qwen2ForCausalLM(mcfg).eval())
    mfolder = save_folder("mxbai-rerank-base-v2", mxbai, qtok)
    export(mxbai, os.path.join(mfolder, "onnx", "model.onnx"), past=True)
    refs["mxbai-rerank-v2"] = [
        {"query": q, "texts": docs, "instruction": i,
         "scores": [mxbai_score(mxbai, qtok, q, d, instruction=i, max_length=8192, model_max_length=mcfg.max_position_embeddings) for d in docs]}
        for q, docs, i in CASES
    ]

    # bge-reranker-v2-gemma: Gemma.
    gtok = gemma_tokenizer()
    gcfg = GemmaConfig(vocab_size=len(gtok), hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                       num_key_value_heads=1, head_dim=16, max_position_embeddings=1024, pad_token_id=gtok.pad_token_id,
                       bos_token_id=gtok.bos_token_id, eos_token_id=gtok.eos_token_id, attn_implementation="eager")
    gemma = spread_logits(GemmaForCausalLM(gcfg).eval())
    gfolder = save_folder("bge-reranker-v2-gemma", gemma, gtok)
    export(gemma, os.path.join(gfolder, "model.onnx"), past=False)
    refs["bge-reranker-v2-gemma"] = [
        {"query": q, "texts": docs, "instruction": None, "scores": [gemma_score(gemma, gtok, q, d) for d in docs]}
        for q, docs, _ in CASES
    ]
    refs["bge-reranker-v2-gemma short"] = {"maxLength": 24, "cases": [
        {"query": q, "texts": docs, "instruction": None, "scores": [gemma_score(gemma, gtok, q, d, max_length=24) for d in docs]}
        for q, docs, _ in CASES
    ]}

    # A decoder graph with an input lancerank cannot feed (`cache_position`): a few nodes, no weights.
    unfed = os.path.join(OUT, "decoder-unfed-input")
    os.makedirs(unfed, exist_ok=True)
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        with open(os.path.join(OUT, "qwen3-reranker-nopast", name), "rb") as src, open(os.path.join(unfed, name), "wb") as dst:
            dst.write(src.read())
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Cast", ["input_ids"], ["ids"], to=TensorProto.FLOAT),
         helper.make_node("Unsqueeze", ["ids", "axes"], ["ids3"]),
         helper.make_node("Expand", ["ids3", "shape"], ["logits"])],
        "unfed",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch_size", "sequence_length"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch_size", "sequence_length"]),
         helper.make_tensor_value_info("cache_position", TensorProto.INT64, ["sequence_length"])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch_size", "sequence_length", len(qtok)])],
        [helper.make_tensor("axes", TensorProto.INT64, [1], [2]), helper.make_tensor("shape", TensorProto.INT64, [3], [1, 1, len(qtok)])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, os.path.join(unfed, "model.onnx"))

    with open(os.path.join(ROOT, "llm-scores.json"), "w") as f:
        json.dump(refs, f, indent=1)
    print("wrote", OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
