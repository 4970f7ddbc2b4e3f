"""Applications: keras.applications models placed as one frozen block, and their preprocess_input.

An application node builds `keras.applications.<Name>(include_top=False,
input_shape=<the wire's shape>, pooling=..., weights=...)` where it is called,
so its input shape comes from the wire; it is a nested keras.Model named after
the node in every export (importing that export gives a `model: true` group).
Frozen by default (trainable false), as in Keras's transfer-learning guide.
ImageNet weights come from the Keras cache (~/.keras/models); shape checks use
none. `applications.preprocess_input` calls the application's preprocess_input,
which Keras records as keras.ops operations (x / 127.5 - 1 for MobileNetV2).
"""

from layerlab.core.catalog import register
from layerlab.core.catalog.spec import BOOL, CHOICE, FLOAT, LayerSpec, Param

# Constructor -> its keras.applications module (which holds its preprocess_input).
APPLICATIONS = {
    **{f"ConvNeXt{s}": "convnext" for s in ("Tiny", "Small", "Base", "Large", "XLarge")},
    **{f"DenseNet{n}": "densenet" for n in (121, 169, 201)},
    **{f"EfficientNetB{i}": "efficientnet" for i in range(8)},
    **{f"EfficientNetV2{s}": "efficientnet_v2" for s in ("B0", "B1", "B2", "B3", "S", "M", "L")},
    "InceptionResNetV2": "inception_resnet_v2", "InceptionV3": "inception_v3",
    "MobileNet": "mobilenet", "MobileNetV2": "mobilenet_v2", "MobileNetV3Small": "mobilenet_v3",
    "MobileNetV3Large": "mobilenet_v3", "NASNetMobile": "nasnet", "NASNetLarge": "nasnet",
    **{f"ResNet{n}": "resnet" for n in (50, 101, 152)}, **{f"ResNet{n}V2": "resnet_v2" for n in (50, 101, 152)},
    "VGG16": "vgg16", "VGG19": "vgg19", "Xception": "xception",
}
_ALPHA = {"MobileNet": 1.0, "MobileNetV2": 1.0, "MobileNetV3Small": 1.0, "MobileNetV3Large": 1.0}
_NAME = Param("name", "str", None, "Name of the nested model (defaults to the node id).", nullable=True,
              check=lambda v: "cannot contain '/'" if "/" in v else None)


def _application(name: str) -> LayerSpec:
    params = [
        Param("pooling", CHOICE, "avg", "Pooling after the last block: avg or max give one vector per image; None "
              "keeps the feature map.", choices=(None, "avg", "max"), nullable=True, key=True),
        Param("weights", CHOICE, None, "imagenet loads the pretrained weights from the Keras cache (~/.keras/models); "
              "None starts from random weights.", choices=(None, "imagenet"), nullable=True, key=True),
        Param("trainable", BOOL, False, "Whether the block's weights are trained (fine-tuning); frozen by default.",
              key=True),
    ]
    if name in _ALPHA:
        params.append(Param("alpha", FLOAT, 1.0, "Width multiplier: fewer filters below 1 (0.35, 0.5, 0.75, 1.0).",
                            min=0, min_exclusive=True))
    return LayerSpec(f"applications.{name}", "Applications",
                     f"keras.applications.{name} without its classifier, as one block (a nested model); input shape "
                     "from the wire.", params=(*params, _NAME), application=name)


register(
    *(_application(name) for name in APPLICATIONS),
    LayerSpec("applications.preprocess_input", "Applications",
              "An application's preprocess_input (e.g. x / 127.5 - 1 for MobileNetV2), recorded as operations.",
              params=(Param("application", CHOICE, "mobilenet_v2", "Whose preprocessing to apply.",
                            choices=tuple(sorted(set(APPLICATIONS.values()))), key=True), _NAME),
              application="preprocess_input"),
)
