"""Builds the tiny random-weight models under __test__/fixtures/ and the
reference scores the tests compare against.

Never run in CI: it needs torch, transformers, sentence-transformers and onnx
from PyPI. Run it again (python scripts/make-fixtures.py) after changing it
and commit everything it writes together: tokenizer training is not
deterministic, so the models and their reference scores change as a set. The
package versions used are recorded in __test__/fixtures/versions.json.

Cross-encoders (issue: CrossEncoderReranker):
  ce-bert      BERT, WordPiece, token_type_ids, one label, no activation entry (sigmoid)
  ce-identity  the same shape, config names Identity (raw logits, like ms-marco)
  ce-two-label BERT with two labels (scores: softmax of label 1)
  ce-roberta   RoBERTa, byte-level BPE, no token_type_ids, padding and
               truncation baked into tokenizer.json (lancerank must override them)
  ce-three-label  BERT with three labels: an output lancerank must refuse

ColBERT (issue: ColbertReranker):
  colbert               BERT plus a linear projection (32 → 128), output
                        `embeddings` [batch, sequence, 128]; reference scores
                        from the rerankers library's ColBERTRanker run on the
                        folder (its default, dynamic query length), and from
                        canonical ColBERT (query of 32 tokens, no division)
  colbert-no-projection the encoder's hidden states without the projection: refused

It also writes bench/matmul.onnx and bench/matmul_int8.onnx (one MatMul of two
dynamic fp32 inputs, one MatMulInteger of uint8 × int8): the cross-encoder
benchmark runs them to measure the machine's fp32 and int8 GEMM peaks under
ONNX Runtime.
"""

import importlib.metadata
import json
import os
import shutil
import sys

import numpy as np
import onnx
import sentence_transformers
import tokenizers
import torch
import transformers
from sentence_transformers import CrossEncoder
from tokenizers import ByteLevelBPETokenizer, Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
from transformers import (
    BertConfig,
    BertForSequenceClassification,
    BertTokenizerFast,
    RobertaConfig,
    RobertaForSequenceClassification,
    RobertaTokenizerFast,
)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "__test__", "fixtures")
MAX_LEN = 64  # tokens: long texts below are well past it

CORPUS = [
    "lancedb stores vectors and full text in one table",
    "rerankers reorder search results by relevance to the query",
    "a cross encoder reads the query and the passage together",
    "reciprocal rank fusion merges ranked lists without scores",
    "the quick brown fox jumps over the lazy dog",
    "Café au lait, naïve façade, 東京 and Zürich: unicode text",
    "emoji 🚀 and accents éàü should tokenize without errors",
    "Apache Arrow record batches move between Rust and JavaScript",
    "ONNX Runtime executes the exported transformer graph",
] * 20

QUERIES = [
    "what is a cross encoder",
    "Ünïcödé 東京 🚀",
    "",
]

LONG = " ".join(["rerankers reorder search results by relevance to the query"] * 12)
TEXTS = [
    "a cross encoder reads the query and the passage together",
    "the quick brown fox",
    "",
    "Café au lait, naïve façade, 東京 and Zürich: unicode text 🚀",
    LONG,
    "LanceDB",
    "x",
    "Apache Arrow record batches move between Rust and JavaScript " * 3,
]


def wordpiece_tokenizer(folder):
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(
        vocab_size=400, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[unused0]", "[unused1]"]
    )
    tok.train_from_iterator(CORPUS, trainer)
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)],
    )
    from tokenizers import decoders

    tok.decoder = decoders.WordPiece()
    fast = BertTokenizerFast(tokenizer_object=tok, model_max_length=MAX_LEN)
    fast.save_pretrained(folder)
    return fast


