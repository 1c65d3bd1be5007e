"""The real reference (splits, halves, locating the corpus) and the classifier (training, safe loading)."""

import json

import numpy as np
import pytest

from explorer.errors import ExplorerError
from explorer.evaluation import classifier as C
from explorer.evaluation import reference
from explorer.models.checkpoint import load_checkpoint


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    from explorer.data import write_dataset

    return write_dataset(tmp_path_factory.mktemp("d") / "synth", size=40, seed=3, progress=False)


def test_unsplit_data_holds_out_a_fixed_fifth_and_split_labels_win():
    items = [{"index": i} for i in range(1000)]
    s = reference.splits(items)
    assert 0.15 < np.mean(s == "test") < 0.25 and set(s) == {"train", "test"}
    assert (reference.splits(items) == s).all()
    assert reference.splits([{"split": "valid"}, {"split": "train"}]).tolist() == ["valid", "train"]


def test_halves_are_disjoint_and_equal(tiny_data):
    notes = reference.load_notes(tiny_data, split=("train", "test"))
    a, b = reference.halves(notes)
    assert len(a) == len(b) == len(notes) // 2
    key = lambda n: {(int(p), f, float(x[1000])) for p, f, x in zip(n.pitch, n.family, n.audio)}
    assert not key(a) & key(b)


def test_locate_real_data_names_the_command(tmp_path):
    with pytest.raises(ExplorerError, match="python -m explorer dataset --source soundfont"):
        reference.locate_real_data(tmp_path / "missing")


def test_features_are_level_invariant_and_bounded():
    y = np.random.default_rng(0).standard_normal((1, 32768)).astype(np.float32) * np.linspace(1, 0, 32768)
    x1, x2 = C.features(y), C.features(0.01 * y)
    assert x1.shape == (1, C.N_MELS, 129) and np.allclose(x1, x2, atol=1e-4)
    assert x1.max() == pytest.approx(1.0) and x1.min() >= -1.0


def test_smoke_training_writes_a_safe_checkpoint_and_card(tiny_data, tmp_path):
    from explorer.evaluation.classifier_training import train_classifier

    out = tmp_path / "classifier-test"
    card = train_classifier(tiny_data, out=out, smoke_test=True, log=lambda m: None)
    ckpt = load_checkpoint(out.with_suffix(".pt"), family="classifier")  # weights_only: plain types only
    assert ckpt["config"]["families"] == sorted(ckpt["config"]["families"])
    assert 0.0 <= card["test_accuracy"] <= 1.0 and card["n_train"] > 0 and card["n_test"] > 0
    assert "held-out" in out.with_suffix(".md").read_text()
    clf = C.load_classifier(out.with_suffix(".pt"))
    emb, probs = clf.embed(np.zeros((3, 32768), np.float32) + 1e-3)
    assert emb.shape == (3, C.EMBED_DIM) and np.allclose(probs.sum(1), 1.0)
    json.dumps(card)


def test_shipped_classifier_is_small_and_says_its_held_out_accuracy(root):
    path = root / "checkpoints" / f"{C.DEFAULT}.pt"
    assert path.stat().st_size <= 5 * 2**20
    clf = C.load_classifier()
    assert clf.card["test_accuracy"] > 2 * clf.card["chance"]
    assert "held-out" in (root / "checkpoints" / f"{C.DEFAULT}.md").read_text()
