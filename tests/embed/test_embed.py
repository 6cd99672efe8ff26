"""Embedding with the bundled all-MiniLM-L6-v2 weights: the rows, truncation, files, determinism."""

import gzip
import json
import os

import numpy as np
import pytest

from skpref.campaign import read_pool
from skpref.embed import EmbedError, embed_file, example_pairs, item_text, read_text


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return str(path)


PAIRS = [
    {"pair_id": "p1", "prompt": "What is tea?", "response_a": "A drink made from leaves.",
     "response_b": "A colour."},
    {"pair_id": "p2", "prompt": "Say hi.", "response_a": "Hi!", "response_b": "Hi!"},
    {"pair_id": "p3", "prompt": "What is tea?", "response_a": "A colour.",
     "response_b": "A drink made from leaves."},
]


@pytest.fixture(scope="module")
def pool_path(tmp_path_factory, encoder):
    directory = tmp_path_factory.mktemp("embed")
    path = str(directory / "pool.npz")
    report = embed_file(write_jsonl(directory / "pairs.jsonl", PAIRS), path, encoder=encoder,
                        chunk_size=2)
    return path, report


def test_swapping_the_responses_negates_the_row(pool_path):
    pool = read_pool(pool_path[0])
    assert np.array_equal(pool.X[2], -pool.X[0])  # p3 is p1 with response_a and response_b swapped
    assert np.abs(pool.X[0]).max() > 0.05


def test_identical_responses_give_a_zero_row(pool_path):
    pool = read_pool(pool_path[0])
    assert np.array_equal(pool.X[1], np.zeros(pool.n_features))
    assert pool_path[1].identical == 1


def test_identical_texts_are_embedded_once(pool_path):
    report = pool_path[1]
    assert report.n_items == 3  # "A drink", "A colour" (to one prompt) and "Hi!"
    assert report.chunks == 2 and report.resumed == 0


def test_pool_carries_texts_and_provenance(pool_path):
    path, _ = pool_path
    pool = read_pool(path)
    assert pool.ids.tolist() == ["p1", "p2", "p3"]
    assert pool.texts.column("first") == ["A drink made from leaves.", "Hi!", "A colour."]
    assert pool.texts.column("prompt", [2]) == ["What is tea?"]
    with np.load(path) as archive:
        assert archive["X_first"].dtype == np.float32 and archive["X_first"].shape == (3, 384)
    provenance = pool.provenance
    assert provenance["embedding"]["weights_sha256"] == encoder_sha(path)
    assert provenance["text_format"]["template"] == "{prompt}\n\nAssistant: {response}"
    assert provenance["source"]["sha256"] == _sha(os.path.join(os.path.dirname(path),
                                                               "pairs.jsonl"))
    assert provenance["counts"]["rows"] == 3 and provenance["counts"]["items"] == 3


def encoder_sha(path):
    return read_pool(path).provenance["embedding"]["weights_sha256"]


def _sha(path):
    import hashlib

    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_rows_are_sentence_transformers_embeddings_of_the_template(pool_path, encoder):
    pool = read_pool(pool_path[0])
    texts = [item_text("What is tea?", "A drink made from leaves."),
             item_text("What is tea?", "A colour.")]
    assert texts[0] == "Human: What is tea?\n\nAssistant: A drink made from leaves."
    first, second = encoder.model.encode(texts, batch_size=32)
    first_item, second_item = pool.items[0][0], pool.items[1][0]
    np.testing.assert_allclose(first_item, first, atol=2e-6)
    np.testing.assert_allclose(second_item, second, atol=2e-6)
    assert abs(np.linalg.norm(first_item) - 1.0) < 1e-5  # L2-normalised