def bpe_tokenizer(folder):
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(CORPUS, vocab_size=400, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    bpe._tokenizer.post_processor = processors.RobertaProcessing(
        ("</s>", bpe.token_to_id("</s>")), ("<s>", bpe.token_to_id("<s>"))
    )
    fast = RobertaTokenizerFast(tokenizer_object=bpe._tokenizer, model_max_length=MAX_LEN)
    fast.save_pretrained(folder)
    return fast


# Every fixture model is this small: two layers of width 32. Weights drawn
# wider than BERT's default (0.4) so that scores differ by more than the 1e-4
# the tests compare to.
TINY = dict(
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=64,
    initializer_range=0.4,
    attn_implementation="eager",
)


def fresh_folder(name):
    folder = os.path.join(ROOT, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    return folder


def export(module, folder, input_names, output_name, output_axes):
    """`module` to `folder`/onnx/model.onnx with dynamic batch and sequence axes."""
    module.eval()
    inputs = tuple(torch.ones((2, 8), dtype=torch.long) if n != "token_type_ids" else torch.zeros((2, 8), dtype=torch.long) for n in input_names)
    dynamic = {n: {0: "batch", 1: "sequence"} for n in input_names}
    dynamic[output_name] = output_axes
    os.makedirs(os.path.join(folder, "onnx"), exist_ok=True)
    path = os.path.join(folder, "onnx", "model.onnx")
    torch.onnx.export(
        module,
        inputs,
        path,
        input_names=list(input_names),
        output_names=[output_name],
        dynamic_axes=dynamic,
        opset_version=17,
        dynamo=False,
    )
    onnx.checker.check_model(onnx.load(path))


def drop_torch_files(folder):
    """Keep only what lancerank reads."""
    for name in os.listdir(folder):
        if name.endswith((".safetensors", ".bin")) or name == "special_tokens_map.json":
            os.remove(os.path.join(folder, name))


def export_cross_encoder(model, folder, token_types):
    names = ("input_ids", "attention_mask", "token_type_ids") if token_types else ("input_ids", "attention_mask")
    export(model, folder, names, "logits", {0: "batch"})
    drop_torch_files(folder)


def bert(name, num_labels=1, activation=None):
    folder = fresh_folder(name)
    fast = wordpiece_tokenizer(folder)
    torch.manual_seed(len(name))
    config = BertConfig(
        vocab_size=fast.vocab_size,
        max_position_embeddings=MAX_LEN,
        type_vocab_size=2,
        num_labels=num_labels,
        pad_token_id=fast.pad_token_id,
        **TINY,
    )
    if activation:
        config.sentence_transformers = {"activation_fn": activation}
    model = BertForSequenceClassification(config)
    model.save_pretrained(folder)
    return folder, model, True


def roberta(name):
    folder = fresh_folder(name)
    fast = bpe_tokenizer(folder)
    torch.manual_seed(7)
    config = RobertaConfig(
        vocab_size=fast.vocab_size,
        max_position_embeddings=MAX_LEN + 2,
        type_vocab_size=1,
        num_labels=1,
        pad_token_id=fast.pad_token_id,
        bos_token_id=fast.bos_token_id,
        eos_token_id=fast.eos_token_id,
        **TINY,
    )
    model = RobertaForSequenceClassification(config)
    model.save_pretrained(folder)
    return folder, model, False


def bake_padding_and_truncation(folder):
    """What some published tokenizer.json files carry; lancerank overrides it."""
    path = os.path.join(folder, "tokenizer.json")
    with open(path) as f:
        data = json.load(f)
    data["truncation"] = {"direction": "Right", "max_length": 8, "strategy": "OnlySecond", "stride": 0}
    data["padding"] = {
        "strategy": {"Fixed": 48},
        "direction": "Right",
        "pad_to_multiple_of": None,
        "pad_id": 1,
        "pad_type_id": 0,
        "pad_token": "<pad>",
    }
    with open(path, "w") as f:
        json.dump(data, f, ensure_ascii=False, indent=2)


def reference(folder, two_label):
    ce = CrossEncoder(folder, device="cpu")
    cases = []
    for q in QUERIES:
        pairs = [(q, t) for t in TEXTS]
        if two_label:
            scores = ce.predict(pairs, apply_softmax=True, batch_size=3)[:, 1]
        else:
            scores = ce.predict(pairs, batch_size=3)
        cases.append({"query": q, "texts": TEXTS, "scores": [float(s) for s in np.asarray(scores).reshape(-1)]})
    return cases


def matmul_graphs():
    """One MatMul of two dynamic fp32 inputs (bench/matmul.onnx) and one
    MatMulInteger of uint8 × int8 (bench/matmul_int8.onnx, the kernel dynamic
    int8 quantization runs): the benchmarks time them for the machine's peaks."""
    from onnx import TensorProto, helper

    for name, op, a_type, b_type, c_type in [
        ("matmul", "MatMul", TensorProto.FLOAT, TensorProto.FLOAT, TensorProto.FLOAT),
        ("matmul_int8", "MatMulInteger", TensorProto.UINT8, TensorProto.INT8, TensorProto.INT32),
    ]:
        a = helper.make_tensor_value_info("a", a_type, ["m", "k"])
        b = helper.make_tensor_value_info("b", b_type, ["k", "n"])
        c = helper.make_tensor_value_info("c", c_type, ["m", "n"])
        graph = helper.make_graph([helper.make_node(op, ["a", "b"], ["c"])], name, [a, b], [c])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        onnx.checker.check_model(model)
        onnx.save(model, os.path.join(ROOT, "..", "..", "bench", f"{name}.onnx"))


def colbert():
    from rerankers.models.colbert_ranker import ColBERTModel, ColBERTRanker, _colbert_score

    # rerankers 0.10 calls init_weights(), which transformers 5 only supports
    # after post_init(); the scoring code is untouched.
    from transformers import PreTrainedModel

    def init_weights(self):
        if hasattr(self, "all_tied_weights_keys"):
            PreTrainedModel.init_weights(self)
        else:
            self.post_init()

    ColBERTModel.init_weights = init_weights

    folder = fresh_folder("colbert")
    fast = wordpiece_tokenizer(folder)
    torch.manual_seed(11)
    config = BertConfig(vocab_size=fast.vocab_size, max_position_embeddings=MAX_LEN, type_vocab_size=2, pad_token_id=fast.pad_token_id, **TINY)
    model = ColBERTModel(config, verbose=0)
    model.eval()
    model.save_pretrained(folder)

    ranker = ColBERTRanker(folder, device="cpu", verbose=0, dtype=torch.float32)
    cases = []
    for q in QUERIES + ["a much longer query about rerankers and cross encoders and fusion of ranked lists"]:
        dynamic = ranker._colbert_rank(q, TEXTS)
        # Canonical ColBERT: the query cut or padded with [MASK] to 32 tokens, no division.
        ids = ranker.tokenizer(q, max_length=ranker.doc_max_length - 1, truncation=True)["input_ids"]
        ids = ids[:1] + [ranker.query_token_id] + ids[1:]
        ids = ids[:32]
        mask = [1] * len(ids) + [0] * (32 - len(ids))
        ids = ids + [ranker.tokenizer.mask_token_id] * (32 - len(ids))
        q_enc = {"input_ids": torch.tensor([ids]), "attention_mask": torch.tensor([mask])}
        d_enc = ranker._document_encode(TEXTS)
        q_emb = ranker._to_embs(q_enc)
        d_emb = ranker._to_embs(d_enc)
        fixed = _colbert_score(q_emb, d_emb, torch.ones((1, 1)), d_enc["attention_mask"]).tolist()[0]
        cases.append({"query": q, "texts": TEXTS, "scores": [float(x) for x in dynamic], "fixed32": [float(x) for x in fixed]})

    class Projected(torch.nn.Module):
        def __init__(self, inner, project):
            super().__init__()
            self.inner, self.project = inner, project

        def forward(self, input_ids, attention_mask):
            hidden = self.inner.bert(input_ids, attention_mask=attention_mask)[0]
            return self.inner.linear(hidden) if self.project else hidden

    for name, project in (("colbert", True), ("colbert-no-projection", False)):
        target = os.path.join(ROOT, name)
        if name != "colbert":
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(folder, target)
        export(Projected(ranker.model, project), target, ("input_ids", "attention_mask"), "embeddings", {0: "batch", 1: "sequence"})
        drop_torch_files(target)
    return cases


def main():
    if sys.argv[1:] == ["colbert"]:
        with open(os.path.join(ROOT, "colbert-scores.json"), "w") as f:
            json.dump(colbert(), f, ensure_ascii=False, indent=1)
        return
    matmul_graphs()
    os.makedirs(ROOT, exist_ok=True)
    refs = {}
    builds = [
        ("ce-bert", lambda: bert("ce-bert"), False),
        ("ce-identity", lambda: bert("ce-identity", activation="torch.nn.modules.linear.Identity"), False),
        ("ce-two-label", lambda: bert("ce-two-label", num_labels=2), True),
        ("ce-roberta", lambda: roberta("ce-roberta"), False),
    ]
    for name, build, two_label in builds:
        folder, model, token_types = build()
        # Reference scores come from the saved torch weights, before export.
        refs[name] = reference(folder, two_label)
        export_cross_encoder(model, folder, token_types)
        if name == "ce-roberta":
            bake_padding_and_truncation(folder)
        print(name, [round(s, 4) for c in refs[name] for s in c["scores"]], file=sys.stderr)
    folder, model, token_types = bert("ce-three-label", num_labels=3)
    export_cross_encoder(model, folder, token_types)
    with open(os.path.join(ROOT, "cross-encoder-scores.json"), "w") as f:
        json.dump(refs, f, ensure_ascii=False, indent=1)
    versions = {
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "sentence-transformers": sentence_transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "onnx": onnx.__version__,
        "rerankers": importlib.metadata.version("rerankers"),
    }
    with open(os.path.join(ROOT, "colbert-scores.json"), "w") as f:
        json.dump(colbert(), f, ensure_ascii=False, indent=1)
    with open(os.path.join(ROOT, "versions.json"), "w") as f:
        json.dump(versions, f, indent=1)


if __name__ == "__main__":
    main()
