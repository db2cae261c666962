#!/usr/bin/env python3
"""Quantizes the recogniser's convolutions to 8 bits for the engine (`models/mrz-rec-int8.onnx`).

    python3 models/quantize_recogniser.py            # models/mrz-rec.onnx -> models/mrz-rec-int8.onnx

The float model (`mrz-rec.onnx`) stays the training master: fine-tunes start from it
(`--init-onnx`). This script derives the file the engine embeds from it:

- Convolutions 2-6 get int8 weights, one scale per output channel, and their inputs are
  quantized to uint8 per call (onnxruntime's `quantize_dynamic`, DynamicQuantizeLinear +
  ConvInteger). They are about 95% of the recogniser's time in rten, and rten runs uint8 x int8
  products four to a lane (AVX-512 VNNI) where float runs one.
- Weights are held to 7 bits (`reduce_range`, [-64, 64]): on x86 CPUs without VNNI, rten's kernel
  adds pairs of uint8 x int8 products in 16 bits, which full-range weights can overflow. With
  these, rten's shift to unsigned leaves every weight at most 128 and no pair can overflow
  (`check_pair_sums`), so the engine runs this build on every CPU.
- The first convolution stays float: one input channel (9 products per output), where the
  paper/ink contrast of a faint line is worth its full precision and the time is small.
- Padding becomes an explicit Pad before each convolution. rten 0.26 pads a ConvInteger's input
  with the integer 0, not with the input's zero point, so the border columns and rows (a third of
  the rows at height 4) would read as strongly negative. The Pad comes after the quantization and
  pads the uint8 input with its own zero point (the float 0 it stands for): DynamicQuantizeLinear
  always takes 0 into its range, so its scale and zero point are those of the padded input, and
  the graph computes exactly what a float Pad before it would. rten then quantizes and pads fewer
  bytes: a 44-character line took 3.8 ms instead of 4.4 (`examples/profile_recogniser.rs`).
- Each 2x1 max-pool moves in front of its convolution's bias and ReLU, and becomes Reshape (each
  pair of rows side by side) -> Split -> Max. The bias is the same down a channel's rows and
  max, +bias and ReLU are monotone, so the values are the same; the bias and ReLU then run on half
  the rows, and rten's elementwise Max is vectorised where its MaxPool is a scalar loop. On a
  632-px line the pools went from 0.19 to 0.10 ms and bias + ReLU from 0.05 to 0.025.

It then checks the result with onnxruntime against the float model on the held-out real crops
and writes `mrz-rec-int8.json` with the figures. The end-to-end figures are `kyc-ocr eval`'s
(models/README.md).
"""
import argparse
import hashlib
import json
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, "models"))


def with_nodes(model, nodes):
    """Replaces the graph's nodes with `nodes` (in that order) and checks the result."""
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    onnx.checker.check_model(model)
    return model


def producers_and_readers(graph):
    """Each tensor's producing node, and the nodes that read it."""
    made_by = {o: n for n in graph.node for o in n.output}
    readers = {}
    for n in graph.node:
        for i in n.input:
            readers.setdefault(i, []).append(n)
    return made_by, readers


def explicit_padding(model):
    """Moves every Conv's `pads` into a float Pad node in front of it."""
    g = model.graph
    nodes = []
    for n in g.node:
        if n.op_type == "Conv":
            attr = next((a for a in n.attribute if a.name == "pads"), None)
            pads = list(attr.ints) if attr is not None else [0, 0, 0, 0]
            if any(pads):
                top, left, bottom, right = pads
                name = n.name + "_pads"
                g.initializer.append(numpy_helper.from_array(
                    np.array([0, 0, top, left, 0, 0, bottom, right], np.int64), name))
                padded = n.name.strip("/").replace("/", "_") + "_padded_input"
                nodes.append(helper.make_node("Pad", [n.input[0], name], [padded], mode="constant",
                                              name=n.name + "_pad"))
                n.input[0] = padded
                del attr.ints[:]
                attr.ints.extend([0, 0, 0, 0])
        nodes.append(n)
    return with_nodes(model, nodes)


