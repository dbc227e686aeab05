"""Fused-attention variant of a BERT-family cross-encoder, for measuring
whether ONNX Runtime's fused CPU operators pay on lancerank's workload.

Exports made with torch's SDPA attention (current transformers and optimum)
come out of ONNX Runtime's optimizer without Attention, MultiHeadAttention or
SkipLayerNormalization: its fusions match the eager-attention pattern only.
This script rewrites such a graph by hand:

- each attention core (Q·Kᵀ, × scale, + mask, Softmax, · V, with the head
  reshapes and transposes) becomes one com.microsoft MultiHeadAttention
  (num_heads and scale read from the graph, the q/k/v biases packed into its
  bias input, the graph's additive mask as attention_bias);
- each residual Add followed by LayerNormalization becomes one
  SkipLayerNormalization (the dense layer's bias folded in).

It writes a model folder (model.onnx and model_int8.onnx rewritten, the other
files copied), checks the rewritten graphs against the originals on probe
inputs with onnxruntime, and prints what fired. Then compare in fresh
processes, side by side:

    /path/to/python bench/fuse-attention.py ../shared/models/bench-minilm-l6-ce target/bench-models/minilm-fused
    node bench/cross-encoder.js --model ../shared/models/bench-minilm-l6-ce --queries 4 --rounds 3
    node bench/cross-encoder.js --model target/bench-models/minilm-fused --queries 4 --rounds 3

Needs onnx, onnxruntime and numpy (never in CI). BENCHMARKS.md has the result.
"""

import shutil
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper


