"""Reading the user's text: every format, and a clear error for every bad input."""

import gzip
import json

import numpy as np
import pytest

from skpref.embed import EmbedError, kept_tokens, read_text, split_dialogue

HH = [
    # 1: kept
    {"chosen": "\n\nHuman: What is 2+2?\n\nAssistant: 4.",
     "rejected": "\n\nHuman: What is 2+2?\n\nAssistant: 5."},
    # 2: the prompts differ: dropped
    {"chosen": "\n\nHuman: Hi\n\nAssistant: Hello!",
     "rejected": "\n\nHuman: Hey\n\nAssistant: Hello!"},
    # 3: identical responses: dropped
    {"chosen": "\n\nHuman: Name a colour.\n\nAssistant: Blue.",
     "rejected": "\n\nHuman: Name a colour.\n\nAssistant: Blue."},
    # 4: kept, several turns; the prompt is everything before the LAST assistant turn
    {"chosen": "\n\nHuman: Hi\n\nAssistant: Hello.\n\nHuman: A joke?\n\nAssistant: Knock knock.",
     "rejected": "\n\nHuman: Hi\n\nAssistant: Hello.\n\nHuman: A joke?\n\nAssistant: No."},
    # 5: no assistant turn: dropped
    {"chosen": "\n\nHuman: Hello?", "rejected": "\n\nHuman: Hello?"},
]


def write_jsonl(path, records, compress=False):
    text = "".join(json.dumps(record) + "\n" for record in records).encode("utf-8")
    path.write_bytes(gzip.compress(text, mtime=0) if compress else text)
    return str(path)


def error_of(*args, **kwargs):
    with pytest.raises(EmbedError) as caught:
        read_text(*args, **kwargs)
    return str(caught.value)


@pytest.mark.parametrize("name", ["hh.jsonl", "hh.jsonl.gz"])
def test_hh_rlhf_parser_reports_and_drops(tmp_path, name):
    path = write_jsonl(tmp_path / name, HH, compress=name.endswith(".gz"))
    table = read_text(path)
    assert table.format == "hh-rlhf" and len(table) == 2
    assert table.lines == [1, 4]
    assert table.dropped == {
        "prompts differ": [2], "identical responses": [3], "no assistant turn": [5]
    }
    assert table.prompts == ["Human: What is 2+2?",
                             "Human: Hi\n\nAssistant: Hello.\n\nHuman: A joke?"]
    chosen = ["4.", "Knock knock."]
    for k in range(2):  # the chosen response is first or second; the label says which
        first_wins = table.labels[k] == "first"
        assert (table.first[k] if first_wins else table.second[k]) == chosen[k]
        assert {table.first[k], table.second[k]} == {chosen[k], ["5.", "No."][k]}


def test_hh_rlhf_orientation_is_seeded_and_balanced(tmp_path):
    records = [{"chosen": f"\n\nHuman: q{i}\n\nAssistant: good {i}",
                "rejected": f"\n\nHuman: q{i}\n\nAssistant: bad {i}"} for i in range(200)]
    path = write_jsonl(tmp_path / "hh.jsonl", records)
    once, again, other = read_text(path), read_text(path), read_text(path, seed=1)
    assert once.labels == again.labels and once.ids == again.ids
    assert once.ids == other.ids and once.labels != other.labels  # ids do not depend on the seed
    share = np.mean([label == "first" for label in once.labels])
    assert 0.35 < share < 0.65


def test_split_dialogue_strips_both_parts():
    assert split_dialogue("\n\nHuman: a \n\nAssistant:  b  ") == ("Human: a", "b")


def test_pairs_with_labels_and_generated_ids(tmp_path):
    records = [
        {"prompt": "p", "response_a": "x", "response_b": "y", "label": "A"},
        {"prompt": "p", "response_a": "y", "response_b": "x", "label": "tie"},
        {"prompt": "p", "response_a": "x", "response_b": "y", "label": ""},  # a repeat
    ]
    table = read_text(write_jsonl(tmp_path / "p.jsonl", records))
    assert table.labels == ["first", "tie", None]
    assert table.ids[0] != table.ids[1] and table.ids[2] == table.ids[0] + "-2"
    assert table.repeated == 1
    assert read_text(write_jsonl(tmp_path / "q.jsonl", records[:1])).ids == table.ids[:1]