def pad_after_quantizing(model):
    """Turns each `Pad (float 0) -> DynamicQuantizeLinear` into `DynamicQuantizeLinear -> Pad
    (uint8, the zero point)`, which gives the same bytes (see the module docstring)."""
    g = model.graph
    made_by, readers = producers_and_readers(g)
    for quant in [n for n in g.node if n.op_type == "DynamicQuantizeLinear"]:
        pad = made_by.get(quant.input[0])
        if pad is None or pad.op_type != "Pad" or len(readers[pad.output[0]]) != 1:
            continue
        unpadded, pads = pad.input[0], pad.input[1]
        quantized = quant.output[0]
        quant.input[0] = unpadded
        quant.output[0] = quantized + "_unpadded"
        del pad.input[:]
        pad.input.extend([quant.output[0], pads, quant.output[2]])
        del pad.output[:]
        pad.output.extend([quantized])
    # Each Pad now reads its quantizer's outputs: put the nodes back in dependency order.
    ready = {i.name for i in g.initializer} | {i.name for i in g.input}
    ordered, waiting = [], list(g.node)
    while waiting:
        runnable = [n for n in waiting if all(i == "" or i in ready for i in n.input)]
        if not runnable:
            raise ValueError("the graph has a cycle")
        for n in runnable:
            ordered.append(n)
            ready.update(n.output)
            waiting.remove(n)
    return with_nodes(model, ordered)