def test_long_items_keep_the_response_start_and_the_prompt_end(encoder):
    prompt = " ".join(f"old{i}" for i in range(400)) + " latest question"
    response = " ".join(f"word{i}" for i in range(300))
    parts = (f"Human: {prompt}\n\nAssistant:", f" {response}")
    (ids,), counts = encoder.tokenize([parts[0]], [parts[1]])
    P, R, kept_P, kept_R = counts[0].tolist()
    assert len(ids) == encoder.max_length == 256 and P > 300 and R > 300
    assert kept_R == 254 - 64 and kept_P == 64
    whole = encoder.tokenizer([parts[0], parts[1]], add_special_tokens=False)["input_ids"]
    assert ids[1:65] == whole[0][-64:]  # the prompt's last tokens, ending "assistant :"
    assert ids[65:255] == whole[1][:190]  # the response's first tokens
    tokens = encoder.tokenizer.convert_ids_to_tokens(ids)
    assert tokens[0] == "[CLS]" and tokens[-1] == "[SEP]" and tokens[63:65] == ["assistant", ":"]


def test_truncation_is_reported(tmp_path, encoder):
    records = [{"prompt": "Hi", "response_a": "word " * 400, "response_b": "Hello"}]
    report = embed_file(write_jsonl(tmp_path / "p.jsonl", records), str(tmp_path / "pool.npz"),
                        encoder=encoder)
    assert report.truncated == {"items": 1, "prompt": 0, "response": 1, "share": 0.5}


def test_same_inputs_give_the_same_bytes(tmp_path, encoder):
    source = write_jsonl(tmp_path / "pairs.jsonl", PAIRS)
    paths = [str(tmp_path / f"pool{k}.npz") for k in range(2)]
    for path in paths:
        embed_file(source, path, encoder=encoder, chunk_size=2)
    first, second = (open(path, "rb").read() for path in paths)
    assert first == second
    assert sorted(os.listdir(tmp_path)) == ["pairs.jsonl", "pool0.npz", "pool1.npz"]  # no cache


def test_hh_rlhf_gz_with_labels_out(tmp_path, encoder):
    records = [
        {"chosen": f"\n\nHuman: Q{i}?\n\nAssistant: Good answer {i}.",
         "rejected": f"\n\nHuman: Q{i}?\n\nAssistant: Bad {i}."} for i in range(6)
    ]
    source = tmp_path / "hh.jsonl.gz"
    source.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode()))
    labels = str(tmp_path / "labels.csv")
    report = embed_file(str(source), str(tmp_path / "pool.npz"), encoder=encoder,
                        labels_out=labels)
    assert report.n_labels == 6
    pool = read_pool(str(tmp_path / "pool.npz"))
    lines = open(labels).read().splitlines()
    assert lines[0] == "pair_id,label" and len(lines) == 7
    for line in lines[1:]:
        pair_id, label = line.split(",")
        row = pool.ids.tolist().index(pair_id)
        winner = pool.texts.column(label, [row])[0]
        assert winner.startswith("Good answer")
    # the labels file is never replaced by other labels
    with open(labels, "a") as handle:
        handle.write(f"{pool.ids[0]},tie\n")
    with pytest.raises(EmbedError, match="exists and holds other labels"):
        embed_file(str(source), str(tmp_path / "pool.npz"), encoder=encoder, labels_out=labels)


def test_outputs_never_replace_the_input(tmp_path, encoder):
    source = write_jsonl(tmp_path / "pairs.jsonl", PAIRS)
    os.symlink(source, tmp_path / "pool.npz")
    with pytest.raises(EmbedError, match="is the input file"):
        embed_file(source, str(tmp_path / "pool.npz"), encoder=encoder)
    assert open(source).read().count("\n") == 3
    with pytest.raises(EmbedError, match="an .npz file"):
        embed_file(source, str(tmp_path / "pool.csv"), encoder=encoder)


def test_single_responses_pool(tmp_path, encoder):
    records = [{"prompt": "Hi", "response": "Hello!"}, {"prompt": "Hi", "response": "Go away."}]
    path = str(tmp_path / "responses.npz")
    embed_file(write_jsonl(tmp_path / "r.jsonl", records), path, encoder=encoder)
    from skpref.campaign import CampaignError, read_responses

    pool = read_responses(path)
    assert pool.X.shape == (2, 384) and pool.texts.column("response") == ["Hello!", "Go away."]
    with pytest.raises(CampaignError, match="holds single responses"):
        read_pool(path)


def test_example_pairs_is_package_data():
    table = read_text(example_pairs())
    assert len(table) == 24 and {"first", "second", "tie", None} == set(table.labels)
