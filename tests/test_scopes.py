"""Blocks by name scope: the rule on the names keras.applications models use, and a real ResNet50 import."""

import pytest
from test_importer_support import assert_same_as_keras, keras, save_both

from layerlab.core.document import GraphDocument
from layerlab.core.importer import import_model
from layerlab.core.scopes import add_scope_groups, scope_of


@pytest.mark.parametrize("name, type_name, scope", [
    ("conv2_block1_1_conv", "Conv2D", "conv2_block1"),  # ResNet
    ("conv5_block3_out", "Activation", "conv5_block3"),
    ("block_13_expand_BN", "BatchNormalization", "block_13"),  # MobileNetV2
    ("mixed9_0", "Concatenate", "mixed9"),  # InceptionV3
    ("mixed5", "Concatenate", "mixed5"),
    ("block1a_dwconv", "DepthwiseConv2D", "block1a"),  # EfficientNet
    ("convnext_tiny_stage_0_block_0_depthwise_conv", "Conv2D", "convnext_tiny_stage_0_block_0"),
    ("separable_conv_1_bn_normal_left1_12", "BatchNormalization", "cell_12"),  # NASNet
    ("adjust_conv_projection_12", "Conv2D", "cell_12"),
    ("reduction_add_1_stem_1", "Add", "cell_stem_1"),
    ("separable_conv_2_reduction_left1_reduce_4", "SeparableConv2D", "cell_reduce_4"),
    # names Keras made up carry no scope; neither do plain words
    ("conv2d_5", "Conv2D", None),
    ("batch_normalization_12", "BatchNormalization", None),
    ("max_pooling2d_1", "MaxPooling2D", None),
    ("activation_94", "Activation", None),
    ("predictions", "Dense", None),
    ("avg_pool", "GlobalAveragePooling2D", None),
])
def test_scope_of_names_from_keras_applications(name, type_name, scope):
    assert scope_of(name, type_name) == scope


def _inception_like() -> GraphDocument:
    """A stem, then two branches of Keras-named layers meeting in `mixed1`, then a head."""
    doc = GraphDocument()
    doc.add_node("Input", {"shape": [8, 8, 3]}, node_id="in")
    doc.add_node("Conv2D", {"filters": 4, "kernel_size": 1, "name": "stem_conv1"}, node_id="stem")
    doc.add_node("Conv2D", {"filters": 4, "kernel_size": 1}, node_id="conv2d_1")
    doc.add_node("Activation", {"activation": "relu"}, node_id="activation_1")
    doc.add_node("Conv2D", {"filters": 4, "kernel_size": 1}, node_id="conv2d_2")
    doc.add_node("Concatenate", {}, node_id="mixed1")
    doc.add_node("Flatten", {}, node_id="flatten")
    for a, b in [("in", "stem"), ("stem", "conv2d_1"), ("conv2d_1", "activation_1"), ("stem", "conv2d_2"),
                 ("flatten", None)]:
        if b:
            doc.add_edge(a, b)
    doc.add_edge("activation_1", "mixed1", 0)
    doc.add_edge("conv2d_2", "mixed1", 1)
    doc.add_edge("mixed1", "flatten")
    return doc


def test_keras_named_layers_between_blocks_join_the_block_they_feed():
    doc = _inception_like()
    (gid,) = add_scope_groups(doc)
    group = doc.group(gid)
    assert group.label == "mixed1" and group.collapsed
    assert group.nodes == ("conv2d_1", "activation_1", "conv2d_2", "mixed1")
    assert doc.group_of("flatten") is None and doc.group_of("stem") is None  # nothing downstream to reach


def test_blocks_nest_inside_the_group_their_nodes_are_in():
    doc = _inception_like()
    outer = doc.add_group("encoder", doc.node_ids()[1:], model=True)
    (gid,) = add_scope_groups(doc)
    assert doc.group(gid).parent == outer
    assert doc.group_members(outer) == doc.node_ids()[1:]


@pytest.fixture(scope="module")
def resnet50(tmp_path_factory):
    k = keras()
    model = k.applications.ResNet50(weights=None, input_shape=(32, 32, 3), classes=10)
    path, _ = save_both(model, tmp_path_factory.mktemp("resnet"), "ResNet50")
    k.backend.clear_session()
    return path


@pytest.mark.slow
def test_resnet50_imports_with_one_collapsed_group_per_residual_block_and_exports_identically(resnet50):
    result = import_model(resnet50)
    doc = result.project.document
    blocks = {g.label: g for g in doc.groups()}
    residual = sorted(label for label in blocks if "_block" in label)
    assert residual == sorted(f"conv{s}_block{b}" for s, n in ((2, 3), (3, 4), (4, 6), (5, 3)) for b in range(1, n + 1))
    for label in residual:
        g = blocks[label]
        assert g.collapsed and not g.model
        assert sum(doc.node_type(n) == "Add" for n in g.nodes) == 1  # each holds its residual add
        assert all(doc.node(n).layer_name.startswith(label + "_") for n in g.nodes)
    assert_same_as_keras(resnet50, result, atol=1e-5)  # the groups change nothing in the model