def pool_before_bias(model):
    """Turns each `Add (bias) -> Relu -> MaxPool (2x1, stride 2x1)` into `pool -> Add -> Relu`, the
    pool being `Reshape -> Split -> Max`: the same values, at about half the cost (see the module
    docstring)."""
    g = model.graph
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
              for v in onnx.shape_inference.infer_shapes(model).graph.value_info}
    made_by, readers = producers_and_readers(g)
    pools, dropped = {}, set()
    for pool in [n for n in g.node if n.op_type == "MaxPool"]:
        attrs = {a.name: list(a.ints) for a in pool.attribute}
        relu = made_by[pool.input[0]]
        add = made_by[relu.input[0]]
        x_shape, bias_shape = shapes.get(add.input[0], []), shapes.get(add.input[1], [])
        height = x_shape[2] if len(x_shape) == 4 else 0
        # Pooling first gives the same values only if the bias is the same along each column of
        # rows (shape [C, 1, 1]): max, +bias and ReLU are all monotone.
        if (attrs.get("kernel_shape") != [2, 1] or attrs.get("strides") != [2, 1]
                or any(attrs.get("pads", [])) or relu.op_type != "Relu" or add.op_type != "Add"
                or len(readers[relu.output[0]]) != 1 or len(readers[add.output[0]]) != 1
                or height < 2 or height % 2 or bias_shape[-2:] != [1, 1]):
            raise ValueError(f"{pool.name}: not a 2x1 pool after a per-channel bias and a ReLU")
        base = pool.name.strip("/").replace("/", "_")
        shape = base + "_row_pairs_shape"
        g.initializer.append(numpy_helper.from_array(np.array([0, 0, height // 2, -1], np.int64), shape))
        x, pooled = add.input[0], base + "_pooled"
        pools[id(add)] = [
            # [N, C, H, W] -> [N, C, H/2, 2W]: rows 2i and 2i+1 side by side.
            helper.make_node("Reshape", [x, shape], [base + "_row_pairs"], name=base + "_pairs"),
            helper.make_node("Split", [base + "_row_pairs"], [base + "_even", base + "_odd"], axis=3,
                             name=base + "_split"),
            helper.make_node("Max", [base + "_even", base + "_odd"], [pooled], name=base + "_max"),
        ]
        add.input[0] = pooled
        relu.output[0] = pool.output[0]
        dropped.add(id(pool))
    nodes = []
    for n in g.node:
        nodes.extend(pools.get(id(n), []))
        if id(n) not in dropped:
            nodes.append(n)
    # Shapes recorded for the old tensors no longer hold.
    del g.value_info[:]
    return with_nodes(model, nodes)


def check_pair_sums(model):
    """Fails unless every 8-bit weight tensor keeps rten's 16-bit pair sums exact.

    Without AVX-512 VNNI, x86 adds each pair of uint8 x int8 products in 16 bits (`vpmaddubsw`).
    rten makes a weight tensor unsigned by shifting it by its minimum (at most 0), so a shifted
    weight is `w - min(0, min(W))`; at most 128, a pair stays within 16 bits for any input:
    2 x 128 x 127 = 32512 and 2 x 128 x -128 = -32768 (`engine::int8_is_exact`)."""
    inits = {i.name: i for i in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type != "ConvInteger":
            continue
        w = numpy_helper.to_array(inits[node.input[1]]).astype(np.int32)
        top = int(w.max()) - min(0, int(w.min()))
        assert top <= 128, f"{node.name}: shifted weights reach {top}; pair sums may saturate"


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", default=os.path.join(REPO_ROOT, "models", "mrz-rec.onnx"))
    ap.add_argument("--out", default=os.path.join(REPO_ROOT, "models", "mrz-rec-int8.onnx"))
    ap.add_argument("--real-dir", default=os.path.join(REPO_ROOT, "..", "shared", "data", "mrz-lines-real"))
    args = ap.parse_args()

    from onnxruntime.quantization import QuantType, quantize_dynamic
    import onnxruntime

    padded = args.out + ".padded.tmp"
    onnx.save(explicit_padding(onnx.load(args.src)), padded)
    convs = [n.name for n in onnx.load(padded).graph.node if n.op_type == "Conv"]
    quantize_dynamic(padded, args.out, weight_type=QuantType.QInt8, op_types_to_quantize=["Conv"],
                     per_channel=True, reduce_range=True, nodes_to_exclude=convs[:1])
    os.remove(padded)
    quantized = pool_before_bias(pad_after_quantizing(onnx.load(args.out)))
    check_pair_sums(quantized)
    onnx.save(quantized, args.out)
    ops = sorted({n.op_type for n in onnx.load(args.out).graph.node})

    # The same held-out real crops as train_recogniser.py's metrics, through onnxruntime.
    import render_lines as RL
    import train_recogniser as TR

    real = RL.load_real(args.real_dir) if os.path.isdir(args.real_dir) else []
    _, real_val = TR.split_real(real)
    res = {}
    for name, path in (("float", args.src), ("int8", args.out)):
        res[name] = TR.evaluate(TR.onnx_fn(path), real_val, None)["real_heldout"]
    meta = {
        "model_file": os.path.basename(args.out),
        "quantized_from": {"file": os.path.basename(args.src), "sha256": sha256(args.src)},
        "method": "onnxruntime.quantization.quantize_dynamic(weight_type=QInt8, op_types_to_quantize=[Conv], "
                  "per_channel=True, reduce_range=True, nodes_to_exclude=[first Conv]) after moving every Conv's "
                  "padding into a float Pad node; then each Pad moved after its DynamicQuantizeLinear, padding "
                  "the uint8 input with its zero point; then each 2x1 MaxPool moved before its bias and ReLU, "
                  "as Reshape (row pairs side by side) -> Split -> Max",
        "onnxruntime": onnxruntime.__version__,
        "ops": ops,
        "contract": "as mrz-rec.json: input line_image [N, 1, 32, W] float32, output log_probs [T, N, 38]",
        "bytes": os.path.getsize(args.out),
        "real_heldout_onnxruntime": {k: {m: v[m] for m in ("lines", "line_exact_pct", "cer_pct")}
                                     for k, v in res.items()},
    }
    json.dump(meta, open(os.path.splitext(args.out)[0] + ".json", "w"), indent=2)
    print(json.dumps(meta, indent=2))


if __name__ == "__main__":
    main()