def test_pairs_csv_with_quoted_line_breaks(tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text('pair_id,prompt,response_a,response_b\nq1,"Two\nlines","a, b",c\nq2,p,d,e\n')
    table = read_text(str(path))
    assert table.ids == ["q1", "q2"] and table.prompts[0] == "Two\nlines"
    assert table.lines == [2, 4] and table.first == ["a, b", "d"]


def test_pairs_parquet(tmp_path):
    pd = pytest.importorskip("pandas")
    path = tmp_path / "pairs.parquet"
    pd.DataFrame({"prompt": ["p"], "response_a": ["a"], "response_b": ["b"]}).to_parquet(path)
    assert read_text(str(path)).first == ["a"]


def test_ultrafeedback_message_lists_and_strings(tmp_path):
    user = {"role": "user", "content": "Why?"}
    records = [
        {"prompt": "Why?", "chosen": [user, {"role": "assistant", "content": "Because."}],
         "rejected": [user, {"role": "assistant", "content": "No."}]},
        {"prompt": "How?", "chosen": "Carefully.", "rejected": "Quickly."},
        {"prompt": "Why?", "chosen": [user, {"role": "assistant", "content": "Same."}],
         "rejected": [user, {"role": "assistant", "content": "Same."}]},
    ]
    table = read_text(write_jsonl(tmp_path / "uf.jsonl", records))
    assert table.format == "ultrafeedback" and table.prompts == ["Why?", "How?"]
    assert table.dropped == {"identical responses": [3]}


def test_missing_column_names_it_and_the_line(tmp_path):
    path = write_jsonl(tmp_path / "p.jsonl", [{"prompt": "p", "response_a": "a"}])
    assert error_of(path) == (
        f"input {path}: line 1: no column 'response_b'; the pairs format needs prompt, "
        "response_a, response_b (found: prompt, response_a)."
    )
    later = write_jsonl(tmp_path / "q.jsonl", [
        {"prompt": "p", "response_a": "a", "response_b": "b"},
        {"prompt": "p", "response_a": "a"},
    ])
    assert "line 2: no 'response_b'" in error_of(later)


@pytest.mark.parametrize("name", ["empty.jsonl", "empty.csv", "empty.jsonl.gz"])
def test_empty_file(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(gzip.compress(b"") if name.endswith(".gz") else b"\n\n" * (name[-1] == "l"))
    assert error_of(str(path)) == f"input {path}: the file is empty (no records)."


def test_non_utf8_line_is_named(tmp_path):
    path = tmp_path / "p.jsonl"
    good = json.dumps({"prompt": "p", "response_a": "a", "response_b": "b"})
    path.write_bytes(f"{good}\n{good}\n".encode() + b'{"prompt": "caf\xe9"}\n')
    assert error_of(str(path)) == (
        f"input {path}: line 3 is not UTF-8 text (byte 0xe9 at column 16: invalid "
        "continuation byte); save the file as UTF-8."
    )


def test_bad_values_are_listed_with_their_lines(tmp_path):
    path = write_jsonl(tmp_path / "p.jsonl", [
        {"prompt": "p", "response_a": "a", "response_b": "b", "label": "maybe"},
        {"prompt": 3, "response_a": "a", "response_b": "b"},
        {"pair_id": "x", "prompt": "p", "response_a": "a", "response_b": "b"},
        {"pair_id": "x", "prompt": "q", "response_a": "a", "response_b": "b"},
    ])
    message = error_of(path)
    assert "line 1: label 'maybe' is not a, b or tie (or empty)" in message
    assert "line 2: 'prompt' must be a string, got int" in message
    pairs = write_jsonl(tmp_path / "q.jsonl", [
        {"pair_id": "x", "prompt": "p", "response_a": "a", "response_b": "b"},
        {"pair_id": "x", "prompt": "q", "response_a": "a", "response_b": "b"},
    ])
    assert "line 2: pair id 'x' repeats line 1" in error_of(pairs)


def test_not_json_and_unknown_format(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text('{"prompt": "p", "response_a": "a", "response_b": "b"}\n{oops\n')
    assert "line 2: not JSON" in error_of(str(path))
    other = write_jsonl(tmp_path / "o.jsonl", [{"question": "q"}])
    assert "cannot tell the format from the columns question" in error_of(other)


def test_truncation_keeps_the_response_and_the_prompts_end():
    P = np.array([0, 10, 10, 300, 30, 500])
    R = np.array([0, 20, 300, 300, 5, 10])
    kept_P, kept_R = kept_tokens(P, R, budget=254)
    assert np.all(kept_P + kept_R <= 254) and np.all(kept_P <= P) and np.all(kept_R <= R)
    assert np.array_equal(kept_R, np.minimum(R, 254 - np.minimum(P, 64)))
    assert np.array_equal(kept_P, np.minimum(P, 254 - kept_R))
    assert kept_P.tolist() == [0, 10, 10, 64, 30, 244]