def fuse(model):
    graph = model.graph
    producer = {o: n for n in graph.node for o in n.output}
    consumers = {}
    for n in graph.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    consts = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for n in graph.node:
        if n.op_type == "Constant" and n.attribute and n.attribute[0].type == onnx.AttributeProto.TENSOR:
            consts[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)

    def made_by(name, op):
        n = producer.get(name)
        return n if n is not None and n.op_type == op else None

    def perm(n):
        return [list(helper.get_attribute_value(a)) for a in n.attribute if a.name == "perm"][0]

    def bias_add(name):
        """The Add of a constant bias that makes `name`, used only once."""
        add = made_by(name, "Add")
        if add is None or len(consumers.get(add.output[0], [])) != 1:
            return None
        const = [i for i in add.input if i in consts]
        other = [i for i in add.input if i not in consts]
        return (add, const[0], other[0]) if len(const) == 1 and len(other) == 1 else None

    removed, replacing, fired = set(), {}, {"MultiHeadAttention": 0, "SkipLayerNormalization": 0}
    for softmax in [n for n in graph.node if n.op_type == "Softmax"]:
        add = made_by(softmax.input[0], "Add")
        mul = add and made_by(add.input[0], "Mul")
        qk = mul and made_by(mul.input[0], "MatMul")
        if not qk or mul.input[1] not in consts:
            continue
        q_t, k_t = made_by(qk.input[0], "Transpose"), made_by(qk.input[1], "Transpose")
        if not q_t or not k_t or perm(q_t) != [0, 2, 1, 3] or perm(k_t) != [0, 2, 3, 1]:
            continue
        q_r, k_r = made_by(q_t.input[0], "Reshape"), made_by(k_t.input[0], "Reshape")
        after = consumers.get(softmax.output[0], [])
        if len(after) != 1 or after[0].op_type != "MatMul":
            continue
        sv = after[0]
        v_t = made_by(sv.input[1], "Transpose")
        v_r = v_t and made_by(v_t.input[0], "Reshape")
        out_t = consumers[sv.output[0]][0]
        out_r = consumers[out_t.output[0]][0]
        if not (q_r and k_r and v_r) or out_t.op_type != "Transpose" or out_r.op_type != "Reshape":
            continue
        # [batch, seq, heads, head_size]: heads may be -1 (then hidden / head_size).
        shape = made_by(q_r.input[1], "Concat")
        dims = [int(consts[i].reshape(-1)[0]) for i in shape.input[2:]]
        biases = [bias_add(r.input[0]) for r in (q_r, k_r, v_r)]
        hidden = consts[biases[0][1]].shape[0] if biases[0] else None
        heads = dims[0] if dims[0] > 0 else hidden // dims[1]
        nodes = [add, mul, qk, q_t, k_t, q_r, k_r, softmax, sv, v_t, v_r, out_t, out_r]
        if all(biases):
            name = out_r.name + "/qkv_bias"
            graph.initializer.append(numpy_helper.from_array(
                np.concatenate([consts[b[1]] for b in biases]).astype(np.float32), name))
            inputs = [b[2] for b in biases] + [name, "", add.input[1]]
            nodes += [b[0] for b in biases]
        else:
            inputs = [q_r.input[0], k_r.input[0], v_r.input[0], "", "", add.input[1]]
        for n in nodes:
            removed.add(id(n))
        replacing[id(out_r)] = helper.make_node(
            "MultiHeadAttention", inputs, [out_r.output[0]], name=out_r.name + "/mha",
            domain="com.microsoft", num_heads=heads, scale=float(consts[mul.input[1]]))
        fired["MultiHeadAttention"] += 1
    for norm in [n for n in graph.node if n.op_type == "LayerNormalization"]:
        residual = made_by(norm.input[0], "Add")
        if residual is None or any(i in consts for i in residual.input):
            continue
        if len(consumers[residual.output[0]]) != 1:
            continue
        x, skip = residual.input
        inputs = [x, skip, norm.input[1], norm.input[2]]
        dense = bias_add(x)
        if dense:
            inputs = [dense[2], skip, norm.input[1], norm.input[2], dense[1]]
            removed.add(id(dense[0]))
        epsilon = [helper.get_attribute_value(a) for a in norm.attribute if a.name == "epsilon"]
        removed.update([id(residual), id(norm)])
        replacing[id(norm)] = helper.make_node(
            "SkipLayerNormalization", inputs, [norm.output[0]], name=norm.name + "/sln",
            domain="com.microsoft", epsilon=epsilon[0] if epsilon else 1e-12)
        fired["SkipLayerNormalization"] += 1
    kept = [replacing.get(id(n), n) for n in graph.node if id(n) in replacing or id(n) not in removed]
    del graph.node[:]
    graph.node.extend(kept)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return fired


def largest_difference(original, fused):
    import onnxruntime as ort

    rng = np.random.default_rng(0)
    worst = 0.0
    a = ort.InferenceSession(original, providers=["CPUExecutionProvider"])
    b = ort.InferenceSession(fused, providers=["CPUExecutionProvider"])
    for batch, seq in [(1, 7), (3, 40), (8, 128)]:
        feed = {}
        for i in a.get_inputs():
            if i.name == "input_ids":
                feed[i.name] = rng.integers(1000, 20000, (batch, seq), dtype=np.int64)
            elif i.name == "attention_mask":
                mask = np.ones((batch, seq), np.int64)
                mask[0, seq // 2:] = 0  # one padded row
                feed[i.name] = mask
            else:
                feed[i.name] = np.zeros((batch, seq), np.int64)
        worst = max(worst, float(np.abs(a.run(None, feed)[0] - b.run(None, feed)[0]).max()))
    return worst


def main():
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    target.mkdir(parents=True, exist_ok=True)
    for f in source.iterdir():
        if f.suffix != ".onnx":
            shutil.copyfile(f, target / f.name)
    for name in ["model.onnx", "model_int8.onnx"]:
        if not (source / name).exists():
            continue
        model = onnx.load(source / name)
        fired = fuse(model)
        onnx.save(model, target / name)
        diff = largest_difference(str(source / name), str(target / name))
        print(f"{name}: {fired}; largest difference from the original on probe inputs {diff:.2e}")


if __name__ == "__main__":
    main()
