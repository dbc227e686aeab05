"""Builds the hub-layout fixtures under __test__/fixtures/layouts/ from the
committed fixture models (scripts/make-fixtures.py), with the same weights,
so their scores are the committed reference scores:

  ce-external/onnx/model.onnx + model.onnx_data   ce-roberta (no token types, BPE), its weights
                                                   in one side file, as BAAI/bge-reranker-large
  ce-external-dot-data/model.onnx + model.onnx.data  the same at the root, as community
                                                   exports of BAAI/bge-reranker-v2-m3
  ce-external-per-tensor/onnx/model.onnx + one file per tensor
  colbert-jina/onnx/model.onnx + model.onnx_data   the ColBERT fixture as jinaai/jina-colbert-v2
                                                   lays it out: markers [QueryMarker] and
                                                   [DocumentMarker], mask <mask> (same token ids),
                                                   weights in a side file
  ce-half-output/onnx/model_fp16.onnx              ce-bert whose logits come out as float16, as
                                                   fp16 exports for GPUs leave their outputs

Never run in CI: it needs the onnx package (pip install onnx==1.23.2). Run it
again (python scripts/make-layout-fixtures.py) after changing it and commit
what it writes.
"""

import json
import os
import shutil

import onnx

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "__test__", "fixtures")
OUT = os.path.join(FIXTURES, "layouts")


def copy_folder(source, name):
    folder = os.path.join(OUT, name)
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(os.path.join(FIXTURES, source), folder, ignore=shutil.ignore_patterns("onnx"))
    return folder


def external(source, folder, graph, location, one_file=True):
    """The source fixture's graph saved at `graph` with every initializer in side files."""
    model = onnx.load(os.path.join(FIXTURES, source, "onnx", "model.onnx"))
    path = os.path.join(folder, graph)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=one_file, location=location, size_threshold=0)


def jina_tokenizer(folder):
    """[unused0] → [QueryMarker], [unused1] → [DocumentMarker], [MASK] → <mask>: same ids."""
    renames = {"[unused0]": "[QueryMarker]", "[unused1]": "[DocumentMarker]", "[MASK]": "<mask>"}
    path = os.path.join(folder, "tokenizer.json")
    with open(path, encoding="utf8") as f:
        tokenizer = json.load(f)
    vocab = tokenizer["model"]["vocab"]
    tokenizer["model"]["vocab"] = {renames.get(k, k): v for k, v in vocab.items()}
    for added in tokenizer["added_tokens"]:
        added["content"] = renames.get(added["content"], added["content"])
    with open(path, "w", encoding="utf8") as f:
        json.dump(tokenizer, f, ensure_ascii=False)
    path = os.path.join(folder, "tokenizer_config.json")
    with open(path, encoding="utf8") as f:
        config = json.load(f)
    config["mask_token"] = "<mask>"
    for entry in config.get("added_tokens_decoder", {}).values():
        entry["content"] = renames.get(entry["content"], entry["content"])
    with open(path, "w", encoding="utf8") as f:
        json.dump(config, f, ensure_ascii=False, indent=2)


def half_output(source, name):
    """The source fixture's graph with its output cast to float16, saved as the fp16 graph."""
    folder = copy_folder(source, name)
    model = onnx.load(os.path.join(FIXTURES, source, "onnx", "model.onnx"))
    out = model.graph.output[0]
    inner = out.name + "_float32"
    for node in model.graph.node:
        node.output[:] = [inner if o == out.name else o for o in node.output]
    model.graph.node.append(onnx.helper.make_node("Cast", [inner], [out.name], to=onnx.TensorProto.FLOAT16))
    out.type.tensor_type.elem_type = onnx.TensorProto.FLOAT16
    onnx.checker.check_model(model)
    os.makedirs(os.path.join(folder, "onnx"), exist_ok=True)
    onnx.save(model, os.path.join(folder, "onnx", "model_fp16.onnx"))


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    external("ce-roberta", copy_folder("ce-roberta", "ce-external"), "onnx/model.onnx", "model.onnx_data")
    external("ce-roberta", copy_folder("ce-roberta", "ce-external-dot-data"), "model.onnx", "model.onnx.data")
    external("ce-roberta", copy_folder("ce-roberta", "ce-external-per-tensor"), "onnx/model.onnx", None, one_file=False)
    folder = copy_folder("colbert", "colbert-jina")
    jina_tokenizer(folder)
    external("colbert", folder, "onnx/model.onnx", "model.onnx_data")
    half_output("ce-bert", "ce-half-output")
    for root, _, files in sorted(os.walk(OUT)):
        for f in sorted(files):
            print(os.path.relpath(os.path.join(root, f), OUT), os.path.getsize(os.path.join(root, f)))


if __name__ == "__main__":
    main()
