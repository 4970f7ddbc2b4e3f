"""After training: test metrics, predictions, confusion matrices, weight statistics."""

import numpy as np
import pytest
from test_training_support import CLASSIFY, blob_dataset, mlp

from layerlab.core.data import Dataset
from layerlab.core.document import GraphDocument
from layerlab.core.training import TrainingSession
from layerlab.core.training.errors import TrainingDataError
from layerlab.core.training.evaluation import (
    class_indices,
    confusion_matrix,
    confusion_on_test_set,
    evaluate,
    predict,
    weight_stats,
)


@pytest.fixture(scope="module")
def trained():
    ds = blob_dataset()
    session = TrainingSession(mlp(), ds, dict(CLASSIFY, metrics=["accuracy", "sparse_top_k_categorical_accuracy"]))
    assert session.run().status == "finished"
    return session, ds


def test_evaluation_reports_every_metric_under_the_names_keras_trains_with(trained):
    session, ds = trained
    result = evaluate(session.model, session.document, ds)
    assert set(result) == set(session.records[-1].history)  # loss + both metrics, as Keras names them
    keras_own = session.model.evaluate(ds.x_test, ds.y_test, verbose=0, return_dict=True)
    assert result == pytest.approx({k: float(v) for k, v in keras_own.items()})
    with pytest.raises(TrainingDataError, match="no test set"):
        evaluate(session.model, session.document, Dataset(ds.x_train, ds.y_train))


def test_predictions_for_chosen_samples_are_those_rows_of_keras_predict(trained):
    session, ds = trained
    chosen = predict(session.model, session.document, ds.x_test, [4, 0, 7])
    everything = session.model.predict(ds.x_test, verbose=0)
    np.testing.assert_allclose(chosen, everything[[4, 0, 7]], rtol=1e-6)
    with pytest.raises(TrainingDataError, match="sample 30 does not exist"):
        predict(session.model, session.document, ds.x_test, [30])


def test_confusion_matrix_of_a_known_case():
    y_true = [0, 0, 1, 1, 1, 2, 2, 2, 2]
    probs = np.array([[.9, .1, 0], [.2, .7, .1], [.1, .8, .1], [.1, .8, .1], [.6, .3, .1],
                      [0, 0, 1], [0, .2, .8], [0, .9, .1], [.5, .4, .1]])
    # By hand: class 0 -> predicted 0, 1; class 1 -> 1, 1, 0; class 2 -> 2, 2, 1, 0.
    expected = np.array([[1, 1, 0], [1, 2, 0], [1, 1, 2]])
    np.testing.assert_array_equal(confusion_matrix(y_true, probs), expected)
    one_hot = np.eye(3)[y_true]
    np.testing.assert_array_equal(confusion_matrix(one_hot, probs), expected)
    # A sigmoid column is thresholded at 0.5; labels may be floats.
    np.testing.assert_array_equal(confusion_matrix([0., 1., 1., 0.], [[.2], [.9], [.4], [.6]]), [[1, 1], [1, 1]])
    assert confusion_matrix([0, 1], [1, 1], num_classes=4).shape == (4, 4)


def test_class_indices_reads_labels_and_outputs():
    np.testing.assert_array_equal(class_indices(np.array([3, 1])), [3, 1])
    np.testing.assert_array_equal(class_indices(np.array([[0.], [2.]])), [0, 2])
    np.testing.assert_array_equal(class_indices(np.array([0.3, 0.7])), [0, 1])


def test_confusion_on_the_test_set_counts_every_test_sample(trained):
    session, ds = trained
    m = confusion_on_test_set(session.model, session.document, ds)
    assert m.shape == (3, 3) and m.sum() == len(ds.y_test)
    predicted = np.argmax(session.model.predict(ds.x_test, verbose=0), axis=1)
    assert np.trace(m) == int(np.sum(predicted == ds.y_test))


def test_weight_statistics_match_numpy_on_keras_weights(trained):
    session, _ = trained
    stats = weight_stats(session.model, bins=10)
    expected = [(layer.name, w) for layer in session.model.layers for w in layer.get_weights()]
    assert [(s.layer, s.shape) for s in stats] == [(name, w.shape) for name, w in expected]
    assert [s.name for s in stats[:2]] == ["kernel", "bias"]
    for s, (_, w) in zip(stats, expected):
        assert (s.min, s.max) == pytest.approx((w.min(), w.max()))
        assert (s.mean, s.std) == pytest.approx((w.mean(), w.std()), rel=1e-5, abs=1e-7)
        counts, edges = np.histogram(w.astype(np.float64), bins=10)
        np.testing.assert_array_equal(s.counts, counts)
        np.testing.assert_allclose(s.edges, edges)
        assert s.counts.sum() == w.size
    assert stats[0].to_json()["shape"] == [4, 8]


def test_multi_output_evaluation_applies_the_loss_weights():
    doc = GraphDocument()
    doc.add_node("Input", {"shape": [4]}, node_id="wide")
    doc.add_node("Input", {"shape": [4]}, node_id="deep")
    doc.add_node("Dense", {"units": 8, "activation": "relu"}, node_id="hidden")
    doc.add_node("Concatenate", {}, node_id="concat")
    doc.add_node("Dense", {"units": 1}, node_id="main")
    doc.add_node("Dense", {"units": 3, "activation": "softmax"}, node_id="aux")
    doc.add_edge("deep", "hidden")
    doc.add_edge("wide", "concat", 0)
    doc.add_edge("hidden", "concat", 1)
    doc.add_edge("concat", "main")
    doc.add_edge("hidden", "aux")
    ds0 = blob_dataset()
    x = {"wide": ds0.x_train, "deep": ds0.x_train * 2}
    ys = [ds0.y_train.astype("float32"), ds0.y_train]
    ds = Dataset(x, ys, {"wide": ds0.x_test, "deep": ds0.x_test * 2}, [ds0.y_test.astype("float32"), ds0.y_test])
    section = {"loss": {"main": "mse", "aux": "sparse_categorical_crossentropy"}, "loss_weights": [0.9, 0.1],
               "metrics": {"aux": ["accuracy"]}, "epochs": 1, "batch_size": 16}
    session = TrainingSession(doc, ds, section)
    assert session.run().status == "finished"
    result = evaluate(session.model, session.document, ds)
    assert {"loss", "main_loss", "aux_loss", "aux_accuracy"} <= set(result)
    assert result["loss"] == pytest.approx(0.9 * result["main_loss"] + 0.1 * result["aux_loss"], rel=1e-4)
    out = predict(session.model, session.document, ds.x_test, [0, 1])
    assert [o.shape for o in out] == [(2, 1), (2, 3)]
    with pytest.raises(TrainingDataError, match="no features for Input 'deep'"):
        predict(session.model, session.document, {"wide": ds0.x_test}, [0])
